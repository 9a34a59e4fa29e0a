"""Where the reader reads a repository from: a folder, or an HTTP(S) server.

A source fetches one file by its relative path with a size limit that is enforced before the
file is read (a folder: its size from fstat; HTTP: Content-Length, then a running count), so an
endless or enormous file costs nothing. Sources never list folders. `httpx` is imported only when
an HTTP source is created; it asks for `Accept-Encoding: identity` and refuses a body sent with
any other Content-Encoding rather than decoding it: the bytes checked are the bytes served.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .errors import NotFoundError, OversizedError, SourceUnavailable

USER_AGENT = "promptpress-reader"


class Source:
    """Read access to a repository. Subclasses implement `fetch` and `describe`."""

    def describe(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def fetch(self, path: str, *, max_length: int) -> bytes:  # pragma: no cover - overridden
        """The file's bytes; NotFoundError, SourceUnavailable or OversizedError otherwise."""
        raise NotImplementedError

    def fetch_pointer(self, path: str, *, max_length: int,
                      etag: str | None = None) -> tuple[bytes | None, str | None]:
        """(bytes, new etag), or (None, etag) when the server says the file is unchanged."""
        return self.fetch(path, max_length=max_length), None

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


class FolderSource(Source):
    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._base = os.fspath(self.folder)

    def describe(self) -> str:
        return str(self.folder)

    def fetch(self, path: str, *, max_length: int) -> bytes:
        full = os.path.join(self._base, *path.split("/"))
        try:
            fd = os.open(full, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            if not os.path.isdir(self._base):
                raise SourceUnavailable(f"the folder {self.folder} cannot be reached") from None
            raise NotFoundError(f"{path} is not in {self.folder}") from None
        except (IsADirectoryError, NotADirectoryError):
            raise NotFoundError(f"{path} is not a file in {self.folder}") from None
        except OSError as exc:
            raise SourceUnavailable(f"cannot read {path} in {self.folder}: {exc}") from None
        try:
            st = os.fstat(fd)
            size = st.st_size  # checked before a single byte is read
            if size > max_length:
                raise OversizedError(f"{path} is {size} bytes; the limit is {max_length}")
            regular = stat.S_ISREG(st.st_mode)
            chunks = []
            remaining = max_length + 1  # one more, to notice a file that grows while read
            while remaining > 0:
                want = min(remaining, size + 1) if regular else remaining
                chunk = os.read(fd, want)
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
                if regular and len(chunk) < want:
                    break  # a short read of a regular file is its end: saves a syscall per blob
                size = max(size, sum(map(len, chunks)))  # it grew: keep reading, to the limit
        except IsADirectoryError:
            raise NotFoundError(f"{path} is not a file in {self.folder}") from None
        except OSError as exc:
            raise SourceUnavailable(f"cannot read {path} in {self.folder}: {exc}") from None
        finally:
            os.close(fd)
        data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if len(data) > max_length:
            raise OversizedError(f"{path} grew past {max_length} bytes while being read")
        return data


class HttpSource(Source):
    """A repository served over HTTP(S). Keeps one connection pool; blobs are cacheable forever."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, client: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        import httpx  # only HTTP users need it

        self._httpx = httpx
        self.base_url = base_url.rstrip("/") + "/"
        self._own_client = client is None
        # Plain http never makes a TLS connection (redirects are not followed), so it needs
        # no certificate store: that saves building an SSL context on every start.
        plain = self.base_url.startswith("http://")
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             trust_env=False, verify=not plain)
        self.headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                        **(headers or {})}

    def describe(self) -> str:
        return self.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def fetch(self, path: str, *, max_length: int) -> bytes:
        data, _ = self._get(path, max_length, {})
        assert data is not None
        return data

    def fetch_pointer(self, path: str, *, max_length: int,
                      etag: str | None = None) -> tuple[bytes | None, str | None]:
        headers = {"Cache-Control": "no-cache"}
        if etag:
            headers["If-None-Match"] = etag
        return self._get(path, max_length, headers, etag)

    def _get(self, path: str, max_length: int, headers: dict[str, str],
             etag: str | None = None) -> tuple[bytes | None, str | None]:
        url = self.url(path)
        try:
            with self.client.stream("GET", url, headers={**self.headers, **headers}) as r:
                if r.status_code == 304 and etag:
                    return None, etag
                if r.status_code in (403, 404, 410):  # S3-style stores say 403 for "no such key"
                    raise NotFoundError(f"{url} was not found (HTTP {r.status_code})")
                if r.status_code != 200:
                    raise SourceUnavailable(f"{url} answered HTTP {r.status_code}")
                encoding = r.headers.get("content-encoding", "")
                if any(e.strip().lower() not in ("", "identity") for e in encoding.split(",")):
                    raise SourceUnavailable(
                        f"{url} was sent with Content-Encoding {encoding.strip()!r}, which the "
                        "reader did not ask for (it asks for identity); refused rather than "
                        "decoded. Turn off compression for the release files on the server or "
                        "proxy")
                declared = r.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_length:
                    raise OversizedError(f"{url} is {declared} bytes; the limit is {max_length}")
                chunks: list[bytes] = []
                size = 0
                for chunk in r.iter_raw():  # never decoded (see the check above)
                    size += len(chunk)
                    if size > max_length:
                        raise OversizedError(f"{url} is longer than the limit of {max_length}")
                    chunks.append(chunk)
                return b"".join(chunks), r.headers.get("etag")
        except self._httpx.HTTPError as exc:
            raise SourceUnavailable(f"cannot read {url}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self._own_client:
            self.client.close()


def fetch_pack(source: Source, path: str, lengths: dict[str, int]) -> dict[str, bytes]:
    """A pack cut into name -> bytes, in name order by the lengths given (unverified: each slice
    is meant to be checked against the signed hash of that name's blob)."""
    names = sorted(lengths)
    pack = source.fetch(path, max_length=sum(lengths.values()))
    slices, start = {}, 0
    for name in names:
        end = start + lengths[name]
        slices[name] = pack[start:end]
        start = end
    return slices


def location(place: "str | os.PathLike[str]", refusal: str) -> tuple[str, bool]:
    """A repository's place as text, and whether it is an http(s) URL (else a folder path).
    Any other scheme is refused with ValueError(refusal.format(repr(text)))."""
    text = os.fspath(place)
    if text.startswith(("http://", "https://")):
        return text, True
    if "://" in text:
        raise ValueError(refusal.format(repr(text)))
    return text, False


def open_source(source: "str | os.PathLike[str] | Source", **options: Any) -> Source:
    """A Source for a folder path or an http(s) URL."""
    if isinstance(source, Source):
        return source
    text, http = location(source, "unsupported source {}: use a folder path or an http(s) URL")
    return HttpSource(text, **options) if http else FolderSource(text)
