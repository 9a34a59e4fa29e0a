"""A table whose first column stays put while the others scroll sideways.

After Qt's frozencolumn example: a second QTableView over the left edge shows column 0 only,
shares the model and the selection, and follows the main view's vertical scrolling (both
ways), its column width and its row heights."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


class FrozenColumnTable(QTableView):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.frozen = QTableView(self)
        self.frozen.setObjectName("frozenCaseColumn")
        self.frozen.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.frozen.verticalHeader().hide()
        self.frozen.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.frozen.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.frozen.setShowGrid(False)
        self.frozen.setWordWrap(False)
        self.frozen.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.frozen.setStyleSheet("QTableView#frozenCaseColumn { border: none; "
                                  "border-right: 1px solid #d1d5db; }")
        self.viewport().stackUnder(self.frozen)
        self.frozen.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(self.frozen.verticalScrollBar().setValue)
        self.frozen.show()

    # -- set-up that follows the main view ---------------------------------------------------
    def setHorizontalHeader(self, header: QHeaderView) -> None:  # noqa: N802
        super().setHorizontalHeader(header)
        header.sectionResized.connect(self._section_resized)
        frozen_header = type(header)(self.frozen)
        frozen_header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.frozen.setHorizontalHeader(frozen_header)
        self.frozen.raise_()  # a new header is stacked above the frozen column: put it back

    def setItemDelegate(self, delegate) -> None:  # noqa: N802
        super().setItemDelegate(delegate)
        self.frozen.setItemDelegate(delegate)

    def setModel(self, model) -> None:  # noqa: N802
        super().setModel(model)
        self.frozen.setModel(model)
        if model is not None:
            self.frozen.setSelectionModel(self.selectionModel())
            model.modelReset.connect(self._hide_columns)
            model.columnsInserted.connect(self._hide_columns)
        self._follow_rows()
        self._hide_columns()

    def _follow_rows(self) -> None:
        mine, theirs = self.verticalHeader(), self.frozen.verticalHeader()
        theirs.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        theirs.setDefaultSectionSize(mine.defaultSectionSize())
        self.frozen.verticalScrollBar().setSingleStep(self.verticalScrollBar().singleStep())

    def _hide_columns(self, *_) -> None:
        model = self.model()
        if model is None:
            return
        for column in range(1, model.columnCount()):
            self.frozen.setColumnHidden(column, True)
        self.frozen.setColumnWidth(0, self.columnWidth(0))
        self._update_geometry()

    def _section_resized(self, logical: int, _old: int, new: int) -> None:
        if logical == 0:
            self.frozen.setColumnWidth(0, new)
            self._update_geometry()

    def _update_geometry(self) -> None:
        frame = self.frameWidth()
        self.frozen.setGeometry(self.verticalHeader().width() + frame, frame,
                                self.columnWidth(0),
                                self.viewport().height() + self.horizontalHeader().height())
        self.frozen.verticalScrollBar().setValue(self.verticalScrollBar().value())

    # -- Qt ------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._update_geometry()

    def updateGeometries(self) -> None:  # noqa: N802
        super().updateGeometries()
        if hasattr(self, "frozen"):
            self._follow_rows()
            self._update_geometry()

    def moveCursor(self, action, modifiers) -> QModelIndex:  # noqa: N802
        current = super().moveCursor(action, modifiers)
        # Moving left onto a cell hidden under the frozen column scrolls it into view.
        if (action == QAbstractItemView.CursorAction.MoveLeft and current.column() > 0
                and self.visualRect(current).topLeft().x() < self.frozen.columnWidth(0)):
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() + self.visualRect(current).topLeft().x()
                         - self.frozen.columnWidth(0))
        return current

    def scrollTo(self, index, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:  # noqa: N802
        if index.column() > 0:
            super().scrollTo(index, hint)
        elif index.isValid():  # the case column is always in view: scroll rows only
            column = self.horizontalScrollBar().value()
            super().scrollTo(index, hint)
            self.horizontalScrollBar().setValue(column)
