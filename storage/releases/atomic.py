"""Durable, atomic file writes and an inter-process lock: the one way this code base writes a file.

Used by folder targets and the reader cache here, and by the app (exports, backups, key files),
which imports it from `storage.releases.atomic` because this folder also ships alone as the
reader package. `write_atomic` writes bytes; `atomic_path` hands out the temporary file for a
writer that needs a path (an SQLite backup) and swaps it in the same way.

A file is written to a temporary name in the same folder, flushed and fsynced, moved over the
final name with `os.replace` (retried when Windows refuses because a reader has the file open),
and the folder is fsynced so the rename itself survives a power cut. Temporary names start with a
dot and end in `.tmp`; nothing in this package ever lists a folder, so leftovers are harmless.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPLACE_ATTEMPTS = 20
REPLACE_DELAY = 0.05  # seconds, doubled up to 1 s between attempts


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_path(path: Path, *, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside `path` (not yet created) for the caller to write. When the block
    ends without an error the file is fsynced and moved over `path`; else it is removed and
    `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    try:
        yield tmp
        if durable:
            _fsync_path(tmp)
        replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    if durable:
        fsync_dir(path.parent)


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def write_many_atomic(files: list[tuple[Path, bytes]], *, durable: bool = True,
                      workers: int = 8) -> None:
    """Several files at once: write every temp file, fsync them together (threads: fsync lets
    go of the GIL and the file system batches the journal commits), rename each, then fsync each
    folder once. When this returns, all of them are durable."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = _temp_name(path)
            with open(tmp, "xb") as f:
                f.write(data)
            temps.append((tmp, path))
        if durable and temps:
            with ThreadPoolExecutor(max_workers=max(1, min(workers, len(temps)))) as pool:
                list(pool.map(_fsync_path, [tmp for tmp, _ in temps]))
        for tmp, path in temps:
            replace(tmp, path)
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    if durable:
        for folder in {path.parent for _, path in temps}:
            fsync_dir(folder)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))  # Windows needs write access
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(src: Path, dst: Path) -> None:
    """`os.replace`, retried while Windows reports the target busy (PermissionError)."""
    delay = REPLACE_DELAY
    for attempt in range(REPLACE_ATTEMPTS):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == REPLACE_ATTEMPTS - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return  # directories cannot be opened for fsync there; NTFS journals renames
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some network file systems refuse; the data itself was fsynced
    finally:
        os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = 30.0) -> Iterator[None]:
    """An exclusive lock between processes, held on `path` (created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                _lock(fd)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"could not lock {path} within {timeout} s") from None
                time.sleep(0.01)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
