"""Compacting a workspace: SQLite's VACUUM, which gives back the pages deleted rows left free.

It runs on the app's writer connection (so no write of the app's can interleave), can be
cancelled (SQLite's progress handler interrupts it; an interrupted VACUUM changes nothing) and
reports the file's size before and after, write-ahead log included.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .db import Workspace, WorkspaceError


class CompactError(WorkspaceError):
    """Compacting failed or was cancelled; the workspace is unchanged."""


@dataclass(frozen=True)
class CompactInfo:
    before: int  # bytes, the file and its write-ahead log
    after: int

    @property
    def freed(self) -> int:
        return max(0, self.before - self.after)


def workspace_size(path: Path) -> int:
    """Bytes the workspace takes on disk: the file and its -wal beside it."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal"))
               if p.exists())


def compact_workspace(workspace: Workspace, *,
                      cancelled: Callable[[], bool] = lambda: False) -> CompactInfo:
    """VACUUM the workspace, then fold the write-ahead log back into the file."""
    before = workspace_size(workspace.path)
    raw = workspace.engine.raw_connection()
    try:
        con = raw.driver_connection
        con.set_progress_handler(lambda: 1 if cancelled() else 0, 1_000)
        try:
            con.execute("VACUUM")
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise CompactError("Compacting was cancelled. The workspace is unchanged.") \
                    from None
            raise CompactError(f"Could not compact the workspace: {exc}. It is unchanged; "
                               "close other programs that use it and try again.") from None
        finally:
            con.set_progress_handler(None, 0)
    finally:
        raw.close()
    return CompactInfo(before, workspace_size(workspace.path))


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"
