"""Writing to a release repository: create it, rotate roots, publish, promote, roll back, approve.

Publishing writes every prompt blob first, then the signed manifest (a blob too), then claims a
release number in the signed release index, and writes the channel pointer last. The pointer is
swapped only if it still holds what the publisher read when it started (or what the caller says it
showed the user, `base=`): otherwise `ChannelMoved` asks to rebase, and nothing is overwritten.
A channel whose root needs more signatures than the publisher holds gets a pending pointer
instead, which reviewers `approve` (co-sign) or `reject`.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, Union

from .content import PromptContent, canonical_bytes
from .envelope import (INDEX_TYPE, MANIFEST_TYPE, POINTER_TYPE, ROOT_TYPE, Envelope,
                       add_signature, sign, valid_signers)
from .errors import (ChannelMoved, MalformedError, NotAuthorized, NothingPending, PublishError,
                     RepositoryExists, TargetError, VerificationError)
from .keys import PrivateKeyLike, key_id, private_key
from .metadata import (MAX_BLOB_BYTES, MAX_INDEX_BYTES, MAX_POINTER_BYTES, MAX_ROOT_BYTES, Clock,
                       FileRef, Index, IndexEntry, Manifest, Pointer, Role, Root, format_time,
                       now_seconds)
from .names import (INDEX_PATH, blob_path, check_channel, check_prompt_name, pack_path,
                    pending_path, pointer_path, root_path)
from .records import ChannelState, Pending, PublishResult
from .targets import Moved, Target, open_target
from .verify import (SignedPointer, SignedRoot, load_trusted_root, verify_next_root,
                     verify_pointer)
from .view import RepositoryView

log = logging.getLogger("promptpress_releases")

DAY = 86_400
DEFAULT_POINTER_LIFETIME = 90 * DAY  # every channel but production
# Production readers with no saved state accept any unexpired pointer, so a short lifetime
# bounds how old a replayed release can be; the author renews it (the app warns before).
PRODUCTION_POINTER_LIFETIME = 14 * DAY
POINTER_LIFETIMES = {"production": PRODUCTION_POINTER_LIFETIME}
DEFAULT_ROOT_LIFETIME = 2 * 365 * DAY
MAX_PACK_BYTES = 32 * 1024 * 1024  # a release's pack (larger ones are read blob by blob)
CURRENT: Any = object()  # base=CURRENT: the channel as read when the operation starts

Signers = Union[PrivateKeyLike, Sequence[PrivateKeyLike]]


def pointer_lifetime(channel: str) -> int:
    """Seconds a new pointer of `channel` stays valid unless told otherwise (`expires_in`)."""
    return POINTER_LIFETIMES.get(channel, DEFAULT_POINTER_LIFETIME)


def _keys(signer: Signers) -> list[Any]:
    if isinstance(signer, (list, tuple)):
        return [private_key(k) for k in signer]
    return [private_key(signer)]


def _in_role(keys: Iterable[Any], role: Role, what: str) -> list[Any]:
    chosen = {key_id(k): k for k in keys if key_id(k) in role.keyids}
    if not chosen:
        raise NotAuthorized(f"none of the given keys may sign {what}; the root allows "
                            + ", ".join(k[:16] + "..." for k in role.keyids))
    return list(chosen.values())


class Repository(RepositoryView):
    """A release repository opened for publishing (see RepositoryView for reading)."""

    @classmethod
    def init(cls, target: "str | os.PathLike[str] | Target", root: Root, signers: Signers, *,
             clock: Clock | None = None) -> "Repository":
        """Create a repository: write `root/1.root.json` signed by the root keys given."""
        if root.version != 1:
            raise ValueError("a new repository starts at root version 1")
        t = open_target(target)
        data = sign(ROOT_TYPE, root.to_payload(), _in_role(_keys(signers), root.root,
                                                           "the root")).to_bytes()
        try:
            load_trusted_root(data)
        except VerificationError as exc:
            raise NotAuthorized(f"the new root is not signed by enough root keys: {exc}") from None
        t.prepare()
        existing = t.read(root_path(1), max_length=MAX_ROOT_BYTES)
        if existing is not None and existing != data:
            raise RepositoryExists(f"{t.describe()} already holds a repository; open it instead")
        if existing is None:
            t.write(root_path(1), data)
        return cls(t, trusted_root=data, clock=clock)

    def rotate_root(self, new_root: Root, signers: Signers) -> list[str]:
        """Publish root N+1, signed by a threshold of the old root keys and of the new ones.

        Returns the channels whose live pointer the new root no longer accepts (re-sign them
        with `renew`): readers keep their last good release until then.
        """
        current = self.root()
        if new_root.version != current.version + 1:
            raise ValueError(f"the next root must be version {current.version + 1}")
        keys = _keys(signers)
        chosen = {key_id(k): k for k in keys
                  if key_id(k) in current.root.keyids or key_id(k) in new_root.root.keyids}
        data = sign(ROOT_TYPE, new_root.to_payload(), chosen.values()).to_bytes()
        try:
            verify_next_root(current, data, root_path(new_root.version))
        except VerificationError as exc:
            raise NotAuthorized(f"root {new_root.version} needs signatures by the old and the new "
                                f"root keys: {exc}") from None
        try:
            self.target.swap(root_path(new_root.version), data, expected=None,
                             max_length=MAX_ROOT_BYTES)
        except Moved:
            raise ChannelMoved(f"root version {new_root.version} was published by someone else",
                               channel="root", expected=None, found=new_root.version) from None
        self._chain.append(SignedRoot(new_root, data))
        stale = []
        for channel in new_root.named_channels:
            data = self.target.read(pointer_path(channel), max_length=MAX_POINTER_BYTES)
            if data is not None:
                try:
                    verify_pointer(new_root, data, channel=channel, now=None)
                except VerificationError:
                    stale.append(channel)
        return stale

    def _current_or_none(self, root: Root, channel: str) -> SignedPointer | None:
        """Another channel's pointer, or None if it is missing or does not verify."""
        try:
            return self._current(root, channel)
        except VerificationError:
            return None

    def _same_prompts(self, root: Root, ref: FileRef, wanted: dict[str, FileRef]) -> bool:
        """Does that manifest, valid under the current root, list exactly `wanted`?"""
        try:
            return dict(self._manifest(root, ref, "a live release").prompts) == wanted
        except (VerificationError, PublishError):
            return False

    def publish(self, prompts: Iterable[tuple[str, PromptContent]], *, channel: str,
                signer: Signers, author: str = "", notes: str = "", base: Any = CURRENT,
                expires_in: int | None = None) -> PublishResult:
        """Publish a new release of `prompts` to `channel`: blobs, manifest, index, pointer.

        `base` is the ChannelState (or pointer version, 0 for none) the user saw; if the channel
        has moved since, ChannelMoved is raised before anything is written. `expires_in` is how
        many seconds the new pointer is valid (default `pointer_lifetime(channel)`: 14 days for
        production, 90 for other channels; the same for promote, rollback and renew).
        """
        now = now_seconds(self.clock)
        keys = _keys(signer)
        root = self.root()
        check_channel(channel)
        role = root.channel_role(channel)
        blobs: dict[str, tuple[bytes, FileRef]] = {}
        for name, content in prompts:
            check_prompt_name(name)
            if name in blobs:
                raise ValueError(f"the prompt {name!r} is listed twice")
            data = canonical_bytes(content)
            if len(data) > MAX_BLOB_BYTES:
                raise PublishError(f"the prompt {name!r} is larger than {MAX_BLOB_BYTES} bytes")
            blobs[name] = (data, FileRef(_sha256(data), len(data)))
        if not blobs:
            raise PublishError("choose at least one prompt to publish")
        release_keys = _in_role(keys, root.release, "releases")
        if len(release_keys) < root.release.threshold:
            raise NotAuthorized(f"a release needs {root.release.threshold} release keys")
        channel_keys = _in_role(keys, role, f"the pointer of channel {channel!r}")
        state = self.channel(channel, strict=False)
        self._check_base(state, base)
        if len(channel_keys) < role.threshold:
            _check_no_foreign_proposal(state, channel_keys)
        wanted = {name: ref for name, (_, ref) in blobs.items()}
        # Blobs first. Also on a re-publish: it repairs blobs that went missing or bad.
        written = self.target.write_blobs([(blob_path(ref.sha256), data)
                                           for data, ref in blobs.values()])
        for candidate, pending in ((state.current, False), (state.pending, True)):
            if candidate is None:
                continue
            p = candidate.pointer
            if self._same_prompts(root, p.manifest, wanted):
                return PublishResult(channel, p.release, p.manifest, p.version, pending,
                                     changed=False, blobs_written=written, needed=role.threshold)
        others = [s for c in root.named_channels if c != channel
                  for s in [self._current_or_none(root, c)] if s]
        for other in others:  # the same prompts are live elsewhere: point at that release
            p = other.pointer
            if self._same_prompts(root, p.manifest, wanted):
                result = self._point(root, state, p.manifest, p.release, keys, now, expires_in)
                return _with(result, blobs_written=written)
        floor = max([state.pointer.release if state.pointer else 0,
                     *(s.pointer.release for s in others)])
        ref, number = self._add_release(root, wanted, {n: d for n, (d, _) in blobs.items()},
                                        release_keys, now, author, notes, floor)
        result = self._point(root, state, ref, number, keys, now, expires_in)
        return _with(result, blobs_written=written)

    def promote(self, release: int | None = None, *, from_channel: str = "staging",
                to_channel: str = "production", signer: Signers, base: Any = CURRENT,
                expires_in: int | None = None) -> PublishResult:
        """Point `to_channel` at a release (default: the one `from_channel` serves)."""
        root = self.root()
        if release is None:
            source = self._current(root, from_channel)
            if source is None:
                raise PublishError(f"channel {from_channel!r} has no release to promote")
            ref, release = source.pointer.manifest, source.pointer.release
        else:
            ref = self._ref_of(root, release)
        return self._repoint(root, to_channel, ref, signer, base, expires_in)

    def rollback(self, channel: str, to_release: int, *, signer: Signers, base: Any = CURRENT,
                 expires_in: int | None = None) -> PublishResult:
        """Serve an earlier release again: a NEW, higher pointer version at the older manifest."""
        root = self.root()
        return self._repoint(root, channel, self._ref_of(root, to_release), signer, base,
                             expires_in)

    def renew(self, channel: str, *, signer: Signers, base: Any = CURRENT,
              expires_in: int | None = None) -> PublishResult:
        """Re-sign the live pointer with a later expiry (and after a key rotation)."""
        root = self.root()
        current = self._current(root, channel)  # may be signed under an earlier root
        if current is None:
            raise PublishError(f"channel {channel!r} has no release to renew")
        old = current.pointer
        state = self.channel(channel, strict=False)
        self._check_base(state, base)
        self.load_release(old.manifest)
        return self._point(root, state, old.manifest, old.release, _keys(signer),
                           now_seconds(self.clock), expires_in)

    def _repoint(self, root: Root, channel: str, ref: FileRef, signer: Signers, base: Any,
                 expires_in: int | None) -> PublishResult:
        keys = _keys(signer)
        _in_role(keys, root.channel_role(channel), f"the pointer of channel {channel!r}")
        release = self.load_release(ref)  # every blob present and intact before pointing at it
        state = self.channel(channel, strict=False)
        self._check_base(state, base)
        if state.pointer and state.pointer.manifest == ref:
            p = state.pointer
            return PublishResult(channel, p.release, ref, p.version, False, changed=False)
        return self._point(root, state, ref, release.number, keys, now_seconds(self.clock),
                           expires_in)

    def _add_release(self, root: Root, prompts: dict[str, FileRef], blobs: dict[str, bytes],
                     keys: list[Any], now: int, author: str, notes: str,
                     floor: int) -> tuple[FileRef, int]:
        pack = b"".join(blobs[name] for name in sorted(prompts))
        if len(pack) > MAX_PACK_BYTES:
            pack = b""  # too much to read in one go: readers fetch the blobs one by one
        for _ in range(8):
            index, index_data = self._index(root)
            number = max(index.latest if index else 0, floor) + 1
            manifest = Manifest(root.project, number, prompts, now, author, notes)
            data = sign(MANIFEST_TYPE, manifest.to_payload(), keys).to_bytes()
            ref = FileRef(_sha256(data), len(data))
            self.target.write_blob(blob_path(ref.sha256), data, max_length=len(data))
            self._write_pack(ref, pack)
            entry = IndexEntry(number, ref, now, author, len(prompts))
            new = Index(root.project, index.version + 1 if index else 1,
                        (index.releases if index else ()) + (entry,))
            new_data = sign(INDEX_TYPE, new.to_payload(), keys).to_bytes()
            try:
                self.target.swap(INDEX_PATH, new_data, expected=index_data,
                                 max_length=MAX_INDEX_BYTES)
            except Moved:
                continue  # another publisher took a number: take the next one
            return ref, number
        raise PublishError("the release index kept changing under this publish; try again")

    def _write_pack(self, manifest: FileRef, pack: bytes) -> None:
        """Best effort: the pack only saves readers time (a server may refuse a body this big)."""
        if not pack:
            return
        try:
            self.target.write_blobs([(pack_path(manifest.sha256), pack)])
        except TargetError as exc:
            log.warning("promptpress: the release was published without its pack (readers "
                        "fetch each prompt instead): %s", exc)

    def _point(self, root: Root, state: ChannelState, ref: FileRef, release: int,
               keys: list[Any], now: int, expires_in: int | None) -> PublishResult:
        channel = state.channel
        _check_root_fresh(root, now)
        role = root.channel_role(channel)
        if expires_in is None:
            expires_in = pointer_lifetime(channel)
        pointer = Pointer(root.project, channel, state.version + 1, release, ref, now,
                          now + int(expires_in))
        signers = _in_role(keys, role, f"the pointer of channel {channel!r}")
        env = sign(POINTER_TYPE, pointer.to_payload(), signers)
        data = env.to_bytes()
        expected = state.current.data if state.current else None
        if len(signers) >= role.threshold:
            self._swap(pointer_path(channel), data, expected, state)
            return PublishResult(channel, release, ref, pointer.version, False, True,
                                 signatures=len(signers), needed=role.threshold)
        # Not enough signatures: propose it, unless the channel moved meanwhile or another
        # author's proposal is waiting (it is never silently replaced).
        _check_no_foreign_proposal(state, signers)
        now_data = self.target.read(pointer_path(channel), max_length=MAX_POINTER_BYTES)
        if now_data != expected:
            raise _moved(channel, state.version, None)
        try:
            self.target.swap(pending_path(channel), data, expected=state.pending_data,
                             max_length=MAX_POINTER_BYTES)
        except Moved:
            raise _moved(channel, state.version, None, f"another release was proposed for "
                         f"{channel!r} meanwhile; review it, then publish again") from None
        return PublishResult(channel, release, ref, pointer.version, True, True,
                             signatures=len(signers), needed=role.threshold)

    def _swap(self, path: str, data: bytes, expected: bytes | None, state: ChannelState) -> None:
        try:
            self.target.swap(path, data, expected=expected, max_length=MAX_POINTER_BYTES)
        except Moved as moved:
            found = None
            if moved.found is not None:
                try:
                    env = Envelope.from_bytes(moved.found, max_length=MAX_POINTER_BYTES,
                                              what="pointer")
                    found = Pointer.from_payload(env.payload).version
                except (VerificationError, MalformedError):
                    found = None
            raise _moved(state.channel, state.version, found) from None

    def _check_base(self, state: ChannelState, base: Any) -> None:
        if base is CURRENT:
            return
        expected = base.version if isinstance(base, ChannelState) else int(base or 0)
        if state.version != expected:
            raise _moved(state.channel, expected, state.version)

    def approve(self, channel: str, *, signer: Signers,
                reviewed: Pending | None = None) -> PublishResult:
        """Co-sign the pending pointer; publish it when enough keys have signed.

        `reviewed` is the Pending the reviewer looked at: if the proposal changed since, nothing
        is signed (ChannelMoved).
        """
        root = self.root()
        pending = self._pending(root, channel)
        if pending is None:
            raise NothingPending(f"channel {channel!r} has nothing waiting for approval")
        if reviewed is not None and reviewed.data != pending.data:
            raise _moved(channel, reviewed.pointer.version, pending.pointer.version,
                         "the pending release changed since you reviewed it; review it again")
        now = now_seconds(self.clock)
        _check_root_fresh(root, now)
        if now > pending.pointer.expires:
            raise PublishError(f"the pending release on {channel!r} expired on "
                               f"{format_time(pending.pointer.expires)}; publish it again")
        role = root.channel_role(channel)
        env = pending.envelope
        for k in _in_role(_keys(signer), role, f"the pointer of channel {channel!r}"):
            env = add_signature(env, k)
        valid, _, _ = valid_signers(env, role.keyids, root.keys)
        state = ChannelState(channel, self._current(root, channel))
        if state.version != pending.pointer.version - 1:
            raise _moved(channel, pending.pointer.version - 1, state.version,
                         f"channel {channel!r} moved since this release was proposed; "
                         "ask its author to publish it again")
        p = pending.pointer
        data = env.to_bytes()
        if len(valid) >= role.threshold:
            self._swap(pointer_path(channel), data, state.current.data if state.current else None,
                       state)
            self.target.delete(pending_path(channel))
            return PublishResult(channel, p.release, p.manifest, p.version, False, True,
                                 signatures=len(valid), needed=role.threshold)
        try:
            self.target.swap(pending_path(channel), data, expected=pending.data,
                             max_length=MAX_POINTER_BYTES)
        except Moved:
            raise _moved(channel, p.version, None, "the pending release changed meanwhile")
        return PublishResult(channel, p.release, p.manifest, p.version, True, True,
                             signatures=len(valid), needed=role.threshold)

    def reject(self, channel: str, *, reviewed: Pending | None = None) -> None:
        pending = self.pending(channel)
        if pending is None:
            raise NothingPending(f"channel {channel!r} has nothing waiting for approval")
        if reviewed is not None and reviewed.data != pending.data:
            raise _moved(channel, reviewed.pointer.version, pending.pointer.version,
                         "the pending release changed since you reviewed it")
        self.target.delete(pending_path(channel))


def _check_no_foreign_proposal(state: ChannelState, signers: list[Any]) -> None:
    """Refuse to replace a pending proposal that someone else signed."""
    pending = state.pending
    if pending is None or pending.pointer.version != state.version + 1:
        return  # none, or stale (the channel moved on): replacing it loses nothing
    others = set(pending.signed_by) - {key_id(k) for k in signers}
    if others:
        raise _moved(state.channel, state.version, state.version,
                     f"release {pending.pointer.release} by another author waits for approval on "
                     f"{state.channel!r}; approve or reject it before proposing another")


def _check_root_fresh(root: Root, now: int) -> None:
    if now > root.expires:
        raise PublishError(f"root version {root.version} expired on {format_time(root.expires)}: "
                           "readers would refuse this release. Publish a new root first")


def _moved(channel: str, expected: int | None, found: int | None,
           message: str | None = None) -> ChannelMoved:
    message = message or (
        f"channel {channel!r} moved (you started from pointer version {expected}, it is now "
        f"{found if found is not None else 'different'}): someone else published. Rebase on "
        "the new release and publish again"
    )
    return ChannelMoved(message, channel=channel, expected=expected, found=found)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _with(obj: Any, **changes: Any) -> Any:
    return replace(obj, **changes)
