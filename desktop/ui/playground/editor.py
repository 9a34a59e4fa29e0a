"""A text editor for prompt text: byte-exact, highlighted, with visible whitespace on demand.

Its own undo is off: every change is reported as an edit (position, removed, added) so the tab
can keep one undo stack for all its messages, settings and structure.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextEdit, QWidget

from . import text as texts
from .highlighter import TemplateHighlighter


def prompt_font() -> QFont:
    """A readable proportional font: prompts are prose, and scripts mix."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    return font


class PromptTextEdit(QTextEdit):
    """Plain text with Jinja highlighting and exact text in and out (see `text.py`).

    A QTextEdit rather than a QPlainTextEdit: its layout aligns each paragraph by its own
    direction, so Arabic and Hebrew paragraphs sit on the right and Latin ones on the left.
    """

    edited = Signal(int, str, str)  # position, removed, added (editor text, code points)
    undo_requested = Signal()
    redo_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, template: bool = True,
                 min_lines: int = 3, max_lines: int = 28, shared_undo: bool = True) -> None:
        super().__init__(parent)
        self.setFont(prompt_font())
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptRichText(False)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(False)
        self.shared_undo = shared_undo
        self.document().setUndoRedoEnabled(not shared_undo)
        self.document().setDocumentMargin(6)
        self.highlighter = TemplateHighlighter(self.document(), template=template)
        self.min_lines = min_lines
        self.max_lines = max_lines
        self._shadow = ""
        self._applying = False
        self._show_whitespace = False
        self._fitted = -1
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().contentsChange.connect(self._on_contents_change)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    # -- text in and out ---------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        """Replace everything (not an edit: nothing goes on the undo stack)."""
        self._applying = True
        try:
            self.setPlainText(texts.to_editor(text))
        finally:
            self._applying = False
        self._shadow = self.document().toRawText()
        self._fit_height()

    def text(self) -> str:
        """The exact prompt text."""
        return texts.from_editor_raw(self._shadow)

    def raw(self) -> str:
        return self._shadow

    def apply_edit(self, position: int, length: int, replacement: str) -> None:
        """Replace `length` code points at `position` (editor text) without reporting an edit."""
        shadow = self._shadow
        start = texts.utf16_offset(shadow, position)
        end = texts.utf16_offset(shadow, position + length)
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._applying = True
        try:
            cursor.insertText(replacement)
        finally:
            self._applying = False
        self._shadow = self.document().toRawText()
        caret = texts.utf16_offset(self._shadow, position + len(replacement))
        cursor.setPosition(caret)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()

    def _on_contents_change(self, _position: int, removed: int, added: int) -> None:
        if self._applying or (removed == 0 and added == 0):
            return
        new = self.document().toRawText()
        old, self._shadow = self._shadow, new
        if new == old:
            return  # a format-only change
        position, gone, came = texts.edit_between(old, new)
        self.edited.emit(position, gone, came)

    # -- whitespace -------------------------------------------------------------------------
    def set_show_whitespace(self, on: bool) -> None:
        self._show_whitespace = on
        option = self.document().defaultTextOption()
        flags = option.flags()
        visible = (QTextOption.Flag.ShowTabsAndSpaces
                   | QTextOption.Flag.ShowLineAndParagraphSeparators)
        option.setFlags(flags | visible if on else flags & ~visible)
        self.document().setDefaultTextOption(option)
        self.highlighter.set_show_whitespace(on)
        self.viewport().update()

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._show_whitespace or not self._shadow:
            return
        if self._shadow.endswith(texts.BLOCK_SEPARATOR):
            return
        # No line break at the very end: say so where the text stops.
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        rect = self.cursorRect(cursor)
        painter = QPainter(self.viewport())
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 0.8)
        painter.setFont(font)
        painter.setPen(QColor("#b4571a"))
        rtl = cursor.block().textDirection() == Qt.LayoutDirection.RightToLeft
        label = "no line break at end"
        width = painter.fontMetrics().horizontalAdvance(label)
        x = rect.left() - width - 10 if rtl else rect.right() + 10
        painter.drawText(QPoint(x, rect.bottom() - painter.fontMetrics().descent()), label)
        painter.end()

    # -- keys -------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        if self.shared_undo and event.matches(QKeySequence.StandardKey.Undo):
            self.undo_requested.emit()
            return
        if self.shared_undo and event.matches(QKeySequence.StandardKey.Redo):
            self.redo_requested.emit()
            return
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.ControlModifier:
                event.ignore()  # Ctrl+Enter runs; it is the window's shortcut
                return
            if mods & Qt.KeyboardModifier.ShiftModifier:
                # Qt would insert U+2028 (a line separator) that models read differently.
                self.textCursor().insertText("\n")
                return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        menu = self.createStandardContextMenu(event.pos())
        if self.shared_undo:
            # The document keeps no undo history of its own: point these at the tab's.
            for action in menu.actions():
                if action.objectName() == "edit-undo":
                    action.triggered.disconnect()
                    action.triggered.connect(self.undo_requested)
                    action.setEnabled(not self.isReadOnly())
                elif action.objectName() == "edit-redo":
                    action.triggered.disconnect()
                    action.triggered.connect(self.redo_requested)
                    action.setEnabled(not self.isReadOnly())
        menu.exec(event.globalPos())
        menu.deleteLater()

    def createMimeDataFromSelection(self):  # noqa: N802
        """Copy exact text: ␍ goes out as the CR it stands for."""
        mime = super().createMimeDataFromSelection()
        cursor = self.textCursor()
        if cursor.hasSelection():
            mime.setText(texts.from_editor_raw(cursor.selectedText()))
        return mime

    # -- height follows the text ------------------------------------------------------------
    def _fit_height(self, *_args) -> None:
        """As tall as the text, between min_lines and max_lines; beyond that it scrolls."""
        line = self.fontMetrics().lineSpacing()
        limit = self.max_lines * line
        layout = self.document().documentLayout()
        total = 0.0
        block = self.document().firstBlock()
        while block.isValid() and total <= limit:  # lays out at most max_lines blocks
            total += layout.blockBoundingRect(block).height()
            block = block.next()
        overflow = total > limit or block.isValid()
        content = int(min(max(total, self.min_lines * line), limit))
        margins = self.contentsMargins()
        height = content + int(self.document().documentMargin() * 2) + margins.top() \
            + margins.bottom() + 2
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if overflow
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if height != self._fitted:
            self._fitted = height
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()

    def set_line_limits(self, min_lines: int, max_lines: int) -> None:
        self.min_lines, self.max_lines = min_lines, max(min_lines, max_lines)
        self._fitted = -1
        self._fit_height()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(300, self.height())
