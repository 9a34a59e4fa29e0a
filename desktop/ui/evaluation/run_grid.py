"""The run grid screen: filters and search above, the grid, the selected result on the side.

Connect a running run's results to `apply_result` and its end to `run_finished`; the grid fills
in cell by cell and the column totals follow (recounted in SQL at most every second, in a
thread)."""

from __future__ import annotations

import asyncio
import threading

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QButtonGroup, QHBoxLayout, QHeaderView, QLineEdit, QMenu, QProgressBar,
    QToolButton, QWidget,
)

from desktop.core.evaluators import HumanRating
from storage.workspace.db import Workspace
from storage.workspace.runs import Cancelled, ResultRecord

from ..tasks import TaskSet
from ..widgets import button, hbox, label, single_shot, splitter, vbox
from .common import EvaluationScreen, fmt_count, thumbs
from .frozen_table import FrozenColumnTable
from .grid_delegate import ROW_HEIGHT, ResultCellDelegate, TotalsHeader
from .grid_model import RunGridModel
from .result_panel import ResultPanel

FILTERS = (("All", None), ("Failures", "failures"), ("Errors", "errors"),
           ("Versions disagree", "disagree"))
TOTALS_EVERY_MS = 1000
SEARCH_DELAY_MS = 250
STATUS_WORDS = {"running": "running", "finished": "finished", "cancelled": "cancelled",
                "interrupted": "interrupted — resume it from the Run panel"}


