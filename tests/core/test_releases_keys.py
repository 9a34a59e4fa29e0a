"""Signing keys in the keychain: generate, list, choose, back up and restore, share."""

from __future__ import annotations

import base64
import json

import keyring
import pytest
from keyring.backends import fail

from desktop.core.releases import SigningKeyError, keys
from desktop.core.secrets import SERVICE
from storage.releases import KeyBackupError, fingerprint
from tests.core.test_releases_support import author_key, reviewer_key  # noqa: F401
from tests.support.keyring_backend import MemoryKeyring


def test_a_new_key_lives_only_in_the_keychain(test_keyring, tmp_path):
    info = keys.generate("Ann, laptop")
    secret = test_keyring.get_password(SERVICE, f"signing-key:{info.fingerprint}")
    raw = base64.b64decode(secret)
    assert len(raw) == 32 and fingerprint(keys.private_key(info.fingerprint)) == info.fingerprint
    index = json.loads(test_keyring.get_password(SERVICE, "signing-keys"))
    assert index["default"] == info.fingerprint and secret not in json.dumps(index)
    assert info.default and info.label == "Ann, laptop" and not info.missing
    assert info.grouped.count(" ") == 15 and len(info.public) == 64
    assert list(tmp_path.iterdir()) == []  # nothing written to disk


def test_list_find_and_default(author_key, reviewer_key):
    listed = keys.list_keys()
    assert [k.fingerprint for k in listed] == [author_key.fingerprint, reviewer_key.fingerprint]
    assert keys.find().fingerprint == author_key.fingerprint
    grouped_prefix = reviewer_key.grouped[:14]  # "abcd ef01 2345" style, spaces allowed
    assert keys.find(grouped_prefix).fingerprint == reviewer_key.fingerprint
    keys.set_default(reviewer_key.fingerprint)
    assert keys.list_keys()[0].fingerprint == reviewer_key.fingerprint
    with pytest.raises(SigningKeyError, match="at least its first 8"):
        keys.find("abc")
    with pytest.raises(SigningKeyError, match="None of your signing keys"):
        keys.find("00000000")


def test_no_key_yet_says_how_to_make_one():
    with pytest.raises(SigningKeyError, match="release keygen"):
        keys.choose_signer({"x" * 64}, what="releases")


def test_exactly_one_key_signs_and_never_twice(author_key, reviewer_key):
    both = {author_key.fingerprint, reviewer_key.fingerprint}
    info, private = keys.choose_signer(both, what="production")
    assert info.fingerprint == author_key.fingerprint  # the default, not both
    info, _ = keys.choose_signer({reviewer_key.fingerprint}, what="production")
    assert info.fingerprint == reviewer_key.fingerprint  # my only allowed key
    with pytest.raises(SigningKeyError, match="may not sign production"):
        keys.choose_signer({reviewer_key.fingerprint}, author_key.fingerprint, what="production")
    with pytest.raises(SigningKeyError, match="already signed"):
        keys.choose_signer(both, what="production", already_signed={author_key.fingerprint})


def test_backup_and_restore_on_another_computer(author_key, test_keyring):
    data = keys.backup(None, "correct horse battery")
    assert b"PRIVATE KEY" in data and author_key.grouped.encode() in data
    keyring.set_keyring(MemoryKeyring())  # another computer (the conftest restores the first)
    assert keys.list_keys() == []
    with pytest.raises(KeyBackupError, match="wrong passphrase"):
        keys.restore_backup(data, "wrong passphrase!")
    restored = keys.restore_backup(data, "correct horse battery")
    assert restored.fingerprint == author_key.fingerprint and restored.label == "Ann, laptop"
    assert restored.default
    with pytest.raises(SigningKeyError, match="at least 8"):
        keys.backup(None, "short")


def test_a_key_missing_from_the_keychain_is_listed_and_explained(author_key, test_keyring):
    test_keyring.delete_password(SERVICE, f"signing-key:{author_key.fingerprint}")
    assert keys.list_keys()[0].missing
    with pytest.raises(SigningKeyError, match="Restore it from its backup"):
        keys.private_key(author_key.fingerprint)


def test_without_a_keychain_nothing_is_created():
    keyring.set_keyring(fail.Keyring())
    assert "has no keychain" in keys.keychain_problem() and "keyring.backends" not in keys.keychain_problem()
    with pytest.raises(SigningKeyError, match="release keygen --key-file PATH"):
        keys.generate("x")
    with pytest.raises(SigningKeyError, match="has no keychain"):
        keys.list_keys()


def test_a_key_file_is_private_whatever_the_umask_and_holds_the_key(tmp_path):
    import os
    import stat

    previous = os.umask(0o000)
    try:
        info = keys.create_key_file(tmp_path / "ci" / "bot.key", "a long passphrase", "CI  bot")
    finally:
        os.umask(previous)
    path = tmp_path / "ci" / "bot.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["bot.key", "bot.key.pub"]  # no temp
    loaded = keys.load_key_file(path, "a long passphrase")
    assert loaded.info.fingerprint == info.fingerprint == fingerprint(loaded.private)
    assert loaded.info.label == "CI bot" and "private=" not in repr(loaded)
    assert fingerprint(keys.read_public_key(f"{path}.pub")) == info.fingerprint
    chosen, private = keys.choose_signer({info.fingerprint}, loaded, what="staging")
    assert chosen == loaded.info and private is loaded.private
    with pytest.raises(SigningKeyError, match="may not sign staging.*bot.key.pub"):
        keys.choose_signer({"0" * 64}, loaded, what="staging")
    with pytest.raises(SigningKeyError, match="Wrong passphrase"):
        keys.load_key_file(path, "another passphrase")
    path.chmod(0o604)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        keys.load_key_file(path, "a long passphrase")


def test_public_key_file_round_trip(author_key, tmp_path):
    path = tmp_path / "ann.pub"
    path.write_bytes(keys.public_key_file())
    text = path.read_text()
    assert "PRIVATE" not in text and author_key.public in text
    assert fingerprint(keys.read_public_key(str(path))) == author_key.fingerprint
    assert fingerprint(keys.read_public_key(author_key.fingerprint[:12])) == author_key.fingerprint
    path.write_text(text.replace(author_key.grouped[:4], "ffff", 1))  # a doctored fingerprint
    with pytest.raises(SigningKeyError, match="does not match"):
        keys.read_public_key(str(path))
    with pytest.raises(SigningKeyError, match="neither"):
        keys.read_public_key("not-a-file")


def test_a_damaged_index_is_left_alone(author_key, test_keyring):
    test_keyring.set_password(SERVICE, "signing-keys", "{not json")
    with pytest.raises(SigningKeyError, match="damaged"):
        keys.generate("again")
    assert test_keyring.get_password(SERVICE, "signing-keys") == "{not json"
