"""A run as a table: rows are cases, columns the case then each version x provider.

Built for 100,000 results. Nothing is loaded up front but the run's settings: rows come from
SQLite a page at a time when the view asks for them (`storage.workspace.runs.load_rows`, a few
milliseconds a page), kept in a small LRU of pages, like Anki's browser table. A filter is a
list of row numbers computed in SQL (`filter_rows`), not a proxy that would touch every row.
Results arriving from a running run change one cell (`dataChanged` for that cell), never the
whole table; the last few thousand are also kept aside so that a page read before the writer
thread committed them still shows them.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from desktop.core.ops.runs import RunGrid
from storage.workspace.db import Workspace
from storage.workspace.models import Run
from storage.workspace.runs import (CellView, Column, ColumnTotals, GridRow, ResultRecord,
                                    ScoreView)

from .. import words
from .common import error_title, fmt_cost, fmt_ms, fmt_rate, fmt_score, one_line

Index = QModelIndex | QPersistentModelIndex

CellRole = Qt.ItemDataRole.UserRole + 1  # CellView or None (no result yet)
GridRowRole = Qt.ItemDataRole.UserRole + 2  # GridRow of the index's row
StatusRole = Qt.ItemDataRole.UserRole + 3  # "pass" "fail" "error" "done" "pending" / "case"
ColumnRole = Qt.ItemDataRole.UserRole + 4  # headerData: the Column (None for the case column)
TotalsRole = Qt.ItemDataRole.UserRole + 5  # headerData: ColumnTotals or None
RowNumberRole = Qt.ItemDataRole.UserRole + 6  # the case's row in the run (0-based)

PAGE_SIZE = 50
MAX_PAGES = 80  # 4,000 rows in memory at most
RECENT_RESULTS = 4096
GRID_PREVIEW_CHARS = 600  # a cell shows a few lines; the side panel reads the whole output
LIVE_PREVIEW_CHARS = GRID_PREVIEW_CHARS


def status_of(cell: CellView | None) -> str:
    if cell is None:
        return "pending"
    if cell.error_kind:
        return "error"
    if cell.passed is True:
        return "pass"
    if cell.passed is False:
        return "fail"
    return "done"


def live_cell(record: ResultRecord) -> CellView:
    """A result that has just arrived, as the grid shows it (its id is not known yet: -1)."""
    output = record.output
    preview = output[:LIVE_PREVIEW_CHARS] if output is not None else None
    scores = tuple(ScoreView(id=-1, evaluator=s.evaluator, kind=s.kind, value=s.value,
                             passed=s.passed, reason=s.reason, error=s.error, weight=s.weight,
                             rater=s.rater) for s in record.scores)
    return CellView(
        result_id=-1, row=record.row, version_pk=record.version_pk, provider=record.provider,
        model=record.model, output=preview, output_chars=len(output or ""),
        truncated=output is not None and len(output) > LIVE_PREVIEW_CHARS,
        error_kind=record.error_kind, error_message=record.error_message,
        tokens_in=record.tokens_in, tokens_out=record.tokens_out, cost=record.cost,
        latency_ms=record.latency_ms, ttft_ms=record.ttft_ms, finish_reason=record.finish_reason,
        score=record.score, passed=record.passed, cached=record.cached,
        attempts=record.attempts, scores=scores)


def case_summary(row: GridRow, limit: int = 160) -> str:
    if row.case_id is None and not row.variables:
        return "(case deleted from the test set)"
    parts = [f"{k}: {one_line(str(v), limit)}" for k, v in row.variables.items()]
    return "\n".join(parts) if parts else "(no variables)"


def cell_tooltip(cell: CellView | None, column: Column) -> str:
    if cell is None:
        return f"{column.label}: no result yet"
    lines = [column.label]
    if cell.error_kind:
        lines.append(f"{error_title(cell.error_kind)}: {cell.error_message or ''}"[:600])
    else:
        lines.append(f"Score {fmt_score(cell.score)}"
                     + {True: " · passed", False: " · failed"}.get(cell.passed, ""))
        for score in cell.scores:
            mark = {True: "✓", False: "✗"}.get(score.passed, "·")
            detail = score.error or score.reason
            lines.append(f"  {mark} {score.evaluator}: {fmt_score(score.value)}"
                         + (f" — {detail[:160]}" if detail else ""))
        tokens = (cell.tokens_in or 0) + (cell.tokens_out or 0)
        lines.append(f"{tokens:,} tokens · {fmt_cost(cell.cost)} · {fmt_ms(cell.latency_ms)}"
                     + (" · from cache" if cell.cached else ""))
    return "\n".join(lines)


class RunGridModel(QAbstractTableModel):
    """One run. `apply_result` for live results; `set_rows` to filter; `reload` after a change
    made elsewhere (a rating). Reads SQLite on the GUI thread a page at a time (milliseconds);
    totals and filters are computed by the caller off the thread (`load_totals`,
    `filtered_rows`)."""

    totals_changed = Signal()

    def __init__(self, workspace: Workspace, run_id: int, parent=None, *,
                 page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.run_id = run_id
        self.page_size = page_size
        self.max_pages = max_pages
        self.source = RunGrid(workspace, run_id)
        self.run: Run = self.source.run
        self.status = self.source.status
        self.columns: list[Column] = self.source.columns
        self._col_of = {c.key: i + 1 for i, c in enumerate(self.columns)}
        self.total_rows = self.source.total_rows
        self.gate: float | None = (self.run.settings or {}).get("gate")
        self._visible: list[int] | None = None
        self._position: dict[int, int] | None = None
        self._pages: OrderedDict[int, list[GridRow]] = OrderedDict()
        self._recent: OrderedDict[tuple[int, tuple[int, str]], CellView] = OrderedDict()
        self._totals: dict[tuple[int, str], ColumnTotals] = {}
        self.pages_loaded = 0  # for tests and the benchmark

    # -- shape ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid():
            return 0
        return self.total_rows if self._visible is None else len(self._visible)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns) + 1

    def column_at(self, section: int) -> Column | None:
        return self.columns[section - 1] if 1 <= section <= len(self.columns) else None

    def section_of(self, key: tuple[int, str]) -> int | None:
        return self._col_of.get(key)

    def row_number(self, position: int) -> int:
        return position if self._visible is None else self._visible[position]

    def position_of(self, row: int) -> int | None:
        if self._visible is None:
            return row if 0 <= row < self.total_rows else None
        return self._position.get(row) if self._position is not None else None

    @property
    def filtered(self) -> bool:
        return self._visible is not None

    # -- loading -------------------------------------------------------------------------
    def _page(self, number: int) -> list[GridRow]:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        start = number * self.page_size
        stop = min(start + self.page_size, self.rowCount())
        if self._visible is None:
            rows = self.source.rows(start, stop, GRID_PREVIEW_CHARS)
        else:
            rows = self.source.rows_at(self._visible[start:stop], GRID_PREVIEW_CHARS)
        page = [self._merge_recent(r) for r in rows]
        self._pages[number] = page
        self.pages_loaded += 1
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        return page

    def _merge_recent(self, row: GridRow) -> GridRow:
        if not self._recent:
            return row
        cells = dict(row.cells)
        changed = False
        for column in self.columns:
            key = (row.row, column.key)
            recent = self._recent.get(key)
            if recent is None:
                continue
            if column.key in cells:
                del self._recent[key]  # stored now: the stored one has its id
            else:
                cells[column.key] = recent
                changed = True
        return dataclasses.replace(row, cells=cells) if changed else row

    def grid_row(self, position: int) -> GridRow | None:
        if not 0 <= position < self.rowCount():
            return None
        page = self._page(position // self.page_size)
        offset = position % self.page_size
        return page[offset] if offset < len(page) else None

    def cell(self, position: int, section: int) -> CellView | None:
        column = self.column_at(section)
        row = self.grid_row(position)
        if column is None or row is None:
            return None
        return row.cells.get(column.key)

    # -- data ----------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, CellRole,
                        GridRowRole, StatusRole, RowNumberRole,
                        Qt.ItemDataRole.AccessibleTextRole):
            return None
        row = self.grid_row(index.row())
        if row is None:
            return None
        if role == GridRowRole:
            return row
        if role == RowNumberRole:
            return row.row
        column = self.column_at(index.column())
        if column is None:  # the case column
            if role == StatusRole:
                return "case"
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return case_summary(row)
            if role == Qt.ItemDataRole.ToolTipRole:
                expected = f"\n\nExpected output:\n{row.expected[:800]}" if row.expected else ""
                notes = f"\n\nNotes: {row.notes[:400]}" if row.notes else ""
                return f"Case {row.row + 1}\n{case_summary(row, 400)}{expected}{notes}"
            return None
        cell = row.cells.get(column.key)
        if role == CellRole:
            return cell
        if role == StatusRole:
            return status_of(cell)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(cell, column)
        if cell is None:
            return ""
        if cell.error_kind:
            return f"{error_title(cell.error_kind)}: {one_line(cell.error_message or '', 200)}"
        return one_line(cell.output or "", 200)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < self.rowCount():
                return str(self.row_number(section) + 1)
            return None
        if not 0 <= section < self.columnCount():
            return None
        column = self.column_at(section)
        if role == ColumnRole:
            return column
        if role == TotalsRole:
            return self._totals.get(column.key) if column else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column is None:
                return f"Case ({self.total_rows:,})"
            totals = self._totals.get(column.key)
            lines = [f"{column.prompt}@{column.version_id[:8]}", column.provider]
            if totals is not None:
                lines += [f"pass {fmt_rate(totals.pass_rate)} · mean {fmt_score(totals.mean_score)}",
                          f"{fmt_cost(totals.cost)} · "
                          + words.typical_slow(fmt_ms(totals.p50_ms), fmt_ms(totals.p95_ms)),
                          f"{totals.done:,}/{totals.total:,} done · {totals.errors:,} errors"]
            if role == Qt.ItemDataRole.ToolTipRole and column.model:
                lines.insert(2, f"model {column.model}")
            if role == Qt.ItemDataRole.ToolTipRole:
                lines += ["", words.TYPICAL_SLOW_TIP]
            return "\n".join(lines)
        return None

    # -- changes -------------------------------------------------------------------------
    def apply_result(self, record: ResultRecord) -> None:
        """A result of this run arrived: show it in its cell (one dataChanged)."""
        section = self._col_of.get((record.version_pk, record.provider))
        if section is None:
            return
        cell = live_cell(record)
        key = (record.row, (record.version_pk, record.provider))
        self._recent[key] = cell
        self._recent.move_to_end(key)
        while len(self._recent) > RECENT_RESULTS:
            self._recent.popitem(last=False)
        position = self.position_of(record.row)
        if position is None:
            return
        page = self._pages.get(position // self.page_size)
        if page is None:
            return  # not on screen: it is read from the workspace when scrolled to
        offset = position % self.page_size
        if offset < len(page):
            row = page[offset]
            page[offset] = dataclasses.replace(row, cells={**row.cells, key[1]: cell})
            index = self.index(position, section)
            self.dataChanged.emit(index, index)

    def set_rows(self, rows: Sequence[int] | None) -> None:
        """Show only these rows, in this order (row numbers), or every row (None)."""
        self.beginResetModel()
        self._visible = None if rows is None else list(rows)
        self._position = None if rows is None else {r: i for i, r in enumerate(self._visible)}
        self._pages.clear()
        self.endResetModel()

    def reload(self, positions: Sequence[int] | None = None) -> None:
        """Read rows again (all, or the pages holding `positions`) and repaint them."""
        if self.rowCount() == 0:
            return
        if positions is None:
            self._pages.clear()
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))
            return
        for position in positions:
            self._pages.pop(position // self.page_size, None)
            self.dataChanged.emit(self.index(position, 0),
                                  self.index(position, self.columnCount() - 1))

    def refresh_status(self) -> str:
        self.status = self.source.refresh()
        self.run = self.source.run
        return self.status

    # -- computed off the GUI thread by the caller -----------------------------------------
    def load_totals(self) -> list[ColumnTotals]:
        """Every column's figures (SQL; ~100 ms at 100,000 results): call in a thread."""
        return self.source.totals()

    def set_totals(self, totals: Sequence[ColumnTotals]) -> None:
        self._totals = {t.column.key: t for t in totals}
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
        self.totals_changed.emit()

    def totals(self) -> list[ColumnTotals | None]:
        return [self._totals.get(c.key) for c in self.columns]

    def filtered_rows(self, kind: str | None, search: str | None) -> list[int] | None:
        """Row numbers for a filter (SQL): call in a thread. None means every row."""
        return self.source.filter(kind, search)

    def arranged_rows(self, kind: str | None, search: str | None,
                      sort: tuple[tuple[int, str], bool] | None, progress=None) -> list[int] | None:
        """Row numbers for a filter and a sort by one column's score (SQL, in steps that call
        `progress(done, total)`; False from it cancels): call in a thread."""
        return self.source.arrange(kind, search, sort, progress)

    def result_id(self, position: int, section: int) -> int | None:
        """The stored id of a cell's result (a live cell's is looked up)."""
        cell = self.cell(position, section)
        if cell is None:
            return None
        if cell.result_id >= 0:
            return cell.result_id
        return self.source.result_id(cell.row, cell.version_pk, cell.provider)
