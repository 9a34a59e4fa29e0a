"""Opening a workspace: one SQLite file, checked before anything is written to it.

A workspace that is corrupt, not a Promptpress file, read-only, already open in another
Promptpress, or written by a newer version raises a `WorkspaceError` whose message says what
happened and what to do; in each of those cases nothing in the file has been changed.
"""

from __future__ import annotations

import ast
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .location import default_workspace_path
from .search_chars import fill_pending

# "PPW1" in the SQLite header's application_id field marks a Promptpress workspace.
APPLICATION_ID = 0x50505731
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000

# For the layers above storage, which import no SQLAlchemy: the type of `Workspace.session()`
# (for type hints) and what a failed read or write raises.
DatabaseError = SQLAlchemyError


class WorkspaceError(Exception):
    """A workspace problem the user can act on (never a bug)."""


class NotAWorkspace(WorkspaceError):
    pass


class CorruptWorkspace(WorkspaceError):
    pass


class ReadOnlyWorkspace(WorkspaceError):
    pass


class WorkspaceLocked(WorkspaceError):
    pass


class NewerWorkspace(WorkspaceError):
    pass


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storage.workspace") / "migrations"))
    return cfg


def head_revision() -> str:
    return _revision_chain()[-1]


def known_revisions() -> list[str]:
    """Every revision this program knows, oldest first."""
    return list(_revision_chain())


@lru_cache(maxsize=1)
def _revision_chain() -> tuple[str, ...]:
    """The migrations' revisions in order, read from their files without alembic (a second to
    import and load): a workspace that is up to date opens without it. Our history is one line;
    tests/storage/test_migrations.py checks this against alembic's own reading."""
    parents: dict[str, str | None] = {}
    for file in (resources.files("storage.workspace") / "migrations" / "versions").iterdir():
        if file.name.endswith(".py") and file.name != "__init__.py":
            found = _module_constants(file.read_text(encoding="utf-8"), ("revision", "down_revision"))
            parents[found["revision"]] = found.get("down_revision")
    children = {parent: revision for revision, parent in parents.items()}
    chain: list[str] = []
    while (following := children.get(chain[-1] if chain else None)) is not None:
        chain.append(following)
    if len(chain) != len(parents) or len(children) != len(parents):
        raise RuntimeError(f"the workspace migrations are not one line of revisions: {parents}")
    return tuple(chain)


def _module_constants(source: str, names: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):  # `revision: str = "0004"`, as newer templates write
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names and value is not None:
            found[target.id] = ast.literal_eval(value)
    return found


def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _note_changes(session: Session, _transaction, connection) -> None:
    session.info["changes"] = connection.connection.driver_connection.total_changes


def _fill_search_chars(session: Session) -> None:
    """A transaction that wrote works out the characters of the versions it saved (0013's
    `version_chars`) before it commits, in the same transaction. Read-only ones do nothing."""
    if "changes" not in session.info:
        return  # nothing began: nothing to commit
    connection = session.connection().connection.driver_connection
    if connection.total_changes != session.info.pop("changes"):
        fill_pending(connection)


def raw_cursor(session: Session) -> sqlite3.Cursor:
    """A plain sqlite3 cursor in the session's transaction: 100,000 rows come back as tuples,
    without building a result-row object for each."""
    return session.connection().connection.driver_connection.cursor()


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _on_connect)
    return engine


class Workspace:
    """An open workspace: the engine, a session factory, and the lock that keeps it ours."""

    def __init__(self, path: Path, engine: Engine, lock: FileLock | None) -> None:
        self.path = path
        self.engine = engine
        self._lock = lock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._sessions, "after_begin", _note_changes)
        event.listen(self._sessions, "before_commit", _fill_search_chars)

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True,
             lock: bool = True) -> "Workspace":
        path = Path(path).expanduser().absolute()
        state = _inspect(path, create=create)
        file_lock = _acquire_lock(path) if lock else None
        try:
            # Inspect again under the lock: another process may have migrated meanwhile (the
            # integrity check, a read of the whole file, is not repeated: 0.4 s a 500 MB file).
            state = _inspect(path, create=create, integrity=False)
            current = state.existing and state.revision == head_revision()
            if state.existing and state.revision is not None and not current:
                _backup_before_migration(path, state.revision)
            engine = make_engine(path)
            if not current:  # alembic only when there is something to do
                _migrate(engine, fresh=not state.existing)
        except BaseException:
            if file_lock is not None:
                file_lock.release()
            raise
        return cls(path, engine, file_lock)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with self._sessions() as session:
            with session.begin():
                yield session

    def new_session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _State:
    def __init__(self, existing: bool, revision: str | None) -> None:
        self.existing = existing
        self.revision = revision


