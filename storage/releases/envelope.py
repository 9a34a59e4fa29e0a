"""Signed envelopes in the style of DSSE.

A signature covers PAE(payloadType, payload) = "DSSEv1 <len type> <type> <len payload> <payload>",
so the payload's type is signed with it and the exact payload bytes are what is verified: the
payload is never re-serialised before checking. The envelope file is canonical JSON:

    {"payload": "<base64>", "payloadType": "...", "signatures": [{"keyid": "<hex>", "sig": "<b64>"}]}

Base64 must be canonical (standard alphabet, padded, no spare bits) so each envelope has exactly
one spelling.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import strictjson
from .errors import (BadSignature, MalformedError, ThresholdError, TamperedError,
                     UntrustedKeyError)
from .keys import KEY_ID_RE, PrivateKeyLike, key_id, private_key

ROOT_TYPE = "application/vnd.promptpress.root+json"
MANIFEST_TYPE = "application/vnd.promptpress.manifest+json"
POINTER_TYPE = "application/vnd.promptpress.pointer+json"
INDEX_TYPE = "application/vnd.promptpress.index+json"
PAYLOAD_TYPES = (ROOT_TYPE, MANIFEST_TYPE, POINTER_TYPE, INDEX_TYPE)

MAX_SIGNATURES = 64


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


@dataclass(frozen=True, slots=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def to_bytes(self) -> bytes:
        return strictjson.dumps({
            "payload": _b64(self.payload),
            "payloadType": self.payload_type,
            "signatures": [{"keyid": s.keyid, "sig": _b64(s.sig)} for s in self.signatures],
        })

    @classmethod
    def from_bytes(cls, data: bytes, *, max_length: int, what: str) -> "Envelope":
        obj = strictjson.loads(data, max_length=max_length, what=what)
        strictjson.fields(obj, what, {"payload": str, "payloadType": str, "signatures": list})
        if len(obj["signatures"]) > MAX_SIGNATURES:
            raise MalformedError(f"{what} carries more than {MAX_SIGNATURES} signatures")
        sigs = []
        for i, item in enumerate(obj["signatures"], 1):
            strictjson.fields(item, f"{what} signature {i}", {"keyid": str, "sig": str})
            if not KEY_ID_RE.match(item["keyid"]):
                raise MalformedError(f"{what} signature {i}: keyid must be 64 lowercase hex digits")
            sig = _unb64(item["sig"], f"{what} signature {i}")
            if len(sig) != 64:
                raise MalformedError(f"{what} signature {i} is not an Ed25519 signature")
            sigs.append(Signature(item["keyid"], sig))
        return cls(obj["payloadType"], _unb64(obj["payload"], f"{what} payload"), tuple(sigs))

    def signed_by(self) -> tuple[str, ...]:
        return tuple(s.keyid for s in self.signatures)


def sign(payload_type: str, payload: bytes, keys: Iterable[PrivateKeyLike]) -> Envelope:
    env = Envelope(payload_type, payload, ())
    for key in keys:
        env = add_signature(env, key)
    return env


def add_signature(env: Envelope, key: PrivateKeyLike) -> Envelope:
    """The envelope with `key`'s signature added (replacing an earlier one by the same key)."""
    k = private_key(key)
    kid = key_id(k)
    sig = Signature(kid, k.sign(pae(env.payload_type, env.payload)))
    others = tuple(s for s in env.signatures if s.keyid != kid)
    return Envelope(env.payload_type, env.payload, others + (sig,))


def valid_signers(env: Envelope, keyids: Iterable[str],
                  keys: Mapping[str, Ed25519PublicKey]) -> tuple[set[str], list[str], list[str]]:
    """(distinct key ids with a valid signature, ids outside `keyids`, ids whose signature failed)."""
    allowed = set(keyids)
    message = pae(env.payload_type, env.payload)
    valid: set[str] = set()
    untrusted: list[str] = []
    bad: list[str] = []
    for s in env.signatures:
        if s.keyid not in allowed or s.keyid not in keys:
            untrusted.append(s.keyid)
            continue
        if s.keyid in valid:
            continue  # a second signature by the same key counts for nothing
        try:
            keys[s.keyid].verify(s.sig, message)
        except InvalidSignature:
            bad.append(s.keyid)
        else:
            valid.add(s.keyid)
    return valid, untrusted, bad


def verify_threshold(env: Envelope, *, payload_type: str, keyids: Iterable[str], threshold: int,
                     keys: Mapping[str, Ed25519PublicKey], what: str) -> set[str]:
    """Check the type and that `threshold` distinct trusted keys signed; return their ids."""
    keyids = tuple(keyids)
    valid, untrusted, bad = valid_signers(env, keyids, keys)
    if len(valid) >= threshold:
        if env.payload_type != payload_type:  # unreachable unless a trusted key signed it so
            raise TamperedError(f"{what} has payload type {env.payload_type!r}, "
                                f"expected {payload_type!r}")
        return valid
    if bad:
        raise BadSignature(
            f"{what}: the signature by key {bad[0][:16]}... does not match the payload "
            f"(the file was altered, or its payload type {env.payload_type!r} is wrong)"
        )
    if not valid and untrusted:
        raise UntrustedKeyError(
            f"{what} is signed only by key(s) the root does not trust for this role "
            f"({', '.join(k[:16] + '...' for k in untrusted)}): unknown or revoked"
        )
    counted = [s.keyid for s in env.signatures if s.keyid in valid]
    extra = " (repeated signatures by one key count once)" if len(counted) > len(valid) else ""
    raise ThresholdError(
        f"{what} needs {threshold} signature(s) from distinct trusted keys, has {len(valid)}{extra}"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise MalformedError(f"{what} is not valid base64") from None
    if _b64(data) != text:
        raise MalformedError(f"{what} is not canonical base64")
    return data
