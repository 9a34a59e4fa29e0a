"""'What will be sent': the exact rendered messages, read-only, whitespace shown on demand."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..widgets import scroll_down
from .editor import PromptTextEdit

ROLE_LABELS = {"system": "System", "user": "User", "assistant": "Assistant"}


class PreviewPane(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scroll_down(self, "previewPane")
        inner = QWidget()
        inner.setObjectName("previewInner")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(2, 2, 8, 8)
        self.column.setSpacing(10)
        self.note = QLabel()
        self.note.setObjectName("previewNote")
        self.note.setWordWrap(True)
        self.column.addWidget(self.note)
        self.column.addStretch(1)
        self.setWidget(inner)
        self.cards: list[tuple[QFrame, QLabel, PromptTextEdit]] = []
        self.show_whitespace = False
        self.shown: list[dict[str, str]] | None = None

    def show_messages(self, messages: list[dict[str, str]]) -> None:
        """Show exactly these messages (as the gateway will receive them)."""
        if messages == self.shown:
            return
        self.shown = messages
        chars = sum(len(m["content"]) for m in messages)
        self.note.setText(f"Exactly what the model receives: {len(messages)} message"
                          f"{'s' if len(messages) != 1 else ''}, {chars:,} characters. "
                          "Read-only; edit the messages to change it.")
        self.note.setProperty("problem", False)
        self._repolish()
        while len(self.cards) > len(messages):
            frame, _, _ = self.cards.pop()
            self.column.removeWidget(frame)
            frame.deleteLater()
        while len(self.cards) < len(messages):
            frame = QFrame()
            frame.setObjectName("messageCard")
            label = QLabel()
            label.setObjectName("previewRole")
            view = PromptTextEdit(frame, template=False, min_lines=1, max_lines=40)
            view.setReadOnly(True)
            view.set_show_whitespace(self.show_whitespace)
            box = QVBoxLayout(frame)
            box.setContentsMargins(10, 6, 6, 4)
            box.setSpacing(2)
            box.addWidget(label)
            box.addWidget(view)
            self.column.insertWidget(len(self.cards) + 1, frame)
            self.cards.append((frame, label, view))
        for (frame, label, view), message in zip(self.cards, messages):
            label.setText(ROLE_LABELS.get(message["role"], message["role"]).upper())
            if view.text() != message["content"]:
                view.set_text(message["content"])

    def show_problem(self, text: str) -> None:
        self.shown = None
        self.note.setText(text)
        self.note.setProperty("problem", True)
        self._repolish()
        for frame, _, _ in self.cards:
            self.column.removeWidget(frame)
            frame.deleteLater()
        self.cards.clear()

    def set_show_whitespace(self, on: bool) -> None:
        self.show_whitespace = on
        for _, _, view in self.cards:
            view.set_show_whitespace(on)

    def texts(self) -> list[str]:
        return [view.text() for _, _, view in self.cards]

    def _repolish(self) -> None:
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
