"""The verification steps, as pure functions over bytes: used by the reader and the publisher.

Order (DESIGN.md, "Releases: TUF-lite"): the caller reads the clock once; walks the root chain
(`verify_next_root`, each N+1 signed by a threshold of the old AND the new root keys); then
`verify_pointer` checks signatures (each key id counted once), payload type, project, channel,
version against the last accepted one, and expiry; `verify_manifest` checks the manifest's length
and hash before parsing it, then its signature, project and release number; `load_prompt` checks
each blob's length and hash before parsing it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .content import ContentError, NotCanonical, PromptContent, load_canonical
from .envelope import (MANIFEST_TYPE, POINTER_TYPE, ROOT_TYPE, Envelope, verify_threshold)
from .errors import (ExpiredError, MalformedError, MixAndMatchError, OversizedError,
                     RollbackError, RootChainError, TamperedError, WrongChannelError,
                     WrongProjectError)
from .metadata import (MAX_MANIFEST_BYTES, MAX_POINTER_BYTES, MAX_ROOT_BYTES, FileRef, Manifest,
                       Pointer, Root, format_time)

DEFAULT_SKEW = 300  # seconds of clock difference forgiven when checking expiry
MAX_ROOT_ROTATIONS = 64  # root versions walked in one refresh


@dataclass(frozen=True, slots=True)
class SignedRoot:
    root: Root
    data: bytes  # the file's bytes, as published


@dataclass(frozen=True, slots=True)
class SignedPointer:
    pointer: Pointer
    envelope: Envelope
    data: bytes

    @property
    def payload(self) -> bytes:
        return self.envelope.payload


def load_trusted_root(data: bytes, what: str = "trusted root") -> SignedRoot:
    """The root an engineer pins: must be signed by a threshold of its own root keys."""
    env = Envelope.from_bytes(data, max_length=MAX_ROOT_BYTES, what=what)
    root = Root.from_payload(_typed(env, ROOT_TYPE, what), what)
    verify_threshold(env, payload_type=ROOT_TYPE, keyids=root.root.keyids,
                     threshold=root.root.threshold, keys=root.keys, what=what)
    return SignedRoot(root, data)


def verify_next_root(current: Root, data: bytes, what: str) -> SignedRoot:
    """Root version current+1: signed by a threshold of the old keys and of the new keys."""
    expected = current.version + 1
    env = Envelope.from_bytes(data, max_length=MAX_ROOT_BYTES, what=what)
    verify_threshold(env, payload_type=ROOT_TYPE, keyids=current.root.keyids,
                     threshold=current.root.threshold, keys=current.keys,
                     what=f"{what} (signatures by the keys of root version {current.version})")
    new = Root.from_payload(env.payload, what)
    verify_threshold(env, payload_type=ROOT_TYPE, keyids=new.root.keyids,
                     threshold=new.root.threshold, keys=new.keys,
                     what=f"{what} (signatures by its own new root keys)")
    if new.version <= current.version:
        raise RollbackError(f"{what} holds root version {new.version}, not {expected}: "
                            "an older root replayed")
    if new.version != expected:
        raise RootChainError(f"{what} holds root version {new.version}, not {expected}: "
                             "roots must be rotated one version at a time")
    if new.project != current.project:
        raise WrongProjectError(f"{what} is for project {new.project!r}, "
                                f"not {current.project!r}")
    return SignedRoot(new, data)


def check_root_expiry(root: Root, now: int, skew: int = DEFAULT_SKEW) -> None:
    if now > root.expires + skew:
        raise ExpiredError(
            f"root version {root.version} of {root.project!r} expired at "
            f"{format_time(root.expires)} (it is now {format_time(now)}): the repository's "
            "owners must publish a new root"
        )


def verify_pointer(root: Root, data: bytes, *, channel: str, now: int | None,
                   skew: int = DEFAULT_SKEW, floor: SignedPointer | None = None,
                   what: str | None = None) -> SignedPointer:
    """A channel pointer. `floor` is the last one accepted; `now=None` skips the expiry check."""
    what = what or f"pointer of channel {channel!r}"
    env = Envelope.from_bytes(data, max_length=MAX_POINTER_BYTES, what=what)
    role = root.channel_role(channel)
    verify_threshold(env, payload_type=POINTER_TYPE, keyids=role.keyids,
                     threshold=role.threshold, keys=root.keys, what=what)
    pointer = Pointer.from_payload(env.payload, what)
    if pointer.project != root.project:
        raise WrongProjectError(f"{what} is a release of project {pointer.project!r}, "
                                f"not {root.project!r}")
    if pointer.channel != channel:
        raise WrongChannelError(f"{what} is the pointer of channel {pointer.channel!r}")
    if floor is not None:
        check_not_older(pointer, env.payload, floor, what)
    if now is not None and now > pointer.expires + skew:
        raise ExpiredError(
            f"{what} (release {pointer.release}, version {pointer.version}) expired at "
            f"{format_time(pointer.expires)}; it is now {format_time(now)}. Either the publisher "
            "has not renewed it or someone is replaying an old pointer (freeze)"
        )
    return SignedPointer(pointer, env, data)


def check_not_older(pointer: Pointer, payload: bytes, floor: SignedPointer, what: str) -> None:
    if pointer.version < floor.pointer.version:
        raise RollbackError(
            f"{what} has version {pointer.version} (release {pointer.release}), older than "
            f"version {floor.pointer.version} (release {floor.pointer.release}) already accepted: "
            "an old pointer replayed"
        )
    if pointer.version == floor.pointer.version and payload != floor.payload:
        raise RollbackError(
            f"{what} version {pointer.version} differs from the version {pointer.version} "
            "already accepted: two different pointers with one version"
        )


def check_file(data: bytes, ref: FileRef, what: str) -> None:
    """Length first, then the hash; before anything parses the bytes."""
    if len(data) > ref.length:
        raise OversizedError(f"{what} is {len(data)} bytes; it was signed as {ref.length}")
    if len(data) < ref.length:
        raise TamperedError(f"{what} is {len(data)} bytes; it was signed as {ref.length} "
                            "(truncated)")
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise TamperedError(f"{what} does not match its signed sha256 {ref.sha256[:16]}...")


def verify_manifest(root: Root, pointer: Pointer, data: bytes) -> Manifest:
    what = f"manifest of release {pointer.release}"
    check_file(data, pointer.manifest, what)
    env = Envelope.from_bytes(data, max_length=MAX_MANIFEST_BYTES, what=what)
    verify_threshold(env, payload_type=MANIFEST_TYPE, keyids=root.release.keyids,
                     threshold=root.release.threshold, keys=root.keys, what=what)
    manifest = Manifest.from_payload(env.payload, what)
    if manifest.project != root.project:
        raise WrongProjectError(f"{what} belongs to project {manifest.project!r}, "
                                f"not {root.project!r}")
    if manifest.release != pointer.release:
        raise MixAndMatchError(f"the pointer names release {pointer.release} but its manifest is "
                               f"release {manifest.release}")
    return manifest


def signed_manifest(root: Root, data: bytes, ref: FileRef, what: str) -> Manifest:
    """A manifest found through the index (not a pointer): hash, signature and project."""
    check_file(data, ref, what)
    env = Envelope.from_bytes(data, max_length=MAX_MANIFEST_BYTES, what=what)
    verify_threshold(env, payload_type=MANIFEST_TYPE, keyids=root.release.keyids,
                     threshold=root.release.threshold, keys=root.keys, what=what)
    manifest = Manifest.from_payload(env.payload, what)
    if manifest.project != root.project:
        raise WrongProjectError(f"{what} belongs to project {manifest.project!r}")
    return manifest


def load_prompt(data: bytes, ref: FileRef, name: str) -> PromptContent:
    """A prompt blob: length, hash, then a strict parse that must give back the same bytes."""
    what = f"prompt {name!r}"
    check_file(data, ref, what)
    try:
        return load_canonical(data)
    except NotCanonical:
        raise MalformedError(f"{what} is not in canonical form, so its hash is not its version id"
                             ) from None
    except (ContentError, ValueError, TypeError, RecursionError) as exc:
        raise MalformedError(f"{what} is not a valid prompt version: {exc}") from None


def _typed(env: Envelope, payload_type: str, what: str) -> bytes:
    if env.payload_type != payload_type:
        raise TamperedError(f"{what} has payload type {env.payload_type!r}, "
                            f"expected {payload_type!r}")
    return env.payload
