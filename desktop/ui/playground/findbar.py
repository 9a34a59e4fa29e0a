"""Find and replace across all the messages of a tab (replacements are undo steps)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from . import text as texts


class FindBar(QFrame):
    closed = Signal()

    def __init__(self, messages, undo_stack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self.messages = messages
        self.undo_stack = undo_stack
        self.find_field = QLineEdit()
        self.find_field.setPlaceholderText("Find in messages")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setMinimumWidth(160)
        self.replace_field = QLineEdit()
        self.replace_field.setPlaceholderText("Replace with")
        self.replace_field.setMinimumWidth(140)
        self.case = QCheckBox("Match case")
        self.count = QLabel()
        self.count.setObjectName("findCount")
        self.count.setMinimumWidth(90)
        previous = QToolButton()
        previous.setText("↑")
        previous.setToolTip("Previous match (Shift+Enter)")
        following = QToolButton()
        following.setText("↓")
        following.setToolTip("Next match (Enter)")
        replace = QPushButton("Replace")
        replace_all = QPushButton("Replace all")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        box = QHBoxLayout(self)
        box.setContentsMargins(8, 4, 8, 4)
        box.setSpacing(6)
        box.addWidget(self.find_field, 2)
        box.addWidget(previous)
        box.addWidget(following)
        box.addWidget(self.count)
        box.addWidget(self.replace_field, 2)
        box.addWidget(replace)
        box.addWidget(replace_all)
        box.addWidget(self.case)
        box.addWidget(close)
        previous.clicked.connect(lambda: self.find(backward=True))
        following.clicked.connect(lambda: self.find())
        replace.clicked.connect(self.replace)
        replace_all.clicked.connect(self.replace_all)
        close.clicked.connect(self.close_bar)
        self.find_field.returnPressed.connect(lambda: self.find())
        self.replace_field.returnPressed.connect(self.replace)
        self.find_field.textChanged.connect(self._update_count)
        self.case.toggled.connect(self._update_count)
        QShortcut(QKeySequence("Shift+Return"), self.find_field,
                  lambda: self.find(backward=True), context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_bar,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def open_bar(self, replace: bool = False) -> None:
        self.show()
        editor = self._current_editor()
        if editor is not None and editor.textCursor().hasSelection():
            selected = editor.textCursor().selectedText()
            if texts.BLOCK_SEPARATOR not in selected:
                self.find_field.setText(texts.from_editor_raw(selected))
        field = self.replace_field if replace and self.find_field.text() else self.find_field
        field.setFocus()
        field.selectAll()
        self._update_count()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def _flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if self.case.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags

    def _needle(self) -> str:
        return texts.to_editor(self.find_field.text())

    def _current_editor(self):
        for card in self.messages.cards:
            if card.editor.hasFocus():
                return card.editor
        return getattr(self, "_last_editor", None) or (
            self.messages.cards[0].editor if self.messages.cards else None)

    def find(self, backward: bool = False) -> bool:
        """Select the next match after the cursor, moving on to the next message as needed."""
        needle = self._needle()
        cards = self.messages.cards
        if not needle or not cards:
            return False
        editors = [c.editor for c in cards]
        current = self._current_editor()
        start = editors.index(current) if current in editors else 0
        order = list(range(start, -1, -1)) + list(range(len(editors) - 1, start, -1)) if backward \
            else list(range(start, len(editors))) + list(range(0, start))
        for step, i in enumerate(order + [start]):
            editor = editors[i]
            if step == 0:
                cursor = editor.textCursor()
            else:
                cursor = QTextCursor(editor.document())
                if backward:
                    cursor.movePosition(QTextCursor.MoveOperation.End)
            found = editor.document().find(needle, cursor, self._flags(backward))
            if not found.isNull():
                editor.setTextCursor(found)
                editor.setFocus()
                self._last_editor = editor
                self.messages.ensureWidgetVisible(editor, 0, 40)
                self._update_count()
                return True
        self._update_count()
        return False

    def _selection_matches(self, editor) -> bool:
        selected = editor.textCursor().selectedText()
        needle = self._needle()
        if self.case.isChecked():
            return selected == needle
        return selected.casefold() == needle.casefold()

    def replace(self) -> None:
        editor = self._current_editor()
        if editor is not None and not editor.isReadOnly() and editor.textCursor().hasSelection() \
                and self._selection_matches(editor):
            editor.textCursor().insertText(texts.to_editor(self.replace_field.text()))
        self.find()

    def replace_all(self) -> int:
        needle = self._needle()
        if not needle:
            return 0
        replacement = texts.to_editor(self.replace_field.text())
        count = 0
        self.undo_stack.beginMacro("replace all")
        try:
            for card in self.messages.cards:
                editor = card.editor
                if editor.isReadOnly():
                    continue
                cursor = QTextCursor(editor.document())
                while True:
                    cursor = editor.document().find(needle, cursor, self._flags())
                    if cursor.isNull():
                        break
                    cursor.insertText(replacement)
                    count += 1
        finally:
            self.undo_stack.endMacro()
        self.count.setText(f"{count} replaced")
        return count

    def _update_count(self, *_args) -> None:
        needle = self._needle()
        if not needle:
            self.count.setText("")
            return
        total = 0
        for card in self.messages.cards:
            haystack = card.editor.raw()
            if self.case.isChecked():
                total += haystack.count(needle)
            else:
                total += haystack.casefold().count(needle.casefold())
        self.count.setText("no matches" if total == 0 else f"{total} match" + ("es" if total > 1 else ""))
