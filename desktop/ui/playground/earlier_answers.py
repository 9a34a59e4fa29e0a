"""A column's earlier runs as a list model, so a rerun can be compared with the last one."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from .params import format_seconds, summary
from .state import RunRecord

RunRole = Qt.ItemDataRole.UserRole + 1
STATUS_WORDS = {"running": "running…", "cancelled": "stopped", "failed": "failed"}


def run_label(number: int, run: RunRecord) -> str:
    try:
        when = datetime.fromisoformat(run.started).strftime("%H:%M")
    except ValueError:
        when = ""
    turn = f" · reply {len(run.turns) // 2}" if run.turns else ""
    if run.status == "done":
        tail = format_seconds(run.latency_s)
    elif run.status == "failed":
        tail = "failed"
    else:
        tail = STATUS_WORDS.get(run.status, run.status)
    return f"Run {number} · {when}{turn} · {tail}"


class EarlierAnswersModel(QAbstractListModel):
    """Rows are the column's RunRecords, oldest first; the list is shared with the column state."""

    def __init__(self, runs: list[RunRecord], parent=None) -> None:
        super().__init__(parent)
        self.runs = runs

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.runs)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.runs):
            return None
        run = self.runs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return run_label(index.row() + 1, run)
        if role == Qt.ItemDataRole.ToolTipRole:
            why = f"\n{run.error_title}" if run.status == "failed" and run.error_title else ""
            return f"{run.provider} ({run.model}) · {summary(run.params, None)}{why}"
        if role == RunRole:
            return run
        return None

    def append(self, run: RunRecord, keep: int) -> None:
        if len(self.runs) >= keep:
            drop = len(self.runs) - keep + 1
            self.beginRemoveRows(QModelIndex(), 0, drop - 1)
            del self.runs[:drop]
            self.endRemoveRows()
        row = len(self.runs)
        self.beginInsertRows(QModelIndex(), row, row)
        self.runs.append(run)
        self.endInsertRows()

    def refresh(self, run: RunRecord) -> None:
        for row, candidate in enumerate(self.runs):
            if candidate is run:
                index = self.index(row)
                self.dataChanged.emit(index, index)
                return

    def row_of(self, run: RunRecord | None) -> int:
        for row, candidate in enumerate(self.runs):
            if candidate is run:
                return row
        return -1
