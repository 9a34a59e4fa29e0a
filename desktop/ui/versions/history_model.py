"""A prompt's history as a table: versions and events (restores, renames), newest first.

Rows are the plain `desktop.core.version_history.HistoryEntry` objects, held as given: nothing is
formatted until the view asks, and rows reach the view in batches (canFetchMore / fetchMore),
so a prompt with 10,000 versions opens as fast as one with ten.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QFont

Index = QModelIndex | QPersistentModelIndex

EntryRole = Qt.ItemDataRole.UserRole + 1  # the HistoryEntry itself
VersionIdRole = Qt.ItemDataRole.UserRole + 2  # full version id, or None
KindRole = Qt.ItemDataRole.UserRole + 3  # "saved", "restored", "renamed", "deleted", ...
SortRole = Qt.ItemDataRole.UserRole + 4  # a raw value to sort by (time, score, text)
IsCurrentRole = Qt.ItemDataRole.UserRole + 5

VERSION, AUTHOR, WHEN, MESSAGE, PARENT, RELEASES, SCORE = range(7)
HEADERS = ("Version", "Saved by", "When", "Note", "Based on", "Releases", "Score")
BATCH = 256
EVENT_WORDS = {"restored": "↺ restored", "renamed": "renamed", "deleted": "deleted",
               "undeleted": "brought back"}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def relative_time(when: datetime, now: datetime) -> str:
    """'just now', '5 minutes ago', '3 hours ago', 'yesterday 14:02', 'Tuesday 09:15',
    '12 Mar 14:02', '12 Mar 2025', in the computer's time zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local, today = when.astimezone(), now.astimezone()
    seconds = (now - when).total_seconds()
    if -60 < seconds < 60:
        return "just now"
    if 0 < seconds < 3600:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    clock = f"{local:%H:%M}"
    days = (today.date() - local.date()).days
    if 0 < seconds and days == 0:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    if days == 1:
        return f"yesterday {clock}"
    if 1 < days < 7:
        return f"{local:%A} {clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b %Y}"


def full_time(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone()
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M:%S} ({local:%Z})"


def short(version_id: str | None) -> str:
    return (version_id or "")[:12]


def first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line + (" …" if "\n" in text.strip() else "")


