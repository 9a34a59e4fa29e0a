"""The engineers' reader: verified prompts from a release repository, served from memory.

Just over 500 lines on purpose: the reader is the one class engineers import, and its refresh,
verification fallbacks and freeze checks must be read together to audit the trust rules.

    reader = Reader("https://prompts.example.com/acme", "promptpress-root.json",
                    channel="production", cache_dir=".promptpress-cache")
    prompt = reader.get("support/summarize-call")
    messages = prompt.render(transcript=text)   # [{"role": ..., "content": ...}, ...]
    log_id = reader.log(messages, output=reply)  # with log_to=...; see calllog

Construction loads the cached release (verified again from the pinned root) and then refreshes
from the source. `refresh()` verifies a newer release completely before it replaces the served
one (a cold reader takes the blobs from the release's unsigned pack in one read, each slice
checked against the manifest like a blob); `get()` is a dictionary lookup of prompts prepared in
advance. When a good release is being served, a failure (source down, not yet synced, tampered,
rolled back...) is logged and kept in `last_error` instead of raised; with nothing good to
serve, it is raised.

What is served must stay trusted: after a root rotation the served release is verified again
under the new root and dropped if its keys were revoked; a release older than `min_release`
(or `$PROMPTPRESS_MIN_RELEASE`) is refused; an expired release is served only with a warning
in the log on each refresh, and no longer than `max_stale` seconds past its expiry.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from .cache import CachedState, ReaderCache
from .calllog import CallLogging, Rendered
from .content import PromptContent
from .errors import (CorruptCacheError, FreezeError, NotFoundError, NotYetSynced, OversizedError,
                     PromptNotFound, ReaderError, RollbackError, TamperedError,
                     VerificationError)
from .metadata import (MAX_POINTER_BYTES, MAX_ROOT_BYTES, Clock, FileRef, Manifest, Root,
                       format_time, now_seconds)
from .names import blob_path, check_channel, pack_path, pointer_path, root_path
from .sources import Source, fetch_pack, open_source
from .logwriter import Redact
from .template import render_messages
from .verify import (DEFAULT_SKEW, MAX_ROOT_ROTATIONS, SignedPointer, SignedRoot,
                     check_root_expiry, load_prompt, load_trusted_root, verify_manifest,
                     verify_next_root, verify_pointer)

log = logging.getLogger("promptpress_reader")

MIN_RELEASE_ENV = "PROMPTPRESS_MIN_RELEASE"  # the release floor when min_release= is not given
PACK_MIN_PROMPTS = 16  # fewer new prompts than this are fetched one by one


class Prompt:
    """One prompt of a release: its content, version id and release number. Immutable."""

    __slots__ = ("name", "content", "version_id", "release")

    def __init__(self, name: str, content: PromptContent, version_id: str, release: int) -> None:
        self.name = name
        self.content = content
        self.version_id = version_id
        self.release = release

    @property
    def model(self) -> str:
        return self.content.model

    @property
    def params(self) -> dict[str, Any]:
        """The model parameters (a fresh copy each time: change it freely)."""
        return dict(self.content.parameters)

    @property
    def messages(self) -> list[dict[str, str]]:
        """The message templates, unrendered."""
        return [{"role": m.role, "content": m.content} for m in self.content.messages]

    @property
    def variables(self) -> tuple[str, ...]:
        return self.content.variable_names

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.content.response_format

    @property
    def tools(self) -> list[Any] | None:
        return self.content.tools

    def render(self, /, **variables: Any) -> Rendered:
        """The messages with `variables` filled in, byte-exact (raises MissingVariables): a list
        of {"role", "content"} dicts that also remembers this prompt and the variables, for
        `Reader.log`."""
        return Rendered([{"role": m.role, "content": m.content}
                         for m in render_messages(self.content, variables)], self, variables)

    def __repr__(self) -> str:
        return (f"<Prompt {self.name!r} release {self.release} "
                f"version {self.version_id[:12]}>")


class Reader(CallLogging):
    """Verified prompts of one channel of a release repository.

    `source`: a folder path or an http(s) URL. `trusted_root`: the path to, or the bytes of, the
    root file pinned in the engineer's repository. `clock` returns now (an aware datetime or epoch
    seconds); `clock_skew` is how many seconds past expiry are still forgiven.

    `min_release`: refuse any release numbered lower (default: `$PROMPTPRESS_MIN_RELEASE`, else
    none). A reader with no saved state otherwise accepts any unexpired pointer, including an
    older one replayed. `max_stale`: seconds (or a timedelta) an expired release is still served
    when nothing newer verifies; after that `refresh()` raises FreezeError and nothing is served.
    None (the default) serves it as long as nothing newer verifies, with a warning each refresh.

    `log_to`: a folder or an http(s) URL accepting PUT (never inside the release tree) turns on
    `log()` and `feedback()`; `redact(record) -> record or None` runs on each record before it is
    written, `sample_rate` (0..1) logs that share of calls. `log_flush_interval` (seconds) is
    the most a process killed without warning loses; `log_queue_size` bounds what waits.
    """

    def __init__(self, source: "str | os.PathLike[str] | Source", trusted_root: "bytes | str | os.PathLike[str]",
                 channel: str = "production", cache_dir: "str | os.PathLike[str] | None" = None,
                 *, clock: Clock | None = None, clock_skew: int = DEFAULT_SKEW,
                 timeout: float = 10.0, refresh: bool = True, min_release: int | None = None,
                 max_stale: "float | timedelta | None" = None,
                 log_to: "str | os.PathLike[str] | None" = None, redact: Redact | None = None,
                 sample_rate: float = 1.0, log_flush_interval: float = 1.0,
                 log_queue_size: int = 10_000) -> None:
        self.channel = check_channel(channel)
        self.min_release = _min_release(min_release)
        self.max_stale = _max_stale(max_stale)
        if not isinstance(trusted_root, (bytes, bytearray)):
            with open(trusted_root, "rb") as f:
                trusted_root = f.read(MAX_ROOT_BYTES + 1)
        self._pinned = load_trusted_root(bytes(trusted_root))
        self.project = self._pinned.root.project
        self._source = open_source(source, timeout=timeout) if _is_url(source) else \
            open_source(source)
        self.clock = clock
        self.clock_skew = int(clock_skew)
        self.last_error: ReaderError | None = None
        self._lock = threading.RLock()
        self._cache = ReaderCache(cache_dir, self.project, self.channel) if cache_dir else None
        # verified state
        self._root: SignedRoot = self._pinned
        self._roots: dict[int, bytes] = {}  # root files after the pinned one
        self._pointer: SignedPointer | None = None  # last accepted (the version floor)
        self._etag: str | None = None
        self._manifest: Manifest | None = None
        self._manifest_data: bytes | None = None  # to verify it again after a root rotation
        self._prompts: dict[str, Prompt] = {}
        self._setup_logging(log_to, source, project=self.project, channel=self.channel,
                            redact=redact, sample_rate=sample_rate,
                            flush_interval=log_flush_interval, queue_size=log_queue_size)
        if self._cache is not None:
            self._load_cache()
        if refresh:
            self.refresh()

    # --- serving ------------------------------------------------------------------------------

    def get(self, name: str) -> Prompt:
        try:
            return self._prompts[name]
        except KeyError:
            raise PromptNotFound(self._missing(name)) from None

    def __contains__(self, name: object) -> bool:
        return name in self._prompts

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._prompts))

    def names(self) -> list[str]:
        return sorted(self._prompts)

    @property
    def prompts(self) -> Mapping[str, Prompt]:
        return dict(self._prompts)

    @property
    def release(self) -> int | None:
        return self._manifest.release if self._manifest else None

    @property
    def manifest(self) -> Manifest | None:
        return self._manifest

    @property
    def pointer_version(self) -> int | None:
        return self._pointer.pointer.version if self._pointer else None

    @property
    def expires(self) -> int | None:
        return self._pointer.pointer.expires if self._pointer else None

    @property
    def root(self) -> Root:
        return self._root.root

    def _missing(self, name: str) -> str:
        if self._manifest is None:
            return (f"no release of {self.project!r} on channel {self.channel!r} has been "
                    f"loaded yet ({self.last_error or 'call refresh()'})")
        return f"release {self._manifest.release} of {self.project!r} has no prompt {name!r}"

    # --- refreshing ---------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Check the source for a newer release; True if one was verified and is now served."""
        with self._lock:
            now = now_seconds(self.clock)
            try:
                changed = self._update(self._source, now)
            except ReaderError as exc:
                frozen = self._check_stale(now) if self._prompts else None
                if frozen is not None:
                    raise frozen from exc
                self.last_error = exc
                if not self._prompts:
                    raise
                log.warning("promptpress_reader: keeping release %s of %s/%s: %s (%s)",
                            self.release, self.project, self.channel, exc, exc.threat)
                return False
            self.last_error = None
            return changed

    def _walk_roots(self, source: Source) -> tuple[SignedRoot, dict[int, bytes]]:
        """The root chain after the trusted one, one version at a time."""
        root, roots = self._root, dict(self._roots)
        for _ in range(MAX_ROOT_ROTATIONS):
            path = root_path(root.root.version + 1)
            try:
                data = source.fetch(path, max_length=MAX_ROOT_BYTES)
            except NotFoundError:
                break
            root = verify_next_root(root.root, data, path)
            roots[root.root.version] = data
        return root, roots

    def _update(self, source: Source, now: int | None, *, save: bool = True) -> bool:
        """Verify what `source` holds; `now=None` skips expiry checks (used for the cache)."""
        # 1. the root chain, then the newest root's expiry
        root, roots = self._walk_roots(source)
        if root is not self._root:  # each new root stands on its own: keep it at once
            self._trust(root, roots, save)
        if now is not None:
            check_root_expiry(root.root, now, self.clock_skew)
        floor = self._pointer  # verified under this root (see _trust)
        # 2. the channel pointer: signature, type, project, channel, version, expiry
        path = pointer_path(self.channel)
        etag = self._etag if floor is not None else None
        root.root.channel_role(self.channel)  # WrongChannelError for a channel it does not define
        try:
            data, etag = source.fetch_pointer(path, max_length=MAX_POINTER_BYTES, etag=etag)
        except NotFoundError:
            raise NotFoundError(f"channel {self.channel!r} has no release in "
                                f"{source.describe()} ({path} is missing)") from None
        if data is None:  # 304 Not Modified: check the accepted pointer again (expiry)
            data = floor.data  # type: ignore[union-attr]
        signed = verify_pointer(root.root, data, channel=self.channel, now=now,
                                skew=self.clock_skew, floor=floor)
        if signed.pointer.release < self.min_release:
            raise RollbackError(
                f"the pointer of channel {self.channel!r} names release {signed.pointer.release}, "
                f"older than release {self.min_release}, the lowest this reader accepts "
                f"(min_release / {MIN_RELEASE_ENV}): an old release replayed, or the floor is "
                "set higher than what has been published")
        if floor is not None and signed.payload == floor.payload and self._manifest:
            # Unchanged (maybe co-signed again, or a new ETag): save only if bytes differ.
            unchanged = signed.data == floor.data and etag == self._etag
            self._commit(root, roots, signed, etag, self._manifest, self._manifest_data,
                         self._prompts, {}, save and not unchanged)
            return False
        # 3. the manifest: length and hash before parsing, then signature, project, release
        ref = signed.pointer.manifest
        manifest_data = self._blob(source, ref, f"the manifest of release "
                                                f"{signed.pointer.release}")
        manifest = verify_manifest(root.root, signed.pointer, manifest_data)
        # 4. every prompt blob: length and hash before parsing (from the pack when most are new)
        known = {p.version_id: p.content for p in self._prompts.values()}
        packed = self._pack(source, ref, manifest, known)
        new_blobs = {ref.sha256: manifest_data}
        prompts: dict[str, Prompt] = {}
        for name, blob in manifest.prompts.items():
            content = known.get(blob.sha256)
            if content is None:
                data = packed.get(name)
                if data is not None:
                    try:
                        content = load_prompt(data, blob, name)
                    except (TamperedError, OversizedError):
                        data = None  # the (unsigned) pack is wrong here: fetch the blob itself
                if data is None:
                    data = self._blob(source, blob, f"prompt {name!r}")
                    content = load_prompt(data, blob, name)
                known[blob.sha256] = content
                new_blobs[blob.sha256] = data
            prompts[name] = Prompt(name, content, blob.sha256, manifest.release)
        self._commit(root, roots, signed, etag, manifest, manifest_data, prompts, new_blobs,
                     save)
        return True

    def _trust(self, root: SignedRoot, roots: dict[int, bytes], save: bool) -> None:
        """Take a newer root, and stop serving what it no longer trusts (revoked keys)."""
        self._root, self._roots = root, roots
        pointer, dropped = self._pointer, False
        if pointer is not None:
            what = f"release {pointer.pointer.release} (pointer version {pointer.pointer.version})"
            try:
                verify_pointer(root.root, pointer.data, channel=self.channel, now=None)
            except VerificationError as exc:
                # Its version stops bounding new pointers too (fast-forward recovery, as in TUF).
                log.warning("promptpress_reader: root %d no longer trusts the pointer of %s on "
                            "%s/%s (%s); it is no longer served", root.root.version, what,
                            self.project, self.channel, exc)
                self._pointer = pointer = None
                self._etag, dropped = None, True
                self._drop()
            else:
                if self._manifest_data is not None:
                    try:
                        verify_manifest(root.root, pointer.pointer, self._manifest_data)
                    except VerificationError as exc:
                        log.warning("promptpress_reader: root %d no longer trusts the manifest "
                                    "of %s on %s/%s (%s); it is no longer served",
                                    root.root.version, what, self.project, self.channel, exc)
                        self._drop()
        if save and (pointer is not None or dropped):  # a dropped pointer is not kept either
            self._save(CachedState(roots, pointer.data if pointer else None,
                                   pointer.pointer.version if pointer else 0,
                                   self._etag if pointer else None), {})

    def _drop(self) -> None:
        """Stop serving the current release (the version floor, if any, stays)."""
        self._manifest, self._manifest_data, self._prompts = None, None, {}

    def _check_stale(self, now: int) -> FreezeError | None:
        """Warn that the served release has expired; past `max_stale`, drop it and say why."""
        assert self._pointer is not None
        pointer, root = self._pointer.pointer, self._root.root
        expires = min(pointer.expires, root.expires)
        if now <= expires + self.clock_skew:
            return None
        late = now - expires
        where = (f"release {pointer.release} of {self.project}/{self.channel}, which expired at "
                 f"{format_time(expires)} ({_duration(late)} ago)")
        if self.max_stale is not None and late > self.clock_skew + self.max_stale:
            self._drop()
            error = FreezeError(
                f"{where}, is no longer served: it is more than {_duration(self.max_stale)} past "
                "its expiry (max_stale). Either the publisher has not renewed the channel "
                "(`promptpress release renew`) or the source is frozen by someone hiding newer "
                "releases")
            self.last_error = error
            log.error("promptpress_reader: %s", error)
            return error
        limit = (f"it will stop being served {_duration(self.max_stale)} after its expiry"
                 if self.max_stale is not None else "set max_stale= to bound how long")
        log.warning("promptpress_reader: serving %s, because nothing newer verifies; the "
                    "publisher has not renewed it or the source is frozen (%s)", where, limit)
        return None

    def _pack(self, source: Source, ref: FileRef, manifest: Manifest,
              known: Mapping[str, PromptContent]) -> dict[str, bytes]:
        """name -> the slice of the release's pack meant to be that prompt's blob, unverified
        (each is checked against the manifest like any blob); {} when fetching the blobs one by
        one is better (few are new, the cache has them) or there is no usable pack."""
        missing = [n for n, b in manifest.prompts.items() if b.sha256 not in known]
        if len(missing) < PACK_MIN_PROMPTS or 2 * len(missing) < len(manifest.prompts) or (
                self._cache is not None and self._cache.blob(
                    manifest.prompts[missing[0]].sha256,
                    manifest.prompts[missing[0]].length) is not None):
            return {}
        try:
            return fetch_pack(source, pack_path(ref.sha256),
                              {n: b.length for n, b in manifest.prompts.items()})
        except ReaderError as exc:  # none (an older publisher), or unreadable: one by one
            log.debug("promptpress_reader: no pack for release %s: %s", manifest.release, exc)
            return {}

    def _blob(self, source: Source, ref: FileRef, what: str) -> bytes:
        if self._cache is not None:
            data = self._cache.blob(ref.sha256, ref.length)
            if data is not None:
                return data
        try:
            return source.fetch(blob_path(ref.sha256), max_length=ref.length)
        except NotFoundError:
            raise NotYetSynced(f"{what} ({blob_path(ref.sha256)}) is not in {source.describe()} "
                               "yet: the release is partly published or still syncing") from None

    def _commit(self, root: SignedRoot, roots: dict[int, bytes], signed: SignedPointer,
                etag: str | None, manifest: Manifest, manifest_data: bytes | None,
                prompts: dict[str, Prompt], blobs: dict[str, bytes], save: bool) -> None:
        """Every check passed: save to the cache first, then serve."""
        if save:
            self._save(CachedState(roots, signed.data, signed.pointer.version, etag), blobs)
        self._root, self._roots, self._pointer, self._etag = root, roots, signed, etag
        self._manifest, self._manifest_data = manifest, manifest_data
        self._prompts = prompts

    def _save(self, state: CachedState, blobs: dict[str, bytes]) -> None:
        if self._cache is None:
            return
        try:
            self._cache.save(state, blobs)
        except (OSError, TimeoutError) as exc:
            log.warning("promptpress_reader: could not save the cache: %s", exc)

    def _load_cache(self) -> None:
        """Serve the cached release if it verifies from the pinned root; else start afresh.

        The cached roots are kept even when the cached release does not verify, so a restart
        never trusts keys that a later root revoked."""
        assert self._cache is not None
        try:
            state = self._cache.load()
            if state is None:
                return
            source = _CacheSource(self._cache, state)
            self._root, self._roots = self._walk_roots(source)
        except ReaderError as exc:
            self._forget(exc)
            return
        if state.pointer is None:
            return
        try:
            self._update(source, None, save=False)
            self._etag = state.etag
        except ReaderError as exc:
            self._drop()  # not served; its pointer still bounds new ones if it verifies
            self._pointer, self._etag = self._floor(state.pointer), None
            self._forget(exc, roots_kept=True)
            return
        now = now_seconds(self.clock)
        try:  # an expired cached release is still served until a fresh one verifies
            check_root_expiry(self._root.root, now, self.clock_skew)
            assert self._pointer is not None
            verify_pointer(self._root.root, self._pointer.data, channel=self.channel, now=now,
                           skew=self.clock_skew)
        except VerificationError as exc:
            self.last_error = self._check_stale(now) or exc
            log.warning("promptpress_reader: the cached release is stale: %s", exc)

    def _floor(self, data: bytes) -> SignedPointer | None:
        try:
            return verify_pointer(self._root.root, data, channel=self.channel, now=None)
        except VerificationError:
            return None

    def _forget(self, exc: ReaderError, *, roots_kept: bool = False) -> None:
        error = exc if isinstance(exc, CorruptCacheError) else CorruptCacheError(
            f"the reader cache does not verify ({exc.threat}: {exc}); it is ignored and "
            "the release is fetched again")
        if not roots_kept:
            self._reset()
        self.last_error = error
        log.warning("promptpress_reader: %s", error)

    def _reset(self) -> None:
        self._root, self._roots, self._pointer, self._etag = self._pinned, {}, None, None
        self._drop()

    def close(self) -> None:
        """Write what is still to be logged, and close the source."""
        self._close_logging()
        self._source.close()

    def __enter__(self) -> "Reader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<Reader {self.project}/{self.channel} release {self.release} "
                f"from {self._source.describe()}>")


