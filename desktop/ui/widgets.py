"""Small widgets shared by the screens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class MessageBar(QFrame):
    """An inline note above the work: what happened and what to do. Calmer than a dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.actions_box = QHBoxLayout()
        self.actions_box.setSpacing(6)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        box = QHBoxLayout(self)
        box.setContentsMargins(12, 6, 6, 6)
        box.setSpacing(10)
        box.addWidget(self.label, 1)
        box.addLayout(self.actions_box)
        box.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, kind: str, text: str,
                     actions: list[tuple[str, Callable[[], None]]] = ()) -> None:
        """kind is "info", "success", "warning" or "error"."""
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        while self.actions_box.count():
            item = self.actions_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(callback)
            self.actions_box.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()
