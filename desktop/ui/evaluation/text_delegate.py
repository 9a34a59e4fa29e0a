"""Editing a cell's text in a QPlainTextEdit: line breaks kept, Ctrl+Enter or leaving commits,
Escape cancels. Right-to-left text is laid out as such."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QKeyEvent, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QStyledItemDelegate, QStyleOptionViewItem

from .common import direction_of

EDITOR_MIN_HEIGHT = 140
EDITOR_MIN_WIDTH = 320


class CellTextEdit(QPlainTextEdit):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("cellEditor")
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setPlaceholderText("Type the value; Enter starts a new line, Ctrl+Enter finishes")
        self.setStyleSheet("QPlainTextEdit#cellEditor { border: 2px solid #2f5fd0; "
                           "border-radius: 4px; background: white; }")


class MultiLineDelegate(QStyledItemDelegate):
    """For every cell of the test-set table."""

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        # Arabic or Hebrew reads from the right: lay the cell out right to left.
        if option.text and direction_of(option.text) == Qt.LayoutDirection.RightToLeft:
            option.direction = Qt.LayoutDirection.RightToLeft
            # "Leading" edge: the style mirrors AlignLeft to the right for right-to-left text.
            option.displayAlignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

    def createEditor(self, parent, option, index):  # noqa: N802
        editor = CellTextEdit(parent)
        editor.installEventFilter(self)
        return editor

    def setEditorData(self, editor: CellTextEdit, index) -> None:  # noqa: N802
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        editor.setPlainText(text)
        option = editor.document().defaultTextOption()
        option.setTextDirection(direction_of(text))
        editor.document().setDefaultTextOption(option)
        editor.moveCursor(editor.textCursor().MoveOperation.End)

    def setModelData(self, editor: CellTextEdit, model, index) -> None:  # noqa: N802
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor, option: QStyleOptionViewItem, index) -> None:  # noqa: N802
        rect = QRect(option.rect)
        rect.setWidth(max(rect.width(), EDITOR_MIN_WIDTH))
        rect.setHeight(max(rect.height(), EDITOR_MIN_HEIGHT))
        viewport = editor.parentWidget().rect() if editor.parentWidget() else rect
        if rect.bottom() > viewport.bottom():
            rect.moveBottom(viewport.bottom())
        if rect.right() > viewport.right():
            rect.moveRight(max(viewport.right(), rect.width()))
        editor.setGeometry(rect)

    def eventFilter(self, editor, event) -> bool:  # noqa: N802
        if isinstance(editor, CellTextEdit) and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event
            enter = key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            if enter and key_event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.commitData.emit(editor)
                self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)
                return True
            if enter:
                return False  # a new line inside the cell
            if key_event.key() == Qt.Key.Key_Escape:
                self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.RevertModelCache)
                return True
        return super().eventFilter(editor, event)
