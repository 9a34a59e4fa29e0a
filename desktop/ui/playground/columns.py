"""The model columns side by side, one of them starred: its model is saved with the prompt."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QToolButton, QWidget

from ..catalog import ProvidersCatalog
from ..tasks import TaskSet
from .column import ModelColumn
from .state import MAX_COLUMNS, ColumnState


class ColumnsArea(QWidget):
    setting_changed = Signal(int, str, object, object, str)
    run_requested = Signal(int)
    reply_requested = Signal(int, object)
    providers_requested = Signal()
    shorten_requested = Signal()
    outputs_changed = Signal()
    answered = Signal()  # a column's run ended with an answer

    def __init__(self, catalog: ProvidersCatalog, tasks: TaskSet,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.tasks = tasks
        self.columns: list[ModelColumn] = []
        self._next_uid = 1
        self.primary_uid = 0
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(8)
        self.add_button = QToolButton()
        self.add_button.setObjectName("addColumn")
        self.add_button.setText("+")
        self.add_button.setToolTip("Add a model column to compare side by side")
        self.add_button.clicked.connect(lambda: self.add_column())
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        box.addWidget(self.splitter, 1)
        box.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)

    def column(self, uid: int) -> ModelColumn | None:
        for column in self.columns:
            if column.uid == uid:
                return column
        return None

    def set_columns(self, states: list[ColumnState], primary: int) -> None:
        for column in list(self.columns):
            self._drop(column)
        for state in states:
            self._add(state)
        self.set_primary(self.columns[primary if 0 <= primary < len(self.columns) else 0].uid)

    def add_column(self, state: ColumnState | None = None) -> ModelColumn | None:
        """A new column; by default on a provider no other column uses yet."""
        if len(self.columns) >= MAX_COLUMNS:
            return None
        if state is None:
            used = {c.state.provider for c in self.columns}
            free = [p for p in self.catalog.providers if p.name not in used]
            pick = free[0] if free else (self.catalog.providers[0] if self.catalog.providers else None)
            last = self.columns[-1].state if self.columns else ColumnState()
            state = ColumnState(provider=pick.name if pick else None,
                                model=pick.model if pick else "",
                                params=dict(last.params), response_format=last.response_format)
        column = self._add(state)
        self._even_sizes()
        self.outputs_changed.emit()
        return column

    def _add(self, state: ColumnState) -> ModelColumn:
        column = ModelColumn(self._next_uid, state, self.catalog, self.tasks)
        self._next_uid += 1
        column.setting_changed.connect(self.setting_changed)
        column.run_requested.connect(self.run_requested)
        column.reply_requested.connect(self.reply_requested)
        column.providers_requested.connect(self.providers_requested)
        column.shorten_requested.connect(self.shorten_requested)
        column.run_finished.connect(lambda _uid: self.outputs_changed.emit())
        column.run_finished.connect(
            lambda _uid, c=column: c.shown is not None and c.shown.status == "done"
            and self.answered.emit())
        column.remove_requested.connect(self.remove_column)
        column.primary_requested.connect(self._primary_requested)
        self.columns.append(column)
        self.splitter.addWidget(column)
        self._update_controls()
        return column

    def remove_column(self, uid: int) -> None:
        column = self.column(uid)
        if column is None or len(self.columns) == 1:
            return
        self._drop(column)
        if uid == self.primary_uid:
            self.set_primary(self.columns[0].uid)
        self._even_sizes()
        self.outputs_changed.emit()

    def _drop(self, column: ModelColumn) -> None:
        column.shutdown()
        self.columns.remove(column)
        column.hide()
        column.setParent(None)
        column.deleteLater()
        self._update_controls()

    def _update_controls(self) -> None:
        self.add_button.setEnabled(len(self.columns) < MAX_COLUMNS)
        for column in self.columns:
            column.remove_action.setEnabled(len(self.columns) > 1)

    def _even_sizes(self) -> None:
        if self.columns:
            width = max(self.splitter.width(), 200 * len(self.columns))
            self.splitter.setSizes([width // len(self.columns)] * len(self.columns))

    def _primary_requested(self, uid: int) -> None:
        if uid != self.primary_uid:
            old = self.primary_uid
            self.set_primary(uid)
            self.setting_changed.emit(uid, "primary", old, uid, "the model saved with the prompt")

    def set_primary(self, uid: int) -> None:
        self.primary_uid = uid
        for column in self.columns:
            column.set_primary(column.uid == uid)

    def primary_index(self) -> int:
        for i, column in enumerate(self.columns):
            if column.uid == self.primary_uid:
                return i
        return 0

    def apply_setting(self, uid: int, key: str, value: Any) -> bool:
        """For undo and redo: False when the column is gone."""
        if key == "primary":
            if self.column(value) is None:
                return False
            self.set_primary(value)
            return True
        column = self.column(uid)
        if column is None:
            return False
        column.apply_setting(key, value)
        return True

    def states(self) -> list[ColumnState]:
        return [c.state for c in self.columns]

    @property
    def running(self) -> int:
        return sum(1 for c in self.columns if c.is_running)

    def cancel_all(self) -> None:
        for column in self.columns:
            column.cancel()

    def shutdown(self) -> None:
        for column in self.columns:
            column.shutdown()
