"""The list of chat messages in a tab: one card per message, each with its role and text."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..widgets import scroll_down
from . import text as texts
from .editor import PromptTextEdit

ROLES = (("system", "System"), ("user", "User"), ("assistant", "Assistant"))
PLACEHOLDERS = {
    "system": "How the model should behave. Write {{ name }} where a value goes in.",
    "user": "What the user says. Write {{ name }} where a value goes in; fill it in on the right.",
    "assistant": "An example answer from the model (optional).",
}


class MessageCard(QFrame):
    """One message: a role picker, move and remove buttons, and the text."""

    def __init__(self, uid: int, role: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.uid = uid
        self.setObjectName("messageCard")
        self.role_box = QComboBox()
        self.role_box.setObjectName("roleBox")
        for value, label in ROLES:
            self.role_box.addItem(label, value)
        self.role_box.setToolTip("Who says this message")
        self.number = QLabel()
        self.number.setObjectName("messageNumber")
        self.up = _tool("↑", "Move this message up")
        self.down = _tool("↓", "Move this message down")
        self.remove = _tool("✕", "Remove this message (Undo brings it back)")
        header = QHBoxLayout()
        header.setContentsMargins(8, 6, 6, 0)
        header.setSpacing(4)
        header.addWidget(self.role_box)
        header.addWidget(self.number)
        header.addStretch(1)
        for button in (self.up, self.down, self.remove):
            header.addWidget(button)
        self.editor = PromptTextEdit(self)
        self.warning = QLabel()
        self.warning.setObjectName("messageWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 4)
        box.setSpacing(2)
        box.addLayout(header)
        box.addWidget(self.warning)
        box.addWidget(self.editor)
        self.set_role(role)
        self.set_text(text)

    @property
    def role(self) -> str:
        return self.role_box.currentData()

    def set_role(self, role: str) -> None:
        self.role_box.blockSignals(True)
        self.role_box.setCurrentIndex(max(0, self.role_box.findData(role)))
        self.role_box.blockSignals(False)
        self.editor.setPlaceholderText(PLACEHOLDERS.get(role, ""))

    def set_text(self, text: str) -> None:
        lossy = texts.unrepresentable(text)
        if lossy:
            # Editing would change these characters; keep the message exactly as saved.
            self.editor.setReadOnly(True)
            self.warning.setText(
                "This message contains " + ", ".join(lossy) + ", which the editor cannot keep "
                "exactly. It is shown read-only so that it stays byte for byte as saved; "
                "edit it in a prompt file instead.")
            self.warning.show()
            self._exact = text
        else:
            self.editor.setReadOnly(False)
            self.warning.hide()
            self._exact = None
        self.editor.set_text(text)

    def text(self) -> str:
        return self._exact if self._exact is not None else self.editor.text()


def _tool(label: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(label)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setObjectName("cardButton")
    button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    return button


class MessageList(QScrollArea):
    """The messages, top to bottom. It reports intentions; the tab turns them into undo steps."""

    add_requested = Signal()
    remove_requested = Signal(int)  # uid
    move_requested = Signal(int, int)  # uid, +1/-1
    role_requested = Signal(int, str, str)  # uid, old, new
    text_edited = Signal(int, int, str, str)  # uid, position, removed, added
    undo_requested = Signal()
    redo_requested = Signal()
    focused = Signal(int)  # uid of the message being edited

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scroll_down(self, "messageList")
        self.cards: list[MessageCard] = []
        self._by_uid: dict[int, MessageCard] = {}
        self._next_uid = 1
        self.show_whitespace = False
        inner = QWidget()
        inner.setObjectName("messageListInner")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(2, 2, 8, 8)
        self.column.setSpacing(10)
        self.add_button = QPushButton("+  Add message")
        self.add_button.setObjectName("addMessage")
        self.add_button.setToolTip("Add a message at the end (its role alternates; change it above)")
        self.add_button.clicked.connect(self.add_requested)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.column.addLayout(row)
        self.column.addStretch(1)
        self.setWidget(inner)
        self._limits = QTimer(self)
        self._limits.setSingleShot(True)
        self._limits.setInterval(50)
        self._limits.timeout.connect(self._apply_line_limits)

    # -- structure (called by undo commands) -------------------------------------------------
    def new_uid(self) -> int:
        uid = self._next_uid
        self._next_uid += 1
        return uid

    def card(self, uid: int) -> MessageCard | None:
        return self._by_uid.get(uid)

    def index_of(self, uid: int) -> int:
        card = self._by_uid.get(uid)
        return -1 if card is None else self.cards.index(card)

    def messages(self) -> list[tuple[str, str]]:
        return [(c.role, c.text()) for c in self.cards]

    def insert_card(self, index: int, uid: int, role: str, text: str) -> MessageCard:
        self._next_uid = max(self._next_uid, uid + 1)
        card = MessageCard(uid, role, text)
        card.editor.set_show_whitespace(self.show_whitespace)
        card.editor.edited.connect(lambda p, r, a, u=uid: self.text_edited.emit(u, p, r, a))
        card.editor.undo_requested.connect(self.undo_requested)
        card.editor.redo_requested.connect(self.redo_requested)
        card.editor.cursorPositionChanged.connect(lambda u=uid: self.focused.emit(u))
        card.remove.clicked.connect(lambda _=False, u=uid: self.remove_requested.emit(u))
        card.up.clicked.connect(lambda _=False, u=uid: self.move_requested.emit(u, -1))
        card.down.clicked.connect(lambda _=False, u=uid: self.move_requested.emit(u, +1))
        card.role_box.currentIndexChanged.connect(lambda _i, c=card: self._role_picked(c))
        card._role = role
        index = max(0, min(index, len(self.cards)))
        self.cards.insert(index, card)
        self._by_uid[uid] = card
        self.column.insertWidget(index, card)
        self._renumber()
        self._limits.start()
        return card

    def remove_card(self, uid: int) -> tuple[int, str, str]:
        card = self._by_uid.pop(uid)
        index = self.cards.index(card)
        self.cards.remove(card)
        self.column.removeWidget(card)
        result = (index, card.role, card.text())
        card.hide()
        card.deleteLater()
        self._renumber()
        return result

    def move_card(self, uid: int, index: int) -> None:
        card = self._by_uid[uid]
        self.cards.remove(card)
        self.cards.insert(index, card)
        self.column.removeWidget(card)
        self.column.insertWidget(index, card)
        self._renumber()

    def set_role(self, uid: int, role: str) -> None:
        card = self._by_uid[uid]
        card.set_role(role)
        card._role = role

    def set_messages(self, messages: list[tuple[str, str]]) -> None:
        for card in list(self.cards):
            self.remove_card(card.uid)
        for role, text in messages:
            self.insert_card(len(self.cards), self.new_uid(), role, text)

    def reveal(self, uid: int, *, focus: bool = True) -> None:
        card = self._by_uid.get(uid)
        if card is None:
            return
        self.ensureWidgetVisible(card.editor, 0, 40)
        if focus:
            card.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def set_show_whitespace(self, on: bool) -> None:
        self.show_whitespace = on
        for card in self.cards:
            card.editor.set_show_whitespace(on)

    # -- internals ---------------------------------------------------------------------------
    def _role_picked(self, card: MessageCard) -> None:
        old, new = card._role, card.role
        if old != new:
            card.set_role(old)  # the undo command applies it
            self.role_requested.emit(card.uid, old, new)

    def _renumber(self) -> None:
        last = len(self.cards) - 1
        for i, card in enumerate(self.cards):
            card.number.setText(f"message {i + 1}")
            card.up.setEnabled(i > 0)
            card.down.setEnabled(i < last)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._limits.start()

    def _apply_line_limits(self) -> None:
        """Long messages scroll inside their card once they fill most of the view."""
        if not self.cards:
            return
        line = self.cards[0].editor.fontMetrics().lineSpacing() or 16
        most = max(6, int(self.viewport().height() * 0.75 / line))
        for card in self.cards:
            card.editor.set_line_limits(3, most)
