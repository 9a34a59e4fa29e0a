"""My signing keys, kept in the OS keychain, or where there is none in a key file I name.

Keychain layout (service "Promptpress", see desktop.core.secrets):

    signing-key:<fingerprint>   the private key: base64 of its 32 raw bytes (secret)
    signing-keys                the list of my keys: JSON {"default": fp, "keys": [{fingerprint,
                                public, label, created}]} (not secret)

Keys belong to a person, not to a workspace, so the list lives beside the keys rather than in a
workspace (and needs no schema change); the keychain has no "list entries" call, hence the index.
A key whose entry is missing from the keychain is still listed, marked missing, so the user can
restore it from its backup.

A public key file (for the repository owner who adds a reviewer or co-author) is a few comment
lines and the 64 hex digits of the raw public key; see `public_key_file` / `read_public_key`.

Where there is no keychain (a build server, a headless box), a key can live in a key file
instead: the backup format (PKCS#8, encrypted with a passphrase), mode 0600, next to its public
key file (`create_key_file`, `load_key_file`). Every signing call takes a `FileKey` wherever it
takes a fingerprint. The keychain stays the default, and the app's only choice.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shlex
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop.core import secrets
from storage.releases import keys as fmt
from storage.releases.errors import KeyBackupError

from .errors import SigningKeyError

INDEX_ACCOUNT = "signing-keys"
PUBLIC_HEADER = "Promptpress signing key (public part: safe to share)"
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def account(fingerprint: str) -> str:
    return f"signing-key:{fingerprint}"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """One of my keys as listed: never the private part."""

    fingerprint: str
    public: str  # 64 hex digits of the raw public key
    label: str
    created: int  # epoch seconds
    default: bool = False
    missing: bool = False  # listed, but the keychain no longer holds the private key

    @property
    def grouped(self) -> str:
        return fmt.format_fingerprint(self.fingerprint)

    @property
    def short(self) -> str:
        return fmt.format_fingerprint(self.fingerprint[:16])

    def describe(self) -> str:
        return f"{self.label or 'signing key'} ({self.short}…)"


# -- the keychain ------------------------------------------------------------------------------


def _no_keychain() -> SigningKeyError | None:
    usable, text = secrets.keychain_status()
    if usable:
        return None
    return SigningKeyError(
        "This computer has no keychain, so no signing key can be kept in it here. "
        f"{secrets.install_advice()} Or keep the key in a passphrase-protected file instead: "
        "`promptpress release keygen --key-file PATH` creates one, and every signing command "
        "takes `--key-file PATH`."
    )


def keychain_problem() -> str | None:
    """Why keys cannot be stored on this computer, or None when they can."""
    problem = _no_keychain()
    return str(problem) if problem else None


def _load_index() -> dict:
    problem = _no_keychain()
    if problem is not None:
        raise problem
    text = secrets.get_secret(INDEX_ACCOUNT)
    if not text:
        return {"default": None, "keys": []}
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ValueError
        for entry in data["keys"]:
            if not fmt.KEY_ID_RE.match(str(entry.get("fingerprint", ""))):
                raise ValueError
    except (ValueError, AttributeError):
        raise SigningKeyError(
            "The keychain's list of your signing keys is damaged, so it was left as it is. "
            "Your keys themselves are untouched; restore them from their backup files."
        ) from None
    return data


def _save_index(data: dict) -> None:
    secrets.set_secret(INDEX_ACCOUNT, json.dumps(data, ensure_ascii=False, sort_keys=True))


def list_keys() -> list[KeyInfo]:
    """My keys, the default first, then oldest first."""
    data = _load_index()
    default = data.get("default")
    out = []
    for entry in data["keys"]:
        fp = entry["fingerprint"]
        missing = not secrets.get_secret(account(fp))
        out.append(KeyInfo(fp, entry.get("public", ""), entry.get("label", ""),
                           int(entry.get("created", 0)), fp == default, missing))
    out.sort(key=lambda k: (not k.default, k.created))
    return out


def _store(key: Ed25519PrivateKey, label: str, *, make_default: bool) -> KeyInfo:
    problem = _no_keychain()
    if problem is not None:
        raise problem
    data = _load_index()
    fp = fmt.key_id(key)
    secret = base64.b64encode(fmt.private_bytes(key)).decode("ascii")
    secrets.set_secret(account(fp), secret)
    known = {e["fingerprint"]: e for e in data["keys"]}
    entry = known.get(fp) or {"fingerprint": fp, "public": fmt.public_bytes(key).hex(),
                              "created": int(time.time())}
    entry["label"] = " ".join(label.split()) or entry.get("label", "")
    if fp not in known:
        data["keys"].append(entry)
    if make_default or data.get("default") not in {e["fingerprint"] for e in data["keys"]}:
        data["default"] = fp
    try:
        _save_index(data)
    except secrets.SecretsError:
        if fp not in known:
            secrets.delete_secret(account(fp))
        raise
    return next(k for k in list_keys() if k.fingerprint == fp)


def generate(label: str = "", *, make_default: bool = False) -> KeyInfo:
    """Create a key, keep it in the keychain; the first key becomes the default."""
    return _store(fmt.generate_key(), label, make_default=make_default)


def restore_backup(data: bytes, passphrase: str, *, label: str = "",
                   make_default: bool = False) -> KeyInfo:
    """Put a key from an encrypted backup file back into the keychain."""
    key = fmt.import_backup(data, passphrase)
    return _store(key, label or _backup_label(data), make_default=make_default)


def _backup_label(data: bytes) -> str:
    found = re.search(rb"^Label: (.*)$", data.split(b"-----BEGIN ", 1)[0], re.MULTILINE)
    return found.group(1).decode("utf-8", "replace").strip() if found else ""


def backup(fingerprint: str | None, passphrase: str) -> bytes:
    """An encrypted backup of one of my keys (the default when `fingerprint` is None)."""
    info = find(fingerprint)
    try:
        return fmt.export_backup(private_key(info.fingerprint), passphrase, label=info.label)
    except ValueError as exc:  # passphrase too short
        raise SigningKeyError(str(exc).capitalize() + ".") from None


def set_default(fingerprint: str) -> KeyInfo:
    info = find(fingerprint)
    data = _load_index()
    data["default"] = info.fingerprint
    _save_index(data)
    return find(info.fingerprint)


def remove(fingerprint: str) -> KeyInfo:
    """Forget a key: delete it from the keychain and the list (back it up first)."""
    info = find(fingerprint)
    data = _load_index()
    data["keys"] = [e for e in data["keys"] if e["fingerprint"] != info.fingerprint]
    if data.get("default") == info.fingerprint:
        data["default"] = data["keys"][0]["fingerprint"] if data["keys"] else None
    _save_index(data)
    secrets.delete_secret(account(info.fingerprint))
    return info


def normalise_fingerprint(text: str) -> str:
    return "".join(text.split()).lower().removesuffix("…").removesuffix("...")


def find(fingerprint: str | None = None, keys: list[KeyInfo] | None = None) -> KeyInfo:
    """One of my keys by fingerprint (or its first 8+ digits); None: the default key."""
    keys = list_keys() if keys is None else keys
    if not keys:
        raise SigningKeyError(
            "This computer has no signing key yet. Create one with `promptpress release keygen` "
            "or in Release > Signing keys…, or restore yours from its backup file."
        )
    if fingerprint is None:
        return keys[0]
    wanted = normalise_fingerprint(fingerprint)
    if len(wanted) < 8 or not re.fullmatch(r"[0-9a-f]+", wanted):
        raise SigningKeyError(f"{fingerprint!r} is not a key fingerprint: give at least its "
                              "first 8 hexadecimal digits.")
    matches = [k for k in keys if k.fingerprint.startswith(wanted)]
    if not matches:
        raise SigningKeyError(f"None of your signing keys has the fingerprint {fingerprint}. "
                              "`promptpress release key list` shows yours.")
    if len(matches) > 1:
        raise SigningKeyError(f"{fingerprint} matches {len(matches)} of your keys; give more "
                              "digits.")
    return matches[0]


def private_key(fingerprint: str) -> Ed25519PrivateKey:
    """The private key from the keychain (checked against its fingerprint)."""
    text = secrets.get_secret(account(fingerprint))
    if not text:
        raise SigningKeyError(
            "The keychain no longer holds your signing key "
            f"{fmt.format_fingerprint(fingerprint[:16])}…. "
            "Restore it from its backup file (Release > Signing keys… > Restore)."
        )
    try:
        key = fmt.private_key(base64.b64decode(text, validate=True))
    except (binascii.Error, TypeError, ValueError):
        raise SigningKeyError(f"The keychain entry of signing key {fingerprint[:16]}… is "
                              "damaged; restore the key from its backup file.") from None
    if fmt.key_id(key) != fingerprint:
        raise SigningKeyError(f"The keychain entry of signing key {fingerprint[:16]}… holds "
                              "another key; restore the key from its backup file.")
    return key


def choose_signer(allowed: set[str] | frozenset[str], fingerprint: str | FileKey | None = None, *,
                  what: str, already_signed: set[str] | frozenset[str] = frozenset()
                  ) -> tuple[KeyInfo, Ed25519PrivateKey]:
    """The one key of mine to sign `what` with: the one asked for (a fingerprint, or a key
    file), else the default key if the repository allows it, else my only key that it allows.
    Exactly one key signs, so holding two keys never fakes a second person's signature by
    accident."""
    if isinstance(fingerprint, FileKey):
        chosen = fingerprint.info
    else:
        everything = list_keys()
        keys = [k for k in everything if not k.missing] or everything
        if fingerprint is not None:
            chosen = find(fingerprint, everything)
        else:
            find(None, keys)  # "no key yet" explained
            usable = [k for k in keys if k.fingerprint in allowed]
            if keys[0].fingerprint in allowed or not usable:
                chosen = keys[0]
            elif len(usable) == 1:
                chosen = usable[0]
            else:
                raise SigningKeyError(f"Several of your keys may sign {what}; choose one with "
                                      "--key FINGERPRINT.")
    if chosen.fingerprint not in allowed:
        allowed_text = ", ".join(fmt.format_fingerprint(k[:16]) + "…" for k in sorted(allowed))
        share = (f"its public key file, {fingerprint.path}.pub" if isinstance(fingerprint, FileKey)
                 else "your public key (`promptpress release key export --public FILE`)")
        raise SigningKeyError(
            f"Your key {chosen.describe()} may not sign {what}. The repository allows "
            f"{allowed_text or 'no key'}; ask its owner to add {share}."
        )
    if chosen.fingerprint in already_signed:
        raise SigningKeyError(
            f"You already signed this with {chosen.describe()}. A second person has to co-sign "
            "it with their own key."
        )
    if isinstance(fingerprint, FileKey):
        return chosen, fingerprint.private
    return chosen, private_key(chosen.fingerprint)


def signing_key(key: str | FileKey | None) -> tuple[KeyInfo, Ed25519PrivateKey]:
    """A key to sign with: from its file, else from the keychain by fingerprint (None: the
    default key)."""
    if isinstance(key, FileKey):
        return key.info, key.private
    info = find(key)
    return info, private_key(info.fingerprint)


# -- key files, where there is no keychain ------------------------------------------------------


@dataclass(frozen=True)
class FileKey:
    """A signing key read from its key file (``--key-file``)."""

    path: Path
    info: KeyInfo
    private: Ed25519PrivateKey = field(repr=False)


def create_key_file(path: str | os.PathLike[str], passphrase: str, label: str = "") -> KeyInfo:
    """Create a key in a new file, encrypted with `passphrase` and readable by its owner alone,
    and its public key file beside it (PATH.pub). An existing file is never replaced."""
    target = Path(path).expanduser()
    public = target.with_name(target.name + ".pub")
    for existing in (target, public):
        if existing.exists():
            raise SigningKeyError(f"{existing} exists already; choose another key file (a key "
                                  "file is never overwritten).")
    key = fmt.generate_key()
    label = " ".join(label.split())
    try:
        data = fmt.export_backup(key, passphrase, label=label)
    except ValueError as exc:  # passphrase too short
        raise SigningKeyError(str(exc).capitalize() + "; no key was created.") from None
    info = KeyInfo(fmt.key_id(key), fmt.public_bytes(key).hex(), label, int(time.time()))
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_new(target, data, mode=0o600)
    _write_new(public, _public_file_text(info), mode=0o644)
    return info


def load_key_file(path: str | os.PathLike[str], passphrase: str) -> FileKey:
    """The key in a key file. Refused, saying how to fix it, if other users may read it."""
    target = Path(path).expanduser()
    try:
        st = target.stat()
        data = target.read_bytes() if stat.S_ISREG(st.st_mode) else b""
    except FileNotFoundError:
        raise SigningKeyError(f"There is no key file at {target}. Create one with `promptpress "
                              f"release keygen --key-file {shlex.quote(str(target))}`.") from None
    except OSError as exc:
        raise SigningKeyError(f"Cannot read the key file {target}: {exc.strerror}.") from None
    if not stat.S_ISREG(st.st_mode):
        raise SigningKeyError(f"{target} is not a key file.")
    mode = stat.S_IMODE(st.st_mode)
    if os.name == "posix" and mode & 0o077:
        raise SigningKeyError(
            f"The key file {target} is open to other users (permissions {mode:o}), so it was not "
            f"used: a private key must be readable by you alone. Fix it with: chmod 600 "
            f"{shlex.quote(str(target))}")
    try:
        key = fmt.import_backup(data, passphrase)
    except KeyBackupError as exc:
        if "wrong passphrase" in str(exc):
            raise SigningKeyError(f"Wrong passphrase for the key file {target} (or the file is "
                                  "damaged). Nothing was signed.") from None
        raise SigningKeyError(f"{target} is not a usable key file: {exc}.") from None
    info = KeyInfo(fmt.key_id(key), fmt.public_bytes(key).hex(), _backup_label(data),
                   int(st.st_mtime))
    return FileKey(target, info, key)


def _write_new(target: Path, data: bytes, *, mode: int) -> None:
    """Write a file that must not exist yet, whole or not at all, with exactly `mode`."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)  # whatever the umask says
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, target)  # fails, rather than replace a file made meanwhile
        except FileExistsError:
            raise SigningKeyError(f"{target} exists already; nothing was overwritten.") from None
        except OSError:  # a file system without hard links
            if target.exists():
                raise SigningKeyError(f"{target} exists already; nothing was overwritten.") from None
            os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


