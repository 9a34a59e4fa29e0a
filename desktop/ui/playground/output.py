"""What a column shows: the answer (streamed in, appended) or a failure in plain words."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QTextEdit, QWidget

from ..widgets import hbox, vbox
from .editor import prompt_font


class OutputView(QTextEdit):
    """The answer, read-only; streamed text is appended, never re-set. (A QTextEdit, so a
    right-to-left answer sits on the right.)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setFont(prompt_font())
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().setUndoRedoEnabled(False)
        self.document().setDocumentMargin(8)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.f_body = QTextCharFormat()
        self.f_head = QTextCharFormat()
        self.f_head.setForeground(QColor("#6b7280"))
        self.f_head.setFontWeight(QFont.Weight.DemiBold)
        self.f_head.setFontPointSize(max(prompt_font().pointSizeF() * 0.82, 8))
        self.f_user = QTextCharFormat()
        self.f_user.setForeground(QColor("#374151"))
        self.f_user.setBackground(QColor("#f3f4f6"))

    def show_thread(self, turns: list[dict[str, str]], answer: str) -> None:
        self.clear()
        cursor = QTextCursor(self.document())
        for turn in turns:
            you = turn["role"] == "user"
            cursor.insertText("YOU\n" if you else "MODEL\n", self.f_head)
            cursor.insertText(turn["content"] + "\n\n", self.f_user if you else self.f_body)
        if turns:
            cursor.insertText("MODEL\n", self.f_head)
        cursor.insertText(answer, self.f_body)
        if turns:  # a conversation reads from its latest turn
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def append_text(self, text: str) -> None:
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text, self.f_body)
        if at_bottom:
            bar.setValue(bar.maximum())


class ErrorPanel(QFrame):
    action = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.title = QLabel()
        self.title.setObjectName("errorTitle")
        self.title.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setObjectName("errorHint")
        self.hint.setWordWrap(True)
        self.primary = QPushButton()
        self.retry = QPushButton("Try again")
        self.primary.clicked.connect(lambda: self.action.emit(self._primary_action))
        self.retry.clicked.connect(lambda: self.action.emit("retry"))
        vbox(self.title, self.hint, self.message, hbox(self.primary, self.retry, None), None,
             margins=(14, 12, 14, 12), spacing=8, parent=self)
        self._primary_action = ""
        self._wait_until = 0.0
        self.countdown = QTimer(self)
        self.countdown.setInterval(250)
        self.countdown.timeout.connect(self._tick)

    def show_explanation(self, why) -> None:
        self.title.setText(why.title)
        self.message.setText(why.message)
        self.hint.setText(why.hint)
        self.hint.setVisible(bool(why.hint))
        labels = {"providers": "Open Providers…", "shorten": "Show the messages"}
        self._primary_action = why.action if why.action in labels else ""
        self.primary.setText(labels.get(why.action, ""))
        self.primary.setVisible(bool(self._primary_action))
        self.retry.setVisible(why.kind not in ("no_provider", "unknown_provider"))
        self.countdown.stop()
        if why.retry_after:
            self._wait_until = time.monotonic() + why.retry_after
            self.countdown.start()
            self._tick()
        else:
            self.retry.setEnabled(True)
            self.retry.setText("Try again")

    def _tick(self) -> None:
        left = self._wait_until - time.monotonic()
        if left <= 0:
            self.countdown.stop()
            self.retry.setEnabled(True)
            self.retry.setText("Try again")
        else:
            self.retry.setEnabled(False)
            self.retry.setText(f"Try again in {left:.0f} s")