class RunGridView(EvaluationScreen):
    """Shows one run at a time (`open_run`)."""

    rated = Signal(int)  # a result id, after a rating changed its score
    blind_requested = Signal(int)  # run id: the user asked for a blind A/B session
    compare_requested = Signal(int)  # run id: the user asked to compare it with another

    def __init__(self, workspace: Workspace, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, rater: str | None = None) -> None:
        super().__init__("evaluationPane", workspace, tasks, parent)
        self.model: RunGridModel | None = None
        self._filter: str | None = None
        self._filter_ticket = 0
        self._sort: tuple[tuple[int, str], bool] | None = None  # (column key, descending)
        self._cancel = threading.Event()

        self.title = label("No run open", "paneTitle")
        self.subtitle = label("", "hint")
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        filters = QHBoxLayout()
        filters.setSpacing(0)
        self.filter_buttons: dict[str | None, QToolButton] = {}
        for text, kind in FILTERS:
            segment = QToolButton()
            segment.setObjectName("segment")
            segment.setText(text)
            segment.setCheckable(True)
            segment.setChecked(kind is None)
            segment.clicked.connect(lambda _=False, k=kind: self.set_filter(k))
            self.filter_group.addButton(segment)
            self.filter_buttons[kind] = segment
            filters.addWidget(segment)
        self.search = QLineEdit()
        self.search.setObjectName("gridSearch")
        self.search.setPlaceholderText("Search outputs, errors, variables, expected…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search_timer = single_shot(self, "gridSearchDelay", SEARCH_DELAY_MS, self.refilter)
        self.search.textChanged.connect(lambda _: self.search_timer.start())
        self.count_label = label("", "hint")
        self.blind_button = button(
            "Blind A/B…", lambda: self.model and self.blind_requested.emit(self.model.run_id),
            tip="Compare two columns' outputs case by case without knowing which is which")
        self.compare_button = button(
            "Compare…", lambda: self.model and self.compare_requested.emit(self.model.run_id),
            tip="Compare this run with an earlier one")

        self.progress = QProgressBar()
        self.progress.setObjectName("gridProgress")
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%p%")
        self.progress_label = label("", "hint")
        self.cancel_button = button("Cancel", self.cancel_arrange, name="gridCancel",
                                    tip="Stop sorting or filtering; the grid stays as it was")
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.hide()

        self.table = FrozenColumnTable()
        self.table.setObjectName("runGrid")
        self.header = TotalsHeader(self.table)
        self.table.setHorizontalHeader(self.header)
        self.table.setItemDelegate(ResultCellDelegate(self.table))
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalScrollBar().setSingleStep(24)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        vertical.setMinimumWidth(44)
        vertical.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.header.setDefaultSectionSize(340)
        self.header.setToolTip("")
        self.header.sectionClicked.connect(self.sort_by_section)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        self.panel = ResultPanel(workspace, self.tasks, rater=rater)
        self.panel.rated.connect(self._rated)
        self.panel.setMinimumWidth(320)

        self.totals_timer = single_shot(self, "gridTotals", TOTALS_EVERY_MS, self.refresh_totals)

        bar = hbox(filters, 10, (self.search, 1), self.count_label, self.progress_label,
                   self.progress, self.cancel_button, 10, self.blind_button, self.compare_button)
        titles = vbox(self.title, self.subtitle, spacing=0)
        self.splitter = splitter(self.table, self.panel, stretch=(3, 1), sizes=[1000, 380],
                                 collapsible=True)
        vbox(titles, bar, (self.splitter, 1), margins=12, parent=self)
        self._enable(False)

    def _enable(self, on: bool) -> None:
        for widget in (self.search, self.blind_button, self.compare_button,
                       *self.filter_buttons.values()):
            widget.setEnabled(on)

    # -- opening -------------------------------------------------------------------------
    def open_run(self, run_id: int, *, live: bool = False) -> RunGridModel:
        """Show a run (stored or running). Cheap: rows load as they are scrolled to.
        `live`: this window is starting it now (it is running, even before its first call)."""
        old = self.model
        self.model = RunGridModel(self.workspace, run_id, self)
        if live:
            self.model.status = "running"
        self.table.setModel(self.model)
        if old is not None:
            old.deleteLater()
        self.table.selectionModel().currentChanged.connect(self._current_changed)
        self.header.resizeSection(0, 260)
        self._filter = None
        self._sort = None
        self.cancel_arrange()
        self.filter_buttons[None].setChecked(True)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.panel.clear()
        self._enable(True)
        self.blind_button.setEnabled(len(self.model.columns) >= 2)
        self._update_titles()
        self.tasks.spawn(self.refresh_totals_async())
        return self.model

    def _update_titles(self) -> None:
        model = self.model
        if model is None:
            return
        settings = model.run.settings or {}
        prompts = ", ".join(dict.fromkeys(v.get("prompt", "") for v in settings.get("versions", [])))
        self.title.setText(f"Run {model.run_id} · {prompts}")
        evaluators = settings.get("evaluators") or []
        gate = model.gate
        facts = [STATUS_WORDS.get(model.status, model.status),
                 f"{fmt_count(model.total_rows)} cases × {len(model.columns)} columns",
                 f"evaluators: {', '.join(evaluators)}" if evaluators else "no evaluators",
                 f"pass mark {gate:g}" if gate is not None else ""]
        if model.run.gate_passed is not None:
            facts.append("gate passed ✓" if model.run.gate_passed else "gate failed ✗")
        self.subtitle.setText("   ·   ".join(f for f in facts if f))
        self._update_count()

    def _update_count(self) -> None:
        model = self.model
        if model is None:
            self.count_label.setText("")
            return
        shown = model.rowCount()
        text = (f"{fmt_count(shown)} of {fmt_count(model.total_rows)} cases"
                if shown != model.total_rows else f"{fmt_count(shown)} cases")
        if self._sort is not None:
            text += " · by score, " + ("highest" if self._sort[1] else "lowest") + " first"
        self.count_label.setText(text)

    # -- live ----------------------------------------------------------------------------
    def apply_result(self, record: ResultRecord) -> None:
        """A result of the open run arrived (connect RunPanel.result_arrived here)."""
        if self.model is None:
            return
        self.model.apply_result(record)
        if not self.totals_timer.isActive():
            self.totals_timer.start()

    def run_finished(self, run_id: int | None = None) -> None:
        """The run stopped: read its final state (connect RunPanel.finished here)."""
        if self.model is None or (run_id is not None and run_id != self.model.run_id):
            return
        self.totals_timer.stop()
        self.model.refresh_status()
        self._update_titles()
        self.model.reload()
        self.refilter()
        self.tasks.spawn(self.refresh_totals_async())

    def refresh_totals(self) -> None:
        self.tasks.spawn(self.refresh_totals_async())

    async def refresh_totals_async(self) -> None:
        model = self.model
        if model is None:
            return
        totals = await asyncio.to_thread(model.load_totals)
        if model is self.model:
            model.set_totals(totals)

    # -- filters -------------------------------------------------------------------------
    def set_filter(self, kind: str | None) -> None:
        self._filter = kind
        self.filter_buttons[kind].setChecked(True)
        self.refilter()

    def refilter(self) -> None:
        self.tasks.spawn(self.refilter_async())

    def sort_by_section(self, section: int) -> None:
        """A click on a column's header sorts by its score (again: the other way); on the
        case column, back to the run's order."""
        model = self.model
        if model is None:
            return
        column = model.column_at(section)
        if column is None:
            self._sort = None
        elif self._sort is not None and self._sort[0] == column.key:
            self._sort = (column.key, not self._sort[1])
        else:
            self._sort = (column.key, False)
        self.refilter()

    def cancel_arrange(self) -> None:
        self._cancel.set()

    async def refilter_async(self) -> None:
        """Filter and sort in a thread, showing progress; a newer request or Cancel stops it."""
        model = self.model
        if model is None:
            return
        self._cancel.set()  # stop an earlier one
        cancel = self._cancel = threading.Event()
        self._filter_ticket += 1
        ticket = self._filter_ticket
        text = self.search.text().strip()
        sort = self._sort
        loop = asyncio.get_running_loop()
        verb = "Sorting" if sort else "Filtering"
        self.progress_label.setText(f"{verb} {fmt_count(model.total_rows * len(model.columns))} "
                                    "results…")
        self.progress.setValue(0)
        shown = False

        def show_progress(done: int, total: int) -> None:
            if ticket == self._filter_ticket and not cancel.is_set():
                self.progress.setValue(1000 * done // total if total else 1000)

        def progress(done: int, total: int) -> bool:
            if not cancel.is_set():
                loop.call_soon_threadsafe(show_progress, done, total)
            return not cancel.is_set()

        reveal = loop.call_later(0.15, lambda: ticket == self._filter_ticket and self._busy(True))
        try:
            rows = await asyncio.to_thread(model.arranged_rows, self._filter, text, sort, progress)
        except Cancelled:
            if ticket == self._filter_ticket:
                self._busy(False)
                self.count_label.setText("cancelled: the grid is as it was")
            return
        finally:
            reveal.cancel()
            shown = ticket == self._filter_ticket
        if shown:
            self._busy(False)
        if ticket != self._filter_ticket or model is not self.model:
            return
        self.header.sort = sort
        self.header.viewport().update()
        if rows is None and not model.filtered:
            self._update_count()
            return
        model.set_rows(rows)
        self.panel.clear()
        self._update_count()

    def _busy(self, on: bool) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(on)

    # -- selection, rating ---------------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        model = self.model
        if model is None or not current.isValid():
            self.panel.clear()
            return
        row = model.grid_row(current.row())
        column = model.column_at(current.column())
        cell = model.cell(current.row(), current.column()) if column else None
        result_id = model.result_id(current.row(), current.column()) if cell else None
        self.panel.show_cell(row, column, cell, result_id)

    def select_cell(self, position: int, section: int) -> None:
        if self.model is not None:
            index = self.model.index(position, section)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)

    def _rated(self, result_id: int, _combined) -> None:
        model = self.model
        if model is not None:
            current = self.table.currentIndex()
            model.reload([current.row()] if current.isValid() else None)
            self.tasks.spawn(self.refresh_totals_async())
        self.rated.emit(result_id)

    def _context_menu(self, point) -> None:
        index = self.table.indexAt(point)
        model = self.model
        if model is None or not index.isValid() or model.column_at(index.column()) is None:
            return
        self.table.setCurrentIndex(index)
        cell = model.cell(index.row(), index.column())
        menu = QMenu(self)
        can_rate = cell is not None and cell.error_kind is None and cell.output is not None
        up, down = thumbs()
        for text, thumb in ((f"{up}  Good", "up"), (f"{down}  Bad", "down")):
            action = QAction(text, menu)
            action.setEnabled(can_rate)
            action.triggered.connect(lambda _=False, t=thumb: self.quick_rate(t))
            menu.addAction(action)
        comment = QAction("Score or comment…", menu)
        comment.setEnabled(can_rate)
        comment.triggered.connect(lambda: self.panel.comment.setFocus())
        menu.addAction(comment)
        menu.addSeparator()
        copy = QAction("Copy output", menu)
        copy.setEnabled(cell is not None and bool(cell.output))
        copy.triggered.connect(self._copy_output)
        menu.addAction(copy)
        menu.popup(self.table.viewport().mapToGlobal(point))

    def quick_rate(self, thumb: str) -> None:
        if self.panel.result_id is not None:
            rating = HumanRating(thumb=thumb, comment=self.panel.comment.text().strip(),  # type: ignore[arg-type]
                                 rater=self.panel.rater)
            self.tasks.spawn(self.panel.rate_async(self.panel.result_id, rating))

    def _copy_output(self) -> None:
        cell = self.panel.cell
        if cell is not None and cell.output:
            QGuiApplication.clipboard().setText(cell.output)

    def shutdown(self) -> None:
        self.totals_timer.stop()
        self.search_timer.stop()
        self._cancel.set()
        self.tasks.cancel_all()
