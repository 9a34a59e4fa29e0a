"""A release repository seen from the app, read-only: roots, channels, the index, releases.

`RepositoryView` is what browsing and pulling need (which release each channel serves, who
published what and when, a release's verified prompt contents); `Repository` (repository.py)
adds the writes. It verifies what it reads as the reader does, except expiry: an expired pointer
is still the channel's current one, and the base of the next. Files signed under an earlier root
whose keys have since rotated are still recognised as the channel's current state.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from .content import PromptContent
from .envelope import INDEX_TYPE, POINTER_TYPE, Envelope, valid_signers, verify_threshold
from .errors import (PublishError, TamperedError, VerificationError, WrongChannelError,
                     WrongProjectError)
from .metadata import (MAX_INDEX_BYTES, MAX_MANIFEST_BYTES, MAX_POINTER_BYTES, MAX_ROOT_BYTES,
                       Clock, FileRef, Index, Manifest, Pointer, Root)
from .names import INDEX_PATH, blob_path, check_channel, pending_path, pointer_path, root_path
from .records import ChannelState, Pending, Release, ReleaseInfo, diff
from .targets import Target, open_target
from .verify import (MAX_ROOT_ROTATIONS, SignedPointer, SignedRoot, load_prompt,
                     load_trusted_root, signed_manifest, verify_next_root, verify_pointer)


class RepositoryView:
    """A release repository at a folder or an HTTP location, opened for reading.

    `trusted_root` (bytes or a path) pins the first root; without it the repository's own
    `root/1.root.json` is trusted on first use, as the app does when it created the repository.
    """

    def __init__(self, target: "str | os.PathLike[str] | Target", *,
                 trusted_root: bytes | str | os.PathLike[str] | None = None,
                 clock: Clock | None = None) -> None:
        self.target = open_target(target)
        self.clock = clock
        if trusted_root is not None and not isinstance(trusted_root, bytes):
            with open(trusted_root, "rb") as f:
                trusted_root = f.read()
        self._trusted = trusted_root
        self._chain: list[SignedRoot] = []  # every root verified, oldest (the trusted one) first

    def root(self) -> Root:
        """The newest root, reached from the trusted one through every rotation."""
        return self._signed_root().root

    def root_bytes(self, version: int | None = None) -> bytes:
        """A verified root file (default: the trusted first one), for engineers to pin."""
        chain = self._walk()
        if version is None:
            return chain[0].data
        for signed in chain:
            if signed.root.version == version:
                return signed.data
        raise PublishError(f"the repository has no root version {version}")

    def _signed_root(self) -> SignedRoot:
        return self._walk()[-1]

    def _older_roots(self) -> list[Root]:
        """Roots before the newest, newest first (files may have been signed under them)."""
        return [s.root for s in reversed(self._chain[:-1])]

    def _walk(self) -> list[SignedRoot]:
        if not self._chain:
            data = self._trusted or self.target.read(root_path(1), max_length=MAX_ROOT_BYTES)
            if data is None:
                raise PublishError(f"{self.target.describe()} is not a release repository "
                                   "(no root/1.root.json); create one first")
            self._chain = [load_trusted_root(data)]
        for _ in range(MAX_ROOT_ROTATIONS):
            current = self._chain[-1].root
            path = root_path(current.version + 1)
            nxt = self.target.read(path, max_length=MAX_ROOT_BYTES)
            if nxt is None:
                break
            self._chain.append(verify_next_root(current, nxt, path))
        return self._chain

    def channel(self, channel: str, *, strict: bool = True) -> ChannelState:
        """The channel's live pointer and pending proposal. `strict=False`: a pending file that
        does not verify is reported as absent (its bytes are kept, for replacing it)."""
        root = self.root()
        current = self._current(root, channel)
        data = self.target.read(pending_path(channel), max_length=MAX_POINTER_BYTES)
        pending = None
        if data is not None:
            try:
                pending = self._parse_pending(root, channel, data, current)
            except (VerificationError, PublishError):
                if strict:
                    raise
        return ChannelState(channel, current, pending, data)

    def _current(self, root: Root, channel: str) -> SignedPointer | None:
        check_channel(channel)
        root.channel_role(channel)
        data = self.target.read(pointer_path(channel), max_length=MAX_POINTER_BYTES)
        if data is None:
            return None
        try:
            return verify_pointer(root, data, channel=channel, now=None)
        except VerificationError:
            # Signed under an earlier root whose keys have since rotated: still the channel's
            # current pointer (its version and bytes are the base of the next one).
            for older in self._older_roots():
                try:
                    return verify_pointer(older, data, channel=channel, now=None)
                except VerificationError:
                    continue
            raise

    def _pending(self, root: Root, channel: str) -> Pending | None:
        data = self.target.read(pending_path(channel), max_length=MAX_POINTER_BYTES)
        if data is None:
            return None
        return self._parse_pending(root, channel, data, self._current(root, channel))

    def _parse_pending(self, root: Root, channel: str, data: bytes,
                       live: SignedPointer | None) -> Pending:
        what = f"pending pointer of channel {channel!r}"
        env = Envelope.from_bytes(data, max_length=MAX_POINTER_BYTES, what=what)
        role = root.channel_role(channel)
        valid, _, bad = valid_signers(env, role.keyids, root.keys)
        if bad or env.payload_type != POINTER_TYPE:
            raise TamperedError(f"{what} has a signature that does not verify")
        pointer = Pointer.from_payload(env.payload, what)
        if pointer.project != root.project:
            raise WrongProjectError(f"{what} is for project {pointer.project!r}")
        if pointer.channel != channel:
            raise WrongChannelError(f"{what} is for channel {pointer.channel!r}")
        manifest = self._manifest(root, pointer.manifest, what)
        live_manifest = self._manifest(root, live.pointer.manifest, "live manifest",
                                       any_root=True) if live else None
        return Pending(channel, pointer, env, data, tuple(sorted(valid)), role.threshold,
                       manifest, live.pointer if live else None, diff(live_manifest, manifest))

    def _manifest(self, root: Root, ref: FileRef, what: str, *, any_root: bool = False
                  ) -> Manifest:
        """A verified manifest; `any_root`: signed under the current root or an earlier one."""
        data = self.target.read(blob_path(ref.sha256), max_length=MAX_MANIFEST_BYTES)
        if data is None:
            raise PublishError(f"the manifest of {what} ({ref.sha256[:16]}...) is missing")
        roots = [root, *self._older_roots()] if any_root else [root]
        for i, candidate in enumerate(roots):
            try:
                return signed_manifest(candidate, data, ref, what)
            except VerificationError:
                if i == len(roots) - 1:
                    raise
        raise AssertionError("unreachable")

    def _index(self, root: Root) -> tuple[Index | None, bytes | None]:
        data = self.target.read(INDEX_PATH, max_length=MAX_INDEX_BYTES)
        if data is None:
            return None, None
        env = Envelope.from_bytes(data, max_length=MAX_INDEX_BYTES, what="release index")
        roots = [root, *self._older_roots()]  # the last writer may predate a rotation
        for i, candidate in enumerate(roots):
            try:
                verify_threshold(env, payload_type=INDEX_TYPE, keyids=candidate.release.keyids,
                                 threshold=candidate.release.threshold, keys=candidate.keys,
                                 what="release index")
                break
            except VerificationError:
                if i == len(roots) - 1:
                    raise
        index = Index.from_payload(env.payload)
        if index.project != root.project:
            raise WrongProjectError(f"the release index is for project {index.project!r}")
        return index, data

    def index(self) -> Index | None:
        return self._index(self.root())[0]

    def releases(self, extra_channels: Iterable[str] = ()) -> list[ReleaseInfo]:
        """Every release (newest first) with the channels that point at it or wait to."""
        root = self.root()
        index, _ = self._index(root)
        infos: dict[str, ReleaseInfo] = {}
        for e in index.releases if index else ():
            infos[e.manifest.sha256] = ReleaseInfo(e.release, e.manifest, e.created, e.author,
                                                   e.prompts)
        channels = dict.fromkeys([*root.named_channels, *extra_channels])
        for channel in channels:
            state = self.channel(channel, strict=False)
            for pointer, pending in ((state.pointer, False),
                                     (state.pending.pointer if state.pending else None, True)):
                if pointer is None:
                    continue
                info = infos.get(pointer.manifest.sha256)
                if info is None:
                    m = self._manifest(root, pointer.manifest, f"release {pointer.release}",
                                       any_root=True)
                    info = ReleaseInfo(m.release, pointer.manifest, m.created, m.author,
                                       len(m.prompts))
                if pending:
                    info = replace(info, pending_on=info.pending_on + (channel,))
                else:
                    info = replace(info, channels=info.channels + (channel,))
                infos[pointer.manifest.sha256] = info
        return sorted(infos.values(), key=lambda i: i.release, reverse=True)

    def load_release(self, release: int | FileRef) -> Release:
        """A release's manifest and prompt contents, every hash checked (for pull/import)."""
        root = self.root()
        ref = release if isinstance(release, FileRef) else self._ref_of(root, release)
        manifest = self._manifest(root, ref, f"release {release}")
        prompts: dict[str, PromptContent] = {}
        for name, blob in manifest.prompts.items():
            data = self.target.read(blob_path(blob.sha256), max_length=blob.length)
            if data is None:
                raise PublishError(f"release {manifest.release}: the blob of {name!r} is missing")
            prompts[name] = load_prompt(data, blob, name)
        return Release(manifest, ref, prompts)

    def _ref_of(self, root: Root, release: int) -> FileRef:
        index, _ = self._index(root)
        entry = index.entry(release) if index else None
        if entry is not None:
            return entry.manifest
        for channel in root.named_channels:
            current = self._current(root, channel)
            if current and current.pointer.release == release:
                return current.pointer.manifest
        raise PublishError(f"the repository has no release {release}")

    def pending(self, channel: str) -> Pending | None:
        return self._pending(self.root(), channel)

    def close(self) -> None:
        self.target.close()

    def __enter__(self) -> "RepositoryView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
