"""Where releases go: a folder (local, shared, synced) or an http(s) URL, opened for publishing.

`normalise` gives one spelling per place, so the workspace's records of a destination group
together. `ProgressTarget` wraps a storage target to report how many prompt files are written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storage.releases.repository import Repository
from storage.releases.targets import Target, open_target

from .errors import ReleaseError

Progress = Callable[[str, int, int], None]  # (what is happening, done, total)
BLOB_CHUNK = 16  # prompt files written between two progress reports


def is_url(destination: str) -> bool:
    return destination.startswith(("http://", "https://"))


def normalise(destination: str | os.PathLike[str]) -> str:
    """An absolute folder path, or the URL with one trailing slash."""
    text = os.fspath(destination).strip()
    if not text:
        raise ReleaseError("Say where the releases are: a folder or an http(s) address.")
    if is_url(text):
        return text.rstrip("/") + "/"
    if "://" in text:
        raise ReleaseError(f"{text!r} is neither a folder nor an http(s) address.")
    return str(Path(text).expanduser().absolute())


def open_repository(destination: str, *, progress: Progress | None = None) -> Repository:
    """The repository at `destination` (its own first root trusted, as its author created it)."""
    target = open_target(normalise(destination))
    if progress is not None:
        target = ProgressTarget(target, progress)
    return Repository(target)


class ProgressTarget(Target):
    """A target that reports progress while the prompt files are written."""

    def __init__(self, inner: Target, progress: Progress) -> None:
        self.inner = inner
        self.source = inner.source
        self.progress = progress

    def describe(self) -> str:
        return self.inner.describe()

    def read(self, path: str, *, max_length: int) -> bytes | None:
        return self.inner.read(path, max_length=max_length)

    def prepare(self) -> None:
        self.inner.prepare()

    def write(self, path: str, data: bytes) -> None:
        self.inner.write(path, data)

    def delete(self, path: str) -> None:
        self.inner.delete(path)

    def swap(self, path: str, data: bytes, *, expected: bytes | None, max_length: int) -> None:
        self.progress("Switching the channel to the new release", 1, 1)
        self.inner.swap(path, data, expected=expected, max_length=max_length)

    def write_blob(self, path: str, data: bytes, *, max_length: int) -> bool:
        return self.inner.write_blob(path, data, max_length=max_length)

    def write_blobs(self, blobs: list[tuple[str, bytes]]) -> int:
        total = len(blobs)
        written = 0
        self.progress("Writing the prompts", 0, total)
        for start in range(0, total, BLOB_CHUNK):
            written += self.inner.write_blobs(blobs[start:start + BLOB_CHUNK])
            self.progress("Writing the prompts", min(start + BLOB_CHUNK, total), total)
        return written

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # anything else a target offers
        return getattr(self.inner, name)
