"""The reader's cache: the last release it accepted, kept on disk between runs.

Layout under `cache_dir`:

    <project>/blobs/<sha256>            prompt blobs and manifests (content-addressed)
    <project>/<channel>/state.json      root files after the pinned one, the accepted pointer
    <project>/<channel>/state.lock      held while state.json is compared and replaced

The cache is never trusted: the reader verifies it exactly as it verifies a source, from the
pinned root on. Blobs are written before the state that refers to them; state.json is replaced
atomically, and only under the lock after checking that another process has not saved a newer
pointer meanwhile, so two readers sharing the folder never move each other backwards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import strictjson
from .atomic import file_lock, write_atomic
from .errors import CorruptCacheError, MalformedError, OversizedError
from .metadata import MAX_BLOB_BYTES, MAX_MANIFEST_BYTES
from .names import check_channel, check_project, check_sha256

FORMAT = "promptpress.reader-cache/1"
MAX_STATE_BYTES = 8 * 1024 * 1024


@dataclass(slots=True)
class CachedState:
    roots: dict[int, bytes] = field(default_factory=dict)  # version -> root file
    pointer: bytes | None = None
    pointer_version: int = 0
    etag: str | None = None


class ReaderCache:
    def __init__(self, cache_dir: str | os.PathLike[str], project: str, channel: str) -> None:
        base = Path(cache_dir) / check_project(project)
        self.blobs = base / "blobs"
        self.folder = base / check_channel(channel)
        self.state_path = self.folder / "state.json"
        self.lock_path = self.folder / "state.lock"

    def load(self) -> CachedState | None:
        """The saved state, None if there is none; CorruptCacheError if it cannot be read."""
        try:
            with open(self.state_path, "rb") as f:
                data = f.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CorruptCacheError(f"cannot read the reader cache {self.state_path}: {exc}")
        return self._parse(data)

    def _parse(self, data: bytes) -> CachedState:
        try:
            obj = strictjson.loads(data, max_length=MAX_STATE_BYTES, what="reader cache")
            strictjson.fields(obj, "reader cache", {"format": str, "roots": dict,
                                                    "pointer": (str, type(None)),
                                                    "pointer_version": int,
                                                    "etag": (str, type(None))})
            if obj["format"] != FORMAT:
                raise MalformedError(f"unknown cache format {obj['format']!r}")
            roots = {}
            for version, b64 in obj["roots"].items():
                if not version.isdigit() or not isinstance(b64, str):
                    raise MalformedError("bad root entry")
                roots[int(version)] = base64.b64decode(b64, validate=True)
            pointer = None if obj["pointer"] is None else base64.b64decode(obj["pointer"],
                                                                            validate=True)
        except (MalformedError, OversizedError, binascii.Error, ValueError) as exc:
            raise CorruptCacheError(f"the reader cache {self.state_path} is damaged: {exc}")
        return CachedState(roots, pointer, obj["pointer_version"], obj["etag"])

    def blob(self, sha256: str, length: int) -> bytes | None:
        """A cached blob whose bytes hash to `sha256`, else None (damaged copies are ignored)."""
        path = self.blobs / check_sha256(sha256, "blob")
        try:
            with open(path, "rb") as f:
                data = f.read(min(max(length, 0), MAX_MANIFEST_BYTES) + 1)
        except OSError:
            return None
        if len(data) != length or hashlib.sha256(data).hexdigest() != sha256:
            return None
        return data

    def save(self, state: CachedState, blobs: dict[str, bytes]) -> bool:
        """Save blobs, then the state; False if another process already saved something newer."""
        for sha, data in blobs.items():
            path = self.blobs / check_sha256(sha, "blob")
            if len(data) <= max(MAX_BLOB_BYTES, MAX_MANIFEST_BYTES) and \
                    self.blob(sha, len(data)) is None:
                write_atomic(path, data, durable=False)
        payload = strictjson.dumps({
            "format": FORMAT,
            "roots": {str(v): base64.b64encode(b).decode() for v, b in sorted(state.roots.items())},
            "pointer": None if state.pointer is None else base64.b64encode(state.pointer).decode(),
            "pointer_version": state.pointer_version,
            "etag": state.etag,
        })
        with file_lock(self.lock_path):
            try:
                on_disk = self.load()
            except CorruptCacheError:
                on_disk = None
            if on_disk is not None and _progress(on_disk) > _progress(state):
                return False
            write_atomic(self.state_path, payload, durable=True)
        return True

    def clear(self) -> None:
        """Forget the saved state (blobs stay: they are checked by hash before any use)."""
        with file_lock(self.lock_path):
            self.state_path.unlink(missing_ok=True)


def _progress(state: CachedState) -> tuple[int, int]:
    """How far a state got: a newer root wins, then a higher pointer version."""
    return max(state.roots, default=0), state.pointer_version