class _CacheSource(Source):
    """The saved state seen as a source, so the cache is verified exactly like a repository."""

    def __init__(self, cache: ReaderCache, state: CachedState) -> None:
        self.cache, self.state = cache, state

    def describe(self) -> str:
        return f"the reader cache {self.cache.folder}"

    def fetch(self, path: str, *, max_length: int) -> bytes:
        if path.startswith("root/"):
            version = int(path.split("/")[1].split(".")[0])
            if version in self.state.roots:
                return self.state.roots[version]
        elif path.startswith(("blobs/sha256/", "packs/")):
            raise NotFoundError(path)  # the reader looks in the cache's blobs itself
        elif self.state.pointer is not None:
            return self.state.pointer
        raise NotFoundError(path)

    def fetch_pointer(self, path: str, *, max_length: int,
                      etag: str | None = None) -> tuple[bytes | None, str | None]:
        return self.fetch(path, max_length=max_length), self.state.etag


def _is_url(source: Any) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


def _min_release(value: int | None) -> int:
    if value is None:
        text = os.environ.get(MIN_RELEASE_ENV, "").strip()
        if not text:
            return 0
        if not text.isdigit():
            raise ValueError(f"{MIN_RELEASE_ENV}={text!r} must be a release number (or unset)")
        return int(text)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"min_release must be a release number, not {value!r}")
    return value


def _max_stale(value: "float | timedelta | None") -> int | None:
    if value is None:
        return None
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ValueError(f"max_stale must be a number of seconds or a timedelta, not {value!r}")
    return int(seconds)


def _duration(seconds: int) -> str:
    """A duration in words, for log lines and errors: "3 days", "5 hours", "42 seconds"."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"