def _inspect(path: Path, *, create: bool, integrity: bool = True) -> _State:
    """Check a workspace file without writing to it (with SQLite's quick integrity check of
    every page unless `integrity` is False)."""
    if path.is_dir():
        raise NotAWorkspace(f"{path} is a folder, not a workspace file. Choose a .promptpress file.")
    if not path.exists() or path.stat().st_size == 0:
        if not create:
            raise NotAWorkspace(f"There is no workspace at {path}.")
        folder = path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReadOnlyWorkspace(
                f"Cannot create the folder {folder}: {exc.strerror}. Choose another location."
            ) from None
        if not _writable(folder):
            raise ReadOnlyWorkspace(
                f"Cannot create a workspace in {folder}: the folder is read-only. "
                "Choose a folder you can write to."
            )
        return _State(existing=False, revision=None)

    with open(path, "rb") as f:
        header = f.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise NotAWorkspace(
            f"{path.name} is not a Promptpress workspace (it is not a database file). "
            "Nothing was changed. Open a .promptpress file or create a new workspace."
        )
    if len(header) < 100:
        raise CorruptWorkspace(
            f"{path.name} is damaged: the file is truncated. Nothing was changed. "
            "Restore it from a backup, or open another workspace."
        )
    if not _writable(path) or not _writable(path.parent):
        raise ReadOnlyWorkspace(
            f"{path} is read-only (or its folder is). Promptpress needs to write next to the "
            "file. Copy it somewhere you can write to, or change its permissions."
        )
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            # Read through SQLite, not the raw header: in WAL mode the header may be in the log.
            application_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            check = con.execute("PRAGMA quick_check(1)").fetchone()[0] if integrity else "ok"
            revision = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptWorkspace(
            f"{path.name} is damaged ({exc}). Nothing was changed. "
            "Restore it from a backup, or open another workspace."
        ) from None
    if check != "ok":
        raise CorruptWorkspace(
            f"{path.name} is damaged (integrity check: {check}). Nothing was changed. "
            "Restore it from a backup, or open another workspace."
        )
    if application_id != APPLICATION_ID:
        if not tables:
            return _State(existing=False, revision=None)
        raise NotAWorkspace(
            f"{path.name} is a database of another program, not a Promptpress workspace. "
            "Nothing was changed."
        )
    if revision is not None and revision not in known_revisions():
        raise NewerWorkspace(
            f"{path.name} was written by a newer version of Promptpress (schema {revision}). "
            "Nothing was changed. Update Promptpress to open it."
        )
    return _State(existing=True, revision=revision)


def _writable(path: Path) -> bool:
    # Root passes os.access regardless of mode bits; a file marked read-only is read-only.
    return os.access(path, os.W_OK) and bool(stat.S_IMODE(path.stat().st_mode) & 0o222)


def _acquire_lock(path: Path) -> FileLock:
    # Not thread-local: the app opens a workspace on one thread and may close it on another.
    lock = FileLock(str(path) + ".lock", timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise WorkspaceLocked(
            f"{path.name} is already open in another Promptpress window or command. "
            "Close it there first, or open another workspace."
        ) from None
    except OSError as exc:
        raise ReadOnlyWorkspace(f"Cannot lock {path}: {exc.strerror}.") from None
    return lock


def _backup_before_migration(path: Path, revision: str) -> Path:
    """Keep a copy of the file as it was before its schema is upgraded."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}")
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def _migrate(engine: Engine, *, fresh: bool) -> None:
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as connection:
        if fresh:
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def upgrade_to(path: Path, revision: str) -> None:
    """Bring a workspace file to one revision (tests build files at earlier revisions with it)."""
    from alembic import command

    engine = make_engine(path)
    try:
        cfg = _alembic_config()
        with engine.begin() as connection:
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


__all__ = [
    "APPLICATION_ID",
    "CorruptWorkspace",
    "DatabaseError",
    "NewerWorkspace",
    "NotAWorkspace",
    "ReadOnlyWorkspace",
    "Session",
    "Workspace",
    "WorkspaceError",
    "WorkspaceLocked",
    "default_workspace_path",
]
