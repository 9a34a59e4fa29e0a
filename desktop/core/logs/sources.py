"""Reading a log sink from the author's side: list its segments, stream one.

A sink is the folder or URL the engineers' readers log to (`log_to=`), laid out as
`<project>/<YYYY-MM-DD>/<segment>.jsonl` (storage.releases.logformat). A folder is listed with
os.scandir. An HTTP sink is listed through the server's directory index: nginx's
`autoindex on; autoindex_format json;` (recommended), or any HTML index whose links name the
entries (nginx's and Apache's default, `python -m http.server`). Names that are not a
project, a day or a segment are reported and skipped; dot-files (a segment being written)
are ignored without a word.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from storage.releases.logformat import DAY_NAME, PROJECT_NAME, SEGMENT_NAME

from .errors import LogsError, Problem

CHUNK = 1 << 16
MAX_LISTING_BYTES = 32 << 20
_HREF = re.compile(r"""href\s*=\s*["']([^"'<>]+)["']""", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """A segment in a sink: its path below the sink, and its size when the listing says it."""

    path: str
    size: int | None


def normalise(location: str | os.PathLike[str]) -> str:
    """An absolute folder path, or the URL with one trailing slash."""
    text = os.fspath(location).strip()
    if not text:
        raise LogsError("Say where the logs are: the folder or http(s) address the "
                        "applications log to (their log_to=).")
    if text.startswith(("http://", "https://")):
        return text.rstrip("/") + "/"
    if "://" in text:
        raise LogsError(f"{text!r} is neither a folder nor an http(s) address.")
    return str(Path(text).expanduser().absolute())


class LogSource:
    """A sink to read. `projects()`, `segments(project)`, `open(path)`."""

    location: str

    def projects(self) -> tuple[list[str], list[Problem]]:
        names, problems = [], []
        for name, is_dir, _ in self._list(""):
            if name.startswith("."):
                continue
            if is_dir and PROJECT_NAME.match(name):
                names.append(name)
            else:
                problems.append(Problem(name, None, "not a project's log folder: skipped"))
        return sorted(names), problems

    def segments(self, project: str) -> tuple[list[Entry], list[Problem]]:
        """Every segment of `project`, oldest day first, and what was skipped."""
        entries: list[Entry] = []
        problems: list[Problem] = []
        for day, is_dir, _ in sorted(self._list(project + "/")):
            if day.startswith("."):
                continue
            if not (is_dir and DAY_NAME.match(day)):
                problems.append(Problem(f"{project}/{day}", None,
                                        "not a day folder (YYYY-MM-DD) of log segments: skipped"))
                continue
            for name, name_is_dir, size in sorted(self._list(f"{project}/{day}/")):
                path = f"{project}/{day}/{name}"
                if name.startswith("."):
                    continue  # a segment being written, or a sync client's temporary file
                if name_is_dir or not SEGMENT_NAME.match(name):
                    problems.append(Problem(path, None, "not a log segment name: skipped"))
                    continue
                entries.append(Entry(path, size))
        return entries, problems

    def _list(self, folder: str) -> list[tuple[str, bool, int | None]]:
        raise NotImplementedError  # pragma: no cover

    @contextlib.contextmanager
    def open(self, path: str) -> Iterator[Iterator[bytes]]:
        raise NotImplementedError  # pragma: no cover
        yield iter(())

    def close(self) -> None:
        pass

    def __enter__(self) -> "LogSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FolderLogSource(LogSource):
    def __init__(self, folder: str) -> None:
        self.location = folder
        self.folder = Path(folder)

    def _list(self, folder: str) -> list[tuple[str, bool, int | None]]:
        path = self.folder.joinpath(*[p for p in folder.split("/") if p])
        out = []
        try:
            with os.scandir(path) as it:
                for entry in it:
                    try:
                        is_dir = entry.is_dir()
                        size = None if is_dir else entry.stat().st_size
                    except OSError:
                        continue  # vanished while listed
                    out.append((entry.name, is_dir, size))
        except FileNotFoundError:
            if not folder:
                raise LogsError(f"There is no log folder {self.folder}. Check the path and that "
                                "its drive or share is connected; an application creates it "
                                "when it first logs.") from None
            return []  # a folder that vanished while listed
        except OSError as exc:
            raise LogsError(f"Cannot read the log folder {path}: {exc.strerror or exc}.") \
                from None
        return out

    @contextlib.contextmanager
    def open(self, path: str) -> Iterator[Iterator[bytes]]:
        with open(self.folder.joinpath(*path.split("/")), "rb") as f:
            yield iter(lambda: f.read(CHUNK), b"")


class HttpLogSource(LogSource):
    def __init__(self, url: str, *, timeout: float = 30.0, client: Any = None) -> None:
        import httpx

        self._httpx = httpx
        self.location = url
        self._own = client is None
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             trust_env=False,
                                             verify=not url.startswith("http://"))
        self.headers = {"User-Agent": "promptpress", "Accept": "application/json, text/html"}

    def _list(self, folder: str) -> list[tuple[str, bool, int | None]]:
        url = self.location + folder
        try:
            with self.client.stream("GET", url, headers=self.headers) as r:
                if r.status_code == 404:
                    return []
                if r.status_code in (301, 302, 307, 308) and not folder:
                    raise LogsError(f"{url} redirects elsewhere; give the address it "
                                    "redirects to.")
                if r.status_code in (401, 403):
                    raise LogsError(f"{url} does not let Promptpress list the logs (HTTP "
                                    f"{r.status_code}). The server needs a directory index "
                                    "there, e.g. nginx `autoindex on; autoindex_format json;`.")
                if r.status_code != 200:
                    raise LogsError(f"{url} answered HTTP {r.status_code} when Promptpress "
                                    "listed the logs.")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > MAX_LISTING_BYTES:
                        raise LogsError(f"The listing of {url} is larger than "
                                        f"{MAX_LISTING_BYTES >> 20} MB.")
                kind = r.headers.get("content-type", "")
        except self._httpx.HTTPError as exc:
            raise LogsError(f"Cannot reach {url}: {type(exc).__name__}: {exc}.") from None
        text = bytes(body).decode("utf-8", "replace")
        if "json" in kind or text.lstrip().startswith("["):
            return _json_listing(text, url)
        return _html_listing(text, urlsplit(url).path)

    @contextlib.contextmanager
    def open(self, path: str) -> Iterator[Iterator[bytes]]:
        url = self.location + path
        try:
            with self.client.stream("GET", url, headers={"User-Agent": "promptpress"}) as r:
                if r.status_code != 200:
                    raise OSError(f"{url} answered HTTP {r.status_code}")
                yield _guarded(r.iter_bytes(CHUNK), self._httpx)
        except self._httpx.HTTPError as exc:
            raise OSError(f"cannot read {url}: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        if self._own:
            self.client.close()


def _guarded(chunks: Iterator[bytes], httpx: Any) -> Iterator[bytes]:
    try:
        yield from chunks
    except httpx.HTTPError as exc:
        raise OSError(f"the download broke off: {type(exc).__name__}: {exc}") from None


def _json_listing(text: str, url: str) -> list[tuple[str, bool, int | None]]:
    """nginx `autoindex_format json`: [{"name": ..., "type": "directory"|"file", "size": ...}]."""
    try:
        items = json.loads(text)
    except ValueError:
        raise LogsError(f"The listing of {url} is not valid JSON.") from None
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        size = item.get("size")
        out.append((item["name"], item.get("type") == "directory",
                    size if isinstance(size, int) and not isinstance(size, bool) else None))
    return out


def _html_listing(text: str, base_path: str) -> list[tuple[str, bool, int | None]]:
    """The links of an HTML index that name an entry of this folder (relative, one level)."""
    out, seen = [], set()
    base = base_path if base_path.endswith("/") else base_path + "/"
    for href in _HREF.findall(text):
        href = href.split("?", 1)[0].split("#", 1)[0]
        if href.startswith(base):  # some servers link absolute paths
            href = href[len(base):]
        if not href or href.startswith(("/", "../", "./")) or "://" in href:
            continue
        is_dir = href.endswith("/")
        name = unquote(href.rstrip("/"))
        if not name or "/" in name or name in seen:
            continue
        seen.add(name)
        out.append((name, is_dir, None))
    return out


def open_source(location: str, **options: Any) -> LogSource:
    """A LogSource for a normalised location (see `normalise`)."""
    if location.startswith(("http://", "https://")):
        return HttpLogSource(location, **options)
    return FolderLogSource(location)
