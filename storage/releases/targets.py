"""Where a publisher writes a repository: a folder (local, network or sync-client), or HTTP PUT.

A target can read (through its `source`), write a file whole, write a content-addressed file only
if it is missing or damaged, swap the channel pointer only if it still holds what the publisher
read (compare-and-swap), and delete (pending pointers). Folder writes are temp file + fsync +
rename + fsync of the folder; nothing ever lists a folder. HTTP writes are WebDAV-style PUTs
(nginx: `dav_methods PUT DELETE; create_full_put_path on;`), with `If-Match` / `If-None-Match: *`
on the pointer so that servers which honour them make the swap atomic; the pointer is re-read just
before it is written either way.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .atomic import file_lock, write_atomic, write_many_atomic
from .errors import NotFoundError, OversizedError, SourceError, TargetError
from .sources import FolderSource, HttpSource, Source, location


class Moved(Exception):
    """Internal: the file no longer holds the expected bytes (the caller raises ChannelMoved)."""

    def __init__(self, found: bytes | None) -> None:
        super().__init__("moved")
        self.found = found


class Target:
    source: Source

    def describe(self) -> str:
        return self.source.describe()

    def read(self, path: str, *, max_length: int) -> bytes | None:
        """The file's bytes, or None when it does not exist."""
        try:
            return self.source.fetch(path, max_length=max_length)
        except NotFoundError:
            return None
        except SourceError as exc:
            raise TargetError(f"cannot read {path} from {self.describe()}: {exc}") from None

    def prepare(self) -> None:
        """Make the location ready for a new repository (a folder: create it)."""

    def write(self, path: str, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def delete(self, path: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def swap(self, path: str, data: bytes, *, expected: bytes | None, max_length: int) -> None:
        """Write `data` only if the file still holds `expected` (None: does not exist); else Moved."""
        raise NotImplementedError  # pragma: no cover - overridden

    def write_blob(self, path: str, data: bytes, *, max_length: int) -> bool:
        """Write a content-addressed file unless an intact copy is there; True if written."""
        if self._intact(path, data):
            return False
        self.write(path, data)
        return True

    def write_blobs(self, blobs: list[tuple[str, bytes]]) -> int:
        """`write_blob` for many files; all are written (and durable) when this returns."""
        return sum(self.write_blob(path, data, max_length=len(data)) for path, data in blobs)

    def _intact(self, path: str, data: bytes) -> bool:
        try:
            existing = self.read(path, max_length=len(data))
        except OversizedError:
            return False  # damaged (grown): replace it
        return existing is not None and \
            hashlib.sha256(existing).digest() == hashlib.sha256(data).digest()

    def close(self) -> None:
        self.source.close()


class FolderTarget(Target):
    """A folder: local, on a network share, or synced by Dropbox/OneDrive/Syncthing."""

    def __init__(self, folder: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.folder = Path(folder)
        self.source = FolderSource(self.folder)
        self.durable = durable

    def _path(self, path: str) -> Path:
        return self.folder.joinpath(*path.split("/"))

    def prepare(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TargetError(f"cannot create the folder {self.folder}: {exc}") from None

    def write(self, path: str, data: bytes) -> None:
        try:
            write_atomic(self._path(path), data, durable=self.durable)
        except OSError as exc:
            raise TargetError(f"cannot write {path} in {self.folder}: {exc}") from None

    def write_blobs(self, blobs: list[tuple[str, bytes]]) -> int:
        missing = [(self._path(path), data) for path, data in blobs
                   if not self._intact(path, data)]
        try:
            write_many_atomic(missing, durable=self.durable)
        except OSError as exc:
            raise TargetError(f"cannot write to {self.folder}: {exc}") from None
        return len(missing)

    def delete(self, path: str) -> None:
        try:
            self._path(path).unlink(missing_ok=True)
        except OSError as exc:
            raise TargetError(f"cannot delete {path} in {self.folder}: {exc}") from None

    def swap(self, path: str, data: bytes, *, expected: bytes | None, max_length: int) -> None:
        # A lock in the local temp folder (never in the shared one) closes the race between two
        # publishers on this machine; across machines the re-read narrows it to a moment.
        digest = hashlib.sha256(str(self._path(path).resolve()).encode()).hexdigest()[:32]
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        lock = Path(tempfile.gettempdir()) / f"promptpress-locks-{user}" / f"{digest}.lock"
        try:
            held = file_lock(lock)
            held.__enter__()
        except (OSError, TimeoutError):
            held = None  # no usable temp folder: the re-read below still guards
        try:
            current = self.read(path, max_length=max_length)
            if current != expected:
                raise Moved(current)
            self.write(path, data)
        finally:
            if held is not None:
                held.__exit__(None, None, None)


class HttpTarget(Target):
    """An HTTP(S) server that accepts PUT and DELETE (WebDAV style)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, client: Any = None,
                 headers: dict[str, str] | None = None, auth: Any = None) -> None:
        import httpx

        self._httpx = httpx
        self._own_client = client is None
        plain = base_url.startswith("http://")  # no TLS ever: no certificate store needed
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             trust_env=False, auth=auth, verify=not plain)
        self.source = HttpSource(base_url, client=self.client, headers=headers)
        self.headers = dict(headers or {})

    def _request(self, method: str, path: str, *, data: bytes | None = None,
                 headers: dict[str, str] | None = None, ok: tuple[int, ...]) -> Any:
        url = self.source.url(path)
        try:
            r = self.client.request(method, url, content=data,
                                    headers={**self.source.headers, **self.headers,
                                             **(headers or {})})
        except self._httpx.HTTPError as exc:
            raise TargetError(f"{method} {url} failed: {type(exc).__name__}: {exc}") from None
        if r.status_code == 412:
            raise Moved(None)
        if r.status_code not in ok:
            hint = ""
            if r.status_code in (403, 405, 409, 501):
                hint = (" (does the server accept PUT/DELETE? nginx needs "
                        "`dav_methods PUT DELETE; create_full_put_path on;`)")
            raise TargetError(f"{method} {url} answered HTTP {r.status_code}{hint}")
        return r

    def write(self, path: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        self._request("PUT", path, data=data, ok=(200, 201, 204),
                      headers={"Content-Type": "application/octet-stream", **(headers or {})})

    def delete(self, path: str) -> None:
        self._request("DELETE", path, ok=(200, 202, 204, 404))

    def write_blobs(self, blobs: list[tuple[str, bytes]]) -> int:
        """Several PUTs at once over the connection pool (blobs never depend on each other)."""
        if len(blobs) < 2:
            return super().write_blobs(blobs)
        with ThreadPoolExecutor(max_workers=min(8, len(blobs))) as pool:
            written = list(pool.map(
                lambda item: self.write_blob(item[0], item[1], max_length=len(item[1])), blobs))
        return sum(written)

    def swap(self, path: str, data: bytes, *, expected: bytes | None, max_length: int) -> None:
        try:
            current, etag = self.source.fetch_pointer(path, max_length=max_length)
        except NotFoundError:
            current, etag = None, None
        except SourceError as exc:
            raise TargetError(f"cannot read {path} before replacing it: {exc}") from None
        if current != expected:
            raise Moved(current)
        condition = {"If-None-Match": "*"} if current is None else (
            {"If-Match": etag} if etag else {})
        self.write(path, data, headers=condition)

    def close(self) -> None:
        if self._own_client:
            self.client.close()


def open_target(target: "str | os.PathLike[str] | Target", **options: Any) -> Target:
    """A Target for a folder path or an http(s) URL."""
    if isinstance(target, Target):
        return target
    text, http = location(target, "unsupported destination {}: use a folder or an http(s) URL")
    return HttpTarget(text, **options) if http else FolderTarget(text, **options)
