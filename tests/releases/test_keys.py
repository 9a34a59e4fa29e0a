"""Signing keys: ids and fingerprints, raw bytes for the keychain, encrypted backups."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from storage.releases import keys as k
from storage.releases.errors import KeyBackupError


def test_key_id_is_sha256_of_raw_public_key_and_fingerprint_is_grouped():
    key = k.generate_key()
    raw = k.public_bytes(key)
    assert len(raw) == 32
    assert k.key_id(key) == hashlib.sha256(raw).hexdigest() == k.fingerprint(key.public_key())
    grouped = k.format_fingerprint(key)
    assert grouped.replace(" ", "") == k.key_id(key)
    assert len(grouped.split(" ")) == 16 and all(len(g) == 4 for g in grouped.split(" "))


def test_raw_private_bytes_round_trip_for_the_keychain():
    key = k.generate_key()
    raw = k.private_bytes(key)
    assert len(raw) == 32
    assert k.key_id(k.private_key(raw)) == k.key_id(key)
    assert k.key_id(k.public_key(k.public_bytes(key))) == k.key_id(key)
    with pytest.raises(TypeError):
        k.private_key(b"short")


def test_encrypted_backup_round_trips_and_shows_the_fingerprint():
    key = k.generate_key()
    backup = k.export_backup(key, "correct horse battery", label="Ann's laptop")
    assert k.format_fingerprint(key).encode() in backup
    assert b"ENCRYPTED PRIVATE KEY" in backup
    assert k.private_bytes(key) not in backup
    restored = k.import_backup(backup, "correct horse battery")
    assert k.private_bytes(restored) == k.private_bytes(key)


def test_backup_with_wrong_passphrase_is_refused():
    backup = k.export_backup(k.generate_key(), "correct horse battery")
    with pytest.raises(KeyBackupError, match="wrong passphrase"):
        k.import_backup(backup, "wrong horse battery")


def test_backup_needs_a_real_passphrase():
    with pytest.raises(ValueError, match="at least"):
        k.export_backup(k.generate_key(), "short")


def test_damaged_unencrypted_or_foreign_backups_are_refused():
    with pytest.raises(KeyBackupError, match="not a Promptpress key backup"):
        k.import_backup(b"hello", "correct horse battery")
    backup = k.export_backup(k.generate_key(), "correct horse battery")
    damaged = backup.replace(backup.splitlines()[-3], b"A" * len(backup.splitlines()[-3]))
    with pytest.raises(KeyBackupError):
        k.import_backup(damaged, "correct horse battery")
    plain = k.generate_key().private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
    with pytest.raises(KeyBackupError, match="not encrypted"):
        k.import_backup(plain, "correct horse battery")
    ec_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"correct horse battery"))
    with pytest.raises(KeyBackupError, match="not Ed25519"):
        k.import_backup(ec_key, "correct horse battery")
