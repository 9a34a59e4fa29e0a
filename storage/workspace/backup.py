"""Backing up a workspace while it is open and in use, and restoring one; nothing is ever lost.

A backup is SQLite's online backup of one consistent snapshot (what was committed when it
began; WAL readers do not block the writers), written to a temporary file beside the target,
checked, switched to a single self-contained file (no -wal) and only then renamed into place.
It copies in steps of STEP_PAGES pages, reporting progress and checking for a cancel between
steps, inside one read transaction: without it SQLite restarts a stepped backup each time
another connection writes, which with the app writing meant a large backup never ended.

A restore checks the backup is a sound Promptpress workspace this program can open, refuses
while the workspace is open anywhere (the same lock Promptpress holds while it runs), keeps the
replaced workspace as `NAME.before-restore-<time>` (a full copy, including what was still in
its write-ahead log), and puts the backup in its place.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

from storage.releases.atomic import atomic_path

from .db import (
    APPLICATION_ID,
    SQLITE_MAGIC,
    CorruptWorkspace,
    NewerWorkspace,
    NotAWorkspace,
    Workspace,
    WorkspaceError,
    WorkspaceLocked,
    known_revisions,
)

COUNTED = ("prompts", "versions", "test_sets", "test_cases", "runs", "results", "providers",
           "releases")


STEP_PAGES = 2048  # 8 MB at SQLite's usual 4 KiB pages: progress a few times a second


class BackupError(WorkspaceError):
    """A backup or restore that cannot be done; nothing was changed."""


class BackupCancelled(BackupError):
    """The person cancelled the backup; nothing was written."""


class _Cancel(Exception):
    """Raised from the progress callback: SQLite then abandons the backup."""


Progress = Callable[[int, int], None]  # (bytes copied, bytes in all)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    revision: str | None
    counts: dict[str, int]
    created_at: datetime
    reclaimable: int = 0  # bytes the workspace holds free (deleted rows): Compact gives them back


@dataclass(frozen=True)
class RestoreInfo:
    workspace: Path
    kept: Path | None  # the replaced workspace, kept beside it
    backup: BackupInfo


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def _source_path(source: Workspace | str | os.PathLike[str]) -> Path:
    return source.path if isinstance(source, Workspace) else Path(source).expanduser().absolute()


def _copy(source: Path, target: Path, *, uri_mode: str = "ro", progress: Progress | None = None,
          cancelled: Callable[[], bool] | None = None) -> int:
    """Online backup of one consistent snapshot, in steps, never restarted by writers; returns
    the bytes the source holds free."""
    src = sqlite3.connect(f"{source.as_uri()}?mode={uri_mode}", uri=True, timeout=30,
                          isolation_level=None)
    try:
        # The read transaction pins the snapshot: the steps all copy it, while other
        # connections go on writing to the write-ahead log.
        src.execute("BEGIN")
        page_size = src.execute("PRAGMA page_size").fetchone()[0]
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        free = src.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        dest = sqlite3.connect(target)
        try:
            def step(_status: int, remaining: int, total: int) -> None:
                if cancelled is not None and cancelled():
                    raise _Cancel
                if progress is not None:
                    progress((total - remaining) * page_size, total * page_size)

            try:
                src.backup(dest, pages=STEP_PAGES, progress=step)
            except _Cancel:
                raise BackupCancelled("The backup was cancelled. Nothing was written.") from None
            # One file, no -wal beside it; the app turns WAL back on when it opens it.
            dest.execute("PRAGMA journal_mode = DELETE")
            dest.commit()
        finally:
            dest.close()
    finally:
        src.close()
    return free


def inspect_backup(path: str | os.PathLike[str], *,
                   cancelled: Callable[[], bool] | None = None) -> BackupInfo:
    """Check that a file is a sound Promptpress workspace this program can open (`cancelled()`
    true stops the check: BackupCancelled)."""
    path = Path(path).expanduser().absolute()
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    with open(path, "rb") as f:
        header = f.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise NotAWorkspace(f"{path.name} is not a Promptpress workspace backup (it is not a "
                            "database file). Nothing was changed.")
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            application_id = con.execute("PRAGMA application_id").fetchone()[0]
            if cancelled is not None:
                con.set_progress_handler(lambda: 1 if cancelled() else 0, 10_000)
            try:
                check = con.execute("PRAGMA integrity_check(1)").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if cancelled is not None and "interrupt" in str(exc):
                    raise BackupCancelled("The backup was cancelled. Nothing was "
                                          "written.") from None
                raise
            con.set_progress_handler(None, 0)
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master "
                                                "WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in COUNTED if t in tables}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptWorkspace(f"{path.name} is damaged ({exc}). Nothing was changed. "
                               "Choose another backup.") from None
    if check != "ok":
        raise CorruptWorkspace(f"{path.name} is damaged (integrity check: {check}). Nothing was "
                               "changed. Choose another backup.")
    if application_id != APPLICATION_ID or revision is None:
        raise NotAWorkspace(f"{path.name} is not a Promptpress workspace. Nothing was changed.")
    if revision not in known_revisions():
        raise NewerWorkspace(f"{path.name} was written by a newer version of Promptpress "
                             f"(schema {revision}). Nothing was changed. Update Promptpress to "
                             "restore it.")
    stat = path.stat()
    return BackupInfo(path, stat.st_size, revision, counts,
                      datetime.fromtimestamp(stat.st_mtime, timezone.utc))


def backup_workspace(source: Workspace | str | os.PathLike[str], target: str | os.PathLike[str],
                     *, overwrite: bool = False, progress: Progress | None = None,
                     cancelled: Callable[[], bool] | None = None) -> BackupInfo:
    """Write a consistent copy of a workspace, open or not, to `target`; `progress(copied,
    total)` in bytes between steps; `cancelled()` true stops it (BackupCancelled, nothing is
    written). The writers of the workspace are never held up."""
    source = _source_path(source)
    target = Path(target).expanduser().absolute()
    if not source.is_file():
        raise BackupError(f"There is no workspace at {source}.")
    if target == source or (target.exists() and target.samefile(source)):
        raise BackupError("The backup must go to another file than the workspace itself.")
    if target.is_dir():
        target = target / f"{source.stem}-{_stamp()[:15]}{source.suffix or '.promptpress'}"
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists. Nothing was written. Choose another name, "
                          "or replace it (--overwrite).")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot create the folder {target.parent}: {exc.strerror}.") from None
    try:
        with atomic_path(target) as tmp:
            try:
                free = _copy(source, tmp, progress=progress, cancelled=cancelled)
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"Could not back up {source.name}: {exc}. Nothing was "
                                  "written.") from None
            info = inspect_backup(tmp, cancelled=cancelled)
    except OSError as exc:
        raise BackupError(f"Could not write {target}: {exc.strerror or exc}. Nothing was "
                          "written.") from None
    return BackupInfo(target, info.size, info.revision, info.counts, info.created_at, free)


def restore_workspace(backup: str | os.PathLike[str], workspace: str | os.PathLike[str], *,
                      progress: Callable[[str], None] | None = None) -> RestoreInfo:
    """Replace the workspace file with a backup, keeping the replaced one beside it."""
    backup = Path(backup).expanduser().absolute()
    workspace = Path(workspace).expanduser().absolute()
    say = progress or (lambda _text: None)
    if backup == workspace or (workspace.exists() and backup.exists()
                               and backup.samefile(workspace)):
        raise BackupError("That backup is the workspace itself; choose a backup file.")
    info = inspect_backup(backup)
    lock = FileLock(str(workspace) + ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise WorkspaceLocked(f"{workspace.name} is open in Promptpress (a window or a command). "
                              "Close it there first; nothing was changed.") from None
    try:
        kept = None
        if workspace.exists():
            kept = workspace.with_name(f"{workspace.name}.before-restore-{_stamp()}")
            say(f"Keeping the current workspace as {kept.name}")
            _keep(workspace, kept)
        with atomic_path(workspace) as tmp:
            _copy(backup, tmp)
            inspect_backup(tmp)
            # The old write-ahead log belongs to the old file: SQLite would replay it into the
            # restored one. Its content is in the kept copy.
            for suffix in ("-wal", "-shm"):
                _remove(Path(str(workspace) + suffix))
    finally:
        lock.release()
    return RestoreInfo(workspace, kept, info)


def _keep(workspace: Path, kept: Path) -> None:
    """A complete copy of the workspace about to be replaced (main file and its log)."""
    try:
        _copy(workspace, kept, uri_mode="rw")
        return
    except sqlite3.DatabaseError:
        _remove(kept)
    # Damaged or not a database: keep the bytes as they are, log included.
    shutil.copy2(workspace, kept)
    for suffix in ("-wal", "-shm"):
        side = Path(str(workspace) + suffix)
        if side.exists():
            shutil.copy2(side, Path(str(kept) + suffix))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