# -- public keys -----------------------------------------------------------------------------


def public_key_file(fingerprint: str | None = None) -> bytes:
    """The text of a public key file for one of my keys, to give to a repository owner."""
    return _public_file_text(find(fingerprint))


def _public_file_text(info: KeyInfo) -> bytes:
    lines = [PUBLIC_HEADER, f"Fingerprint: {info.grouped}"]
    if info.label:
        lines.append(f"Label: {info.label}")
    lines += ["", info.public, ""]
    return "\n".join(lines).encode("utf-8")


def read_public_key(reference: str) -> Ed25519PublicKey:
    """A public key from a file (ours, or a PEM public key), or the fingerprint of one of my
    keys or of a key listed in this keychain."""
    path = Path(reference).expanduser()
    if path.is_file():
        data = path.read_bytes()
        if b"-----BEGIN PUBLIC KEY-----" in data:
            try:
                key = serialization.load_pem_public_key(data)
            except ValueError:
                key = None
            if isinstance(key, Ed25519PublicKey):
                return key
            raise SigningKeyError(f"{reference} does not hold an Ed25519 public key.")
        text = data.decode("utf-8", "replace")
        candidates = [m for m in _HEX64.findall(text)]
        if len(candidates) != 1:
            raise SigningKeyError(f"{reference} is not a Promptpress public key file "
                                  "(`promptpress release key export --public FILE` writes one).")
        key = fmt.public_key(bytes.fromhex(candidates[0]))
        stated = re.search(r"^Fingerprint: ([0-9a-f ]+)$", text, re.MULTILINE)
        if stated and normalise_fingerprint(stated.group(1)) != fmt.key_id(key):
            raise SigningKeyError(f"{reference}: the fingerprint written in the file does not "
                                  "match its key; ask for the file again.")
        return key
    if re.fullmatch(r"[0-9a-fA-F ]{8,}…?", reference.strip()):
        info = find(reference)
        return fmt.public_key(bytes.fromhex(info.public))
    raise SigningKeyError(f"{reference!r} is neither a public key file nor the fingerprint of "
                          "one of your keys.")
