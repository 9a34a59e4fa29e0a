"""Ed25519 signing keys: generation, key ids (fingerprints), raw bytes and encrypted backups.

The app keeps private keys in the OS keychain (as the 32 raw bytes this module gives and takes);
this module never stores anything itself. A key's id is the hex sha256 of its raw public key; the
same string, grouped in fours, is the fingerprint people compare aloud.

A backup is a PKCS#8 PEM file encrypted with a passphrase (the best encryption `cryptography`
offers), preceded by a few comment lines saying what it is and whose fingerprint it holds.
"""

from __future__ import annotations

import hashlib
import re
from typing import Union

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import KeyBackupError, MalformedError

PrivateKeyLike = Union[Ed25519PrivateKey, bytes]
PublicKeyLike = Union[Ed25519PublicKey, Ed25519PrivateKey, bytes]

KEY_ID_RE = re.compile(r"^[0-9a-f]{64}\Z")
MIN_PASSPHRASE = 8


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key(key: PrivateKeyLike) -> Ed25519PrivateKey:
    """A private key object from a key object or its 32 raw bytes."""
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, (bytes, bytearray)) and len(key) == 32:
        return Ed25519PrivateKey.from_private_bytes(bytes(key))
    raise TypeError("a signing key is an Ed25519 private key or its 32 raw bytes")


def private_bytes(key: PrivateKeyLike) -> bytes:
    """The 32 raw bytes of a private key (what the keychain stores)."""
    return private_key(key).private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_key(key: PublicKeyLike) -> Ed25519PublicKey:
    """The public key of a private key, a public key, or 32 raw public-key bytes."""
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if isinstance(key, (bytes, bytearray)) and len(key) == 32:
        return Ed25519PublicKey.from_public_bytes(bytes(key))
    raise TypeError("a public key is an Ed25519 key or its 32 raw public-key bytes")


def public_bytes(key: PublicKeyLike) -> bytes:
    return public_key(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: PublicKeyLike) -> str:
    """The key id: hex sha256 of the raw public key. Also its fingerprint."""
    return hashlib.sha256(public_bytes(key)).hexdigest()


fingerprint = key_id


def format_fingerprint(key_or_id: PublicKeyLike | str, group: int = 4) -> str:
    """`ab12 cd34 ...`: the fingerprint grouped for reading aloud and comparing by eye."""
    kid = key_or_id if isinstance(key_or_id, str) else key_id(key_or_id)
    return " ".join(kid[i:i + group] for i in range(0, len(kid), group))


def public_from_hex(text: str, where: str) -> Ed25519PublicKey:
    """A public key from metadata (64 lowercase hex digits)."""
    if not isinstance(text, str) or not KEY_ID_RE.match(text):
        raise MalformedError(f"{where} must be 64 lowercase hex digits")
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def export_backup(key: PrivateKeyLike, passphrase: str | bytes, *, label: str = "") -> bytes:
    """An encrypted backup of `key` for moving it to another machine."""
    secret = _passphrase(passphrase)
    if len(secret) < MIN_PASSPHRASE:
        raise ValueError(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    k = private_key(key)
    pem = k.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )
    header = [
        "Promptpress signing key backup (Ed25519, PKCS#8, encrypted with a passphrase).",
        f"Fingerprint: {format_fingerprint(k.public_key())}",
    ]
    if label:
        header.append("Label: " + " ".join(label.split()))
    return ("\n".join(header) + "\n\n").encode("utf-8") + pem


def import_backup(data: bytes, passphrase: str | bytes) -> Ed25519PrivateKey:
    """Load a backup written by `export_backup`; a wrong passphrase raises KeyBackupError."""
    start = data.find(b"-----BEGIN ")
    if start < 0:
        raise KeyBackupError("this file is not a Promptpress key backup (no PEM block found)")
    try:
        key = serialization.load_pem_private_key(data[start:], password=_passphrase(passphrase))
    except TypeError:
        raise KeyBackupError("this backup is not encrypted; it cannot be a Promptpress backup")
    except (ValueError, UnsupportedAlgorithm):
        raise KeyBackupError("wrong passphrase, or the backup file is damaged") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyBackupError("the backup holds a key that is not Ed25519")
    return key


def _passphrase(passphrase: str | bytes) -> bytes:
    return passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
