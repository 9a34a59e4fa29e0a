"""The table of logged calls: a lazy, paged item model over `views.calls`.

It holds the rows fetched so far and the count of all that match. The first page comes with
the count; further pages come as the view scrolls near the end (`fetchMore`), each read on a
worker thread, so 100,000 calls open as fast as ten. Changing the filter starts again; a page
that arrives for an older filter is dropped.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from desktop.core.logs import views
from desktop.core.logs.text import preview, variables_preview
from storage.workspace.logs import CallFilter, CallRow

RowRole = Qt.ItemDataRole.UserRole + 1  # the CallRow
PAGE = 200

COLUMNS = ("Time (UTC)", "Prompt", "Release", "Version", "Variables", "Output", "Latency",
           "Tokens", "Cost", "Feedback")
_NUMBERS = {"Release", "Latency", "Tokens", "Cost"}
_ERROR = QColor("#b42318")
_GOOD = QColor("#067647")


def feedback_text(row: CallRow) -> str:
    others = row.feedback - row.negative - row.positive
    parts = (f"👎 {row.negative}" if row.negative else "",
             f"👍 {row.positive}" if row.positive else "",
             f"{others} note{'s' if others != 1 else ''}" if others else "",
             "corrected" if row.corrected else "")
    return "  ".join(part for part in parts if part)


def cell(row: CallRow, column: str) -> str:
    """What one cell shows (previews are one line, control characters made visible)."""
    if column == "Time (UTC)":
        return f"{row.time:%Y-%m-%d %H:%M:%S}"
    if column == "Prompt":
        return row.prompt
    if column == "Release":
        return "—" if row.release is None else str(row.release)
    if column == "Version":
        return row.version_id[:8]
    if column == "Variables":
        return variables_preview(row.variables_preview, 70)
    if column == "Output":
        if row.error_preview is not None:
            return "Error: " + preview(row.error_preview, 70)
        return "(no output)" if row.output_preview is None else (
            preview(row.output_preview, 80) or "(empty)")
    if column == "Latency":
        return "" if row.latency_ms is None else f"{row.latency_ms:,.0f} ms"
    if column == "Tokens":
        if row.tokens_in is None and row.tokens_out is None:
            return ""
        return f"{row.tokens_in if row.tokens_in is not None else '?'} → " \
               f"{row.tokens_out if row.tokens_out is not None else '?'}"
    if column == "Cost":
        return "" if row.cost is None else f"${row.cost:.4f}"
    if column == "Feedback":
        return feedback_text(row)
    raise KeyError(column)


class CallsModel(QAbstractTableModel):
    """Rows of `views.calls` for one filter, fetched a page at a time."""

    reloaded = Signal()  # the first page of a new filter is in (total known)
    fetched = Signal()  # another page is in
    failed = Signal(str)

    def __init__(self, workspace, tasks, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.tasks = tasks
        self.filter = CallFilter()
        self.rows: list[CallRow] = []
        self.total = 0
        self.exact = True  # False: a text search found at least `total` calls, maybe more
        self.loading = False
        self._ticket = 0
        self._fetching = False

    # -- loading ---------------------------------------------------------------------------
    async def load(self, f: CallFilter) -> None:
        """Show the calls matching `f` (its first page, and how many there are)."""
        self._ticket += 1
        ticket = self._ticket
        self.loading = True
        try:
            page = await asyncio.to_thread(views.calls, self.workspace, f, limit=PAGE)
        finally:
            if ticket == self._ticket:
                self.loading = False
        if ticket != self._ticket:
            return  # a newer filter is on its way
        self.beginResetModel()
        self.filter, self.rows, self.total = f, list(page.rows), page.total
        self.exact = page.exact
        self._fetching = False
        self.endResetModel()
        self.reloaded.emit()

    async def reload(self) -> None:
        await self.load(self.filter)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return (not parent.isValid() and not self._fetching
                and (len(self.rows) < self.total or not self.exact))

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self._fetching = True
            self.tasks.spawn(self._fetch(self._ticket))

    async def _fetch(self, ticket: int) -> None:
        try:
            page = await asyncio.to_thread(views.calls, self.workspace, self.filter, limit=PAGE,
                                           offset=len(self.rows), count=False)
        finally:
            if ticket == self._ticket:
                self._fetching = False
        if ticket != self._ticket:
            return
        if not self.exact and len(page.rows) < PAGE:  # the last page: now the count is known
            self.total, self.exact = len(self.rows) + len(page.rows), True
        if not page.rows:
            return
        known = {r.pk for r in self.rows[-PAGE:]}
        fresh = [r for r in page.rows if r.pk not in known]  # calls pulled meanwhile shift pages
        if fresh:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self.rows.extend(fresh)
            self.endInsertRows()
        self.total = max(self.total, len(self.rows))
        self.fetched.emit()

    async def fetch_all_up_to(self, count: int) -> None:
        """Fetch pages until `count` rows are in (or all are): for selecting far down."""
        while len(self.rows) < (count if not self.exact else min(count, self.total)):
            before = len(self.rows)
            self._fetching = True
            await self._fetch(self._ticket)
            if len(self.rows) == before:
                break

    # -- the model -------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell(row, column)
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column in ("Variables", "Output", "Version"):
            if column == "Version":
                return row.version_id
            if column == "Variables":
                return variables_preview(row.variables_preview, 400)
            return preview(row.error_preview if row.error_preview is not None
                           else row.output_preview, 400)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == "Output" and row.error_preview is not None:
                return _ERROR
            if column == "Feedback" and (row.negative or row.positive):
                return _ERROR if row.negative else _GOOD
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def row_at(self, row: int) -> CallRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None
