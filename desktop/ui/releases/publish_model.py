"""The Publish dialog's table: every prompt, whether it goes into the release, at which version,
its test results, and what it changes compared with the channel's live release."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.core.releases import Choice, Gate, GateStatus, Kind, PromptChange, VersionOption
from storage.releases.content import PromptContent, version_id

from .rows import ROW_ROLE, PlainRowsModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 2

GATE_COLOURS = {GateStatus.PASSED: "#067647", GateStatus.FAILED: "#b42318",
                GateStatus.NOT_RUN: "#b54708", GateStatus.UNGATED: "#4b5563",
                GateStatus.NO_TESTS: "#6b7280"}
KIND_TEXT = {Kind.CHANGED: "Changed", Kind.ADDED: "Added", Kind.REMOVED: "Removed",
             Kind.UNCHANGED: "Unchanged"}
KIND_COLOURS = {Kind.CHANGED: "#1d3f99", Kind.ADDED: "#067647", Kind.REMOVED: "#b42318",
                Kind.UNCHANGED: "#6b7280"}


@dataclass(eq=False)
class PublishRow:
    """One prompt: from the workspace (with versions), the live release, or both."""

    name: str
    options: tuple[VersionOption, ...] = ()  # workspace versions, newest first
    current_pk: int | None = None  # the workspace's current version
    live: PromptContent | None = field(default=None, repr=False)
    live_id: str | None = None
    included: bool = False
    chosen_pk: int | None = None  # None: the live version as published
    choice: Choice | None = None  # content and gate of chosen_pk, once loaded
    touched: bool = False  # the user chose; a refresh of the live release keeps it

    @property
    def in_workspace(self) -> bool:
        return bool(self.options)

    def option(self, pk: int | None) -> VersionOption | None:
        return next((o for o in self.options if o.pk == pk), None)

    @property
    def version_id(self) -> str | None:
        if self.chosen_pk is None:
            return self.live_id
        option = self.option(self.chosen_pk)
        return option.version_id if option else None

    @property
    def content(self) -> PromptContent | None:
        if self.chosen_pk is None:
            return self.live
        if self.choice is not None and self.choice.version_pk == self.chosen_pk:
            return self.choice.content
        return None

    @property
    def gate(self) -> Gate | None:
        if self.chosen_pk is None:
            return None
        if self.choice is not None and self.choice.version_pk == self.chosen_pk:
            return self.choice.gate
        return None

    @property
    def problem(self) -> str | None:
        return self.choice.problem if self.choice is not None else None

    @property
    def kind(self) -> Kind | None:
        if not self.included:
            return Kind.REMOVED if self.live is not None else None
        if self.live is None:
            return Kind.ADDED
        return Kind.UNCHANGED if self.version_id == self.live_id else Kind.CHANGED

    def change(self) -> PromptChange | None:
        kind = self.kind
        if kind is None:
            return None
        new = None if kind is Kind.REMOVED else self.content
        if kind is not Kind.REMOVED and new is None:
            return None  # not loaded yet
        return PromptChange(self.name, kind, self.live, new)

    def default_choice(self) -> None:
        """The version to offer: the workspace's current one, unless the live version is one
        this workspace has never seen (someone else published it): then keep the live one."""
        known = {o.version_id for o in self.options}
        if self.live_id is not None and self.live_id not in known:
            self.chosen_pk = None
        else:
            self.chosen_pk = self.current_pk

    def version_text(self) -> str:
        if self.chosen_pk is None:
            return f"{(self.live_id or '')[:8]} (live; not in your history)"
        option = self.option(self.chosen_pk)
        if option is None:
            return ""
        text = f"{option.version_id[:8]} · {option.created_at:%Y-%m-%d}"
        if option.pk == self.current_pk:
            text += " (current)"
        return text


class PublishTableModel(PlainRowsModel[PublishRow]):
    titles = ("Prompt", "Version", "Tests", "Change vs live")

    # -- the rows ----------------------------------------------------------------------------
    def row_changed(self, row: PublishRow) -> None:
        try:
            i = self.rows.index(row)
        except ValueError:
            return
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.titles) - 1))

    def included(self) -> list[PublishRow]:
        return [r for r in self.rows if r.included]

    # -- Qt ---------------------------------------------------------------------------------
    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if row.included else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            return self._text(row, column, role == SORT_ROLE)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        if role == Qt.ItemDataRole.FontRole and column == 0 and not row.in_workspace:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def _text(self, row: PublishRow, column: int, sort: bool) -> Any:
        if column == 0:
            return row.name
        if column == 1:
            return row.version_text()
        if column == 2:
            if row.problem:
                return "Cannot publish"
            if not row.included:
                return ""
            if row.chosen_pk is None:
                return "Not in this workspace"
            gate = row.gate
            return gate.label if gate else "…"
        kind = row.kind
        if sort:
            return 9 if kind is None else ("changed", "added", "removed", "unchanged").index(kind)
        return KIND_TEXT[kind] if kind else "Not in this release"

    def _tooltip(self, row: PublishRow, column: int) -> str | None:
        if column == 0:
            if not row.in_workspace:
                return f"{row.name}\nOnly in the live release: not in this workspace."
            return row.name
        if column == 2:
            if row.problem:
                return row.problem
            gate = row.gate
            return gate.describe() if gate else None
        if column == 3 and row.kind is Kind.REMOVED:
            return "Unticked: the new release will not contain it, and apps asking for it " \
                   "will not find it."
        return None

    def _colour(self, row: PublishRow, column: int) -> QBrush | None:
        if column == 2 and row.problem:
            return QBrush(QColor("#b42318"))
        if column == 2 and row.gate is not None:
            return QBrush(QColor(GATE_COLOURS[row.gate.status]))
        if column == 3 and row.kind is not None:
            return QBrush(QColor(KIND_COLOURS[row.kind]))
        if column == 3:
            return QBrush(QColor("#9ca3af"))
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,  # noqa: N802
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0 or \
                role != Qt.ItemDataRole.CheckStateRole:
            return False
        row = self.rows[index.row()]
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        if row.included == checked:
            return True
        row.included = checked
        row.touched = True
        self.row_changed(row)
        return True


def changed_summary(rows: list[PublishRow]) -> dict[Kind, int]:
    count = {kind: 0 for kind in Kind}
    for row in rows:
        if row.kind is not None:
            count[row.kind] += 1
    return count


def live_version_ids(prompts: dict[str, PromptContent]) -> dict[str, str]:
    return {name: version_id(content) for name, content in prompts.items()}
