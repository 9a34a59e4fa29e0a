"""What the release dialogs' table models share: a list of plain row objects, one a line, under
a title per column; each row object is available under ROW_ROLE."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
T = TypeVar("T")


class PlainRowsModel(QAbstractTableModel, Generic[T]):
    """Rows of plain objects; a subclass names its columns (`titles`) and shows them (`data`)."""

    titles: Sequence[str] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: QModelIndex | QPersistentModelIndex) -> T | None:
        return self.rows[index.row()] if index.isValid() else None

    def rowCount(self,  # noqa: N802
                 parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self,  # noqa: N802
                    parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.titles)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.titles[section]
        return None
