"""The Logs window: filters above a paged table of logged calls, the selected call in full
beside it, and feedback and error rates per release below. Actions on the selected calls:
add them to a test set, open one in the playground, compare two releases; and Pull Logs….

Reads run on worker threads (`asyncio.to_thread` over desktop.core.logs.views); changes go
through the ops on the workspace's writer thread.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import QDialog, QHeaderView, QMenu, QWidget

from desktop.core.errors import USER_ERRORS
from desktop.core.logs import views
from storage.workspace.logs import CallFilter, CallRow

from ..tasks import TaskSet, Writer
from ..widgets import (MessageBar, button, hbox, label, make_action, resize_within, rows_table,
                       splitter, vbox)
from .detail import DetailPane
from .filters import FilterBar
from .model import COLUMNS, CallsModel, RowRole

_WIDTHS = {"Time (UTC)": 140, "Prompt": 130, "Release": 60, "Version": 70, "Variables": 230,
           "Output": 260, "Latency": 70, "Tokens": 70, "Cost": 70, "Feedback": 90}


class LogsWindow(QDialog):
    """Logged calls of every prompt, or of one (`prompt`), or only the calls `pks`."""

    playground_requested = Signal(object)  # views.PlaygroundSeed
    test_set_filled = Signal(str, str)  # prompt (or ""), test set name
    logs_pulled = Signal()

    def __init__(self, workspace, writer: Writer, parent: QWidget | None = None, *,
                 prompt: str | None = None, pks: tuple[int, ...] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logsWindow")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        resize_within(self, 1400, 900)
        self.workspace = workspace
        self.writer = writer
        self.tasks = TaskSet()
        self._detail_ticket = 0
        self.filters = FilterBar()
        if prompt is not None:
            self.filters.set_prompt(prompt)
        self.filters.pks = pks
        self.filters.changed.connect(self.apply_filter)
        self.model = CallsModel(workspace, self.tasks, self)
        self.model.reloaded.connect(self._reloaded)
        self.model.fetched.connect(self._show_count)
        self.table = rows_table(self.model, "logCalls", several=True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for i, name in enumerate(COLUMNS):
            header.resizeSection(i, _WIDTHS[name])
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.detail = DetailPane()
        self.count = label("", "logCount")
        self.count.setStyleSheet("color: #475467;")
        self.notice = MessageBar()

        self.a_pull = make_action(self, "&Pull Logs…", self.pull_logs)
        self.a_add = make_action(self, "&Add to Test Set…", self.add_to_test_set, "Ctrl+T")
        self.a_play = make_action(self, "Open in &Playground", self.open_in_playground,
                                  "Ctrl+P")
        self.a_compare = make_action(self, "&Compare Releases…", self.compare_releases)
        self.a_clear = make_action(self, "Show &Every Call", self.show_every_call)
        for a in (self.a_add, self.a_play):
            self.addAction(a)
        self.pull_button = button("Pull Logs…", self.pull_logs, name="pullLogs",
                                  tip="Read new logs from the folders or addresses your "
                                  "applications log to")
        self.add_button = button("Add to Test Set…", self.add_to_test_set, name="addToTestSet",
                                 tip="The selected calls become test cases: their variables, "
                                 "and the corrected output (else the output) as expected")
        self.play_button = button("Open in Playground", self.open_in_playground,
                                  name="openInPlayground",
                                  tip="The logged version with the logged variables, in a new tab")
        self.compare_button = button("Compare Releases…", self.compare_releases,
                                     name="compareReleases",
                                     tip="Outputs of two releases for the same variables")
        self.clear_button = button("Show every call", self.show_every_call, name="showEvery")
        self.clear_button.setVisible(pks is not None)
        from .chart import RatesChart

        self.chart = RatesChart(self.workspace, self.tasks)
        top = vbox(self.filters,
                   hbox(self.count, None, self.clear_button, self.pull_button, self.add_button,
                        self.play_button, self.compare_button, spacing=6),
                   margins=(10, 8, 10, 4), spacing=6)
        self.split = splitter(self.table, self.detail, stretch=(3, 2), sizes=[840, 540],
                              name="logsSplit")
        body = splitter(self.split, self.chart, vertical=True, stretch=(4, 1), sizes=[640, 170])
        self.setLayout(vbox(self.notice, top, (body, 1), margins=0, spacing=0))
        self._update_actions()
        self._update_title()
        self.finished.connect(lambda _r: self.shutdown())

    # -- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        """Offer what there is to filter on, then show the calls and the rates."""
        facets = await asyncio.to_thread(views.facets, self.workspace)
        self.filters.set_facets(facets)
        await self.apply_filter_async(self.filters.current())

    def apply_filter(self, f: CallFilter) -> None:
        self.tasks.spawn(self.apply_filter_async(f))

    async def apply_filter_async(self, f: CallFilter) -> None:
        self.count.setText("Looking…")
        self._update_title()
        await asyncio.gather(self.model.load(f), self.chart.load(f))

    async def refresh(self) -> None:
        """After a pull: new prompts, releases and calls."""
        await self.load()

    def _reloaded(self) -> None:
        self._show_count()
        self.table.setColumnHidden(COLUMNS.index("Prompt"), self.model.filter.prompt is not None)
        if self.model.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        elif not self.model.rows:
            self.detail.show_nothing(
                "No logged call matches these filters." if self.model.filter != CallFilter()
                else "No logs in this workspace yet. Pull Logs… reads them from the folder or "
                "address your applications log to (their log_to=).")
        self._update_actions()

    def _show_count(self) -> None:
        m = self.model
        text = f"{m.total:,}{'' if m.exact else ' or more'} call{'s' if m.total != 1 else ''}"
        text += " match" if m.filter != CallFilter() else " logged"
        if len(m.rows) < m.total or not m.exact:
            text += f" · showing the newest {len(m.rows):,}; scroll for more"
        self.count.setText(text)

    def _update_title(self) -> None:
        prompt = self.filters.prompt.currentData()
        self.setWindowTitle("Logs — " + (prompt or "all prompts"))

    # -- selection and detail --------------------------------------------------------------
    def selected_rows(self) -> list[CallRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.rows[r] for r in rows if r < len(self.model.rows)]

    def select(self, rows: list[int]) -> None:
        """Select these rows of the table (as Ctrl+clicks would)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for r in rows:
            selection.select(self.model.index(r, 0), flags)

    def _selection_changed(self) -> None:
        self._update_actions()
        index = self.table.currentIndex()
        row = index.data(RowRole) if index.isValid() else None
        chosen = self.selected_rows()
        if row is None or row not in chosen:
            row = chosen[0] if chosen else None
        if row is None:
            return
        self.tasks.spawn(self._show_detail(row.pk))

    async def _show_detail(self, pk: int) -> None:
        self._detail_ticket += 1
        ticket = self._detail_ticket
        try:
            view = await asyncio.to_thread(views.call, self.workspace, pk)
        except USER_ERRORS as exc:
            if ticket == self._detail_ticket:
                self.detail.show_nothing(str(exc))
            return
        if ticket == self._detail_ticket:
            self.detail.show_call(view)

    def _update_actions(self) -> None:
        chosen = bool(self.table.selectionModel().hasSelection())
        for a in (self.a_add, self.add_button):
            a.setEnabled(chosen)
        for a in (self.a_play, self.play_button):
            a.setEnabled(len(self.selected_rows()) == 1)
        releases = self.filters.release.count() - 1
        for a in (self.a_compare, self.compare_button):
            a.setEnabled(releases >= 2)

    def _menu(self, pos) -> None:
        if self.table.indexAt(pos).isValid() and not self.table.selectionModel().isRowSelected(
                self.table.indexAt(pos).row()):
            self.table.selectRow(self.table.indexAt(pos).row())
        menu = QMenu(self)
        for a in (self.a_add, self.a_play, self.a_compare, None, self.a_pull):
            menu.addSeparator() if a is None else menu.addAction(a)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def show_every_call(self) -> None:
        self.clear_button.setVisible(False)
        self.filters.set_only(None)

    # -- actions (actions.py) --------------------------------------------------------------
    def pull_logs(self) -> None:
        from .pull_dialog import PullDialog

        dialog = PullDialog(self.workspace, self.writer, self)
        dialog.pulled.connect(lambda: self.tasks.spawn(self.refresh()))
        dialog.pulled.connect(self.logs_pulled)
        dialog.finished.connect(lambda _r: self.tasks.spawn(self._forget(dialog)))
        dialog.open()
        dialog.tasks.spawn(dialog.load())

    async def _forget(self, dialog) -> None:
        from ..tasks import delete_when_done

        await delete_when_done(dialog, dialog.tasks.wait)

    def add_to_test_set(self) -> None:
        from .actions import add_to_test_set

        rows = self.selected_rows()
        if rows:
            self.tasks.spawn(add_to_test_set(self, rows))

    def open_in_playground(self) -> None:
        from .actions import open_in_playground

        rows = self.selected_rows()
        if len(rows) == 1:
            self.tasks.spawn(open_in_playground(self, rows[0]))

    def compare_releases(self) -> None:
        from .actions import compare_releases

        self.tasks.spawn(compare_releases(self))

    def shutdown(self) -> None:
        self.filters.debounce.stop()
        self.tasks.cancel_all()
        self.chart.shutdown()