class HistoryModel(QAbstractTableModel):
    """Newest first. `show_events` adds restores, renames and deletions between versions."""

    def __init__(self, parent=None, *, now: Callable[[], datetime] = utc_now) -> None:
        super().__init__(parent)
        self._now = now
        self._all: list[Any] = []
        self._rows: list[Any] = []
        self._loaded = 0
        self._show_events = True
        self._by_id: dict[str, Any] | None = None
        self._changing = False

    # -- content --------------------------------------------------------------------------
    def set_entries(self, entries: Sequence[Any]) -> None:
        """Replace the rows (HistoryEntry objects, newest first). O(1) in the rows shown."""
        self._changing = True
        self.beginResetModel()
        self._all = list(entries)
        self._by_id = None
        self._filter()
        self.endResetModel()
        self._changing = False

    def complete_entries(self, entries: Sequence[Any]) -> None:
        """The whole list after its first rows were shown with `set_entries`: when the rows
        shown so far are unchanged, only the rest is added (selection and scroll stay);
        otherwise (someone saved in between) the rows are replaced."""
        entries = list(entries)
        if entries[:len(self._all)] != self._all:
            self.set_entries(entries)
            return
        self._all = entries
        self._by_id = None
        loaded = self._loaded
        self._rows = self._all if self._show_events else [e for e in self._all
                                                          if e.kind == "saved"]
        self._loaded = loaded

    def _filter(self) -> None:
        self._rows = self._all if self._show_events else [e for e in self._all
                                                          if e.kind == "saved"]
        self._loaded = min(BATCH, len(self._rows))

    @property
    def show_events(self) -> bool:
        return self._show_events

    def set_show_events(self, show: bool) -> None:
        if show == self._show_events:
            return
        self._changing = True
        self.beginResetModel()
        self._show_events = show
        self._filter()
        self.endResetModel()
        self._changing = False

    def entry(self, row: int) -> Any:
        return self._rows[row]

    @property
    def total(self) -> int:
        """Rows there are (loaded or not) with the current filter."""
        return len(self._rows)

    def versions(self) -> int:
        return sum(1 for e in self._all if e.kind == "saved")

    def current_entry(self) -> Any | None:
        return next((e for e in self._all if e.kind == "saved" and e.is_current), None)

    def find_version(self, version_id: str) -> Any | None:
        """The saved entry of a version id (for titles of a comparison)."""
        if self._by_id is None:
            self._by_id = {e.version_id: e for e in self._all if e.kind == "saved"}
        return self._by_id.get(version_id)

    def row_of(self, version_id: str) -> int | None:
        """The row of a version's saved entry, loading rows up to it if needed."""
        for row, e in enumerate(self._rows):
            if e.kind == "saved" and e.version_id == version_id:
                self.ensure_loaded(row)
                return row
        return None

    def ensure_loaded(self, row: int) -> None:
        if self._loaded <= row < len(self._rows):
            last = min(len(self._rows), (row // BATCH + 1) * BATCH)
            self._changing = True
            self.beginInsertRows(QModelIndex(), self._loaded, last - 1)
            self._loaded = last
            self.endInsertRows()
            self._changing = False

    # -- lazy loading ---------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and self._loaded < len(self._rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802
        if parent.isValid():
            return
        if self._changing:
            # Asked from inside our own change notification (a reset, an insertion): insert
            # once it is over, so that no two changes ever nest.
            QTimer.singleShot(0, self, lambda: self.fetchMore(QModelIndex()))
            return
        more = min(BATCH, len(self._rows) - self._loaded)
        if more <= 0:
            return
        self._changing = True
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()
        self._changing = False

    # -- the model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self._loaded

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == SCORE:
                return "Mean score of the latest test run that scored this version"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._loaded:
            return None
        e = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(e, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(e, column)
        if role == EntryRole:
            return e
        if role == VersionIdRole:
            return e.version_id
        if role == KindRole:
            return e.kind
        if role == IsCurrentRole:
            return bool(e.is_current)
        if role == SortRole:
            return self._sort_value(e, column)
        if role == Qt.ItemDataRole.FontRole:
            if e.is_current and e.kind == "saved":
                font = QFont()
                font.setBold(True)
                return font
            if e.kind != "saved":
                font = QFont()
                font.setItalic(True)
                return font
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if e.kind != "saved":
                return QColor("#6b7280")
            if column in (PARENT,) or (column == MESSAGE and not e.message):
                return QColor("#98a2b3")
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SCORE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._tooltip(e, column) or self._display(e, column)
        return None

    def _display(self, e: Any, column: int) -> str:
        if column == VERSION:
            if e.kind == "saved":
                return short(e.version_id) + ("  ● current" if e.is_current else "")
            word = EVENT_WORDS.get(e.kind, e.kind)
            return f"{word} {short(e.version_id)}".rstrip() if e.kind == "restored" else word
        if column == AUTHOR:
            return e.author or "—"
        if column == WHEN:
            return relative_time(e.time, self._now())
        if column == MESSAGE:
            return first_line(e.message) if e.message else ("(no note)" if e.kind == "saved"
                                                            else "")
        if column == PARENT:
            if e.kind == "restored":
                return f"was {short(e.parent_id)}" if e.parent_id else ""
            return short(e.parent_id) if e.parent_id else ("first version"
                                                           if e.kind == "saved" else "")
        if column == RELEASES:
            seen: list[str] = []
            for r in e.releases:
                label = f"{r.channel} #{r.number}"
                if label not in seen:
                    seen.append(label)
            return ", ".join(seen)
        if column == SCORE:
            return f"{e.score:.2f}" if e.score is not None else ""
        return ""

    def _tooltip(self, e: Any, column: int) -> str | None:
        if column == VERSION and e.version_id:
            return f"Version {e.version_id}" + (" (the current version)" if e.is_current else "")
        if column == WHEN:
            return full_time(e.time)
        if column == MESSAGE and e.message:
            return e.message
        if column == PARENT and e.parent_id:
            return (f"Before this restore the current version was {e.parent_id}"
                    if e.kind == "restored" else f"Saved from version {e.parent_id}")
        if column == RELEASES and e.releases:
            return "\n".join(f"{r.project} release {r.number} on {r.channel} "
                             f"({r.destination}), published {full_time(r.published_at)}"
                             for r in e.releases)
        if column == SCORE and e.score is not None:
            return (f"Mean score {e.score:.3f} over {e.scored_cases} case"
                    f"{'s' if e.scored_cases != 1 else ''} in the latest run that scored it")
        return None

    def _sort_value(self, e: Any, column: int) -> Any:
        if column == WHEN:
            return e.time.timestamp()
        if column == SCORE:
            return e.score if e.score is not None else -1.0
        if column == RELEASES:
            return len(e.releases)
        return self._display(e, column)
