"""Undo steps for a tab: text edits, message structure, and column settings share one stack.

Commands name messages and columns by a uid that survives removal and re-insertion, never by
a widget, so undoing a removal and then undoing the typing before it works.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand

from . import text as texts

MERGE_SECONDS = 1.5


class Columns(Protocol):
    def apply_setting(self, uid: int, key: str, value: Any) -> bool: ...


class AlreadyMade(QUndoCommand):
    """A step the widgets have already made when it is pushed: the stack's first `redo()` does
    nothing, a redo after an undo calls `make_again()`. Steps with the same ID may merge."""

    ID = -1

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._first = True
        self._at = time.monotonic()

    def id(self) -> int:  # noqa: A003
        return self.ID

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.make_again()

    def make_again(self) -> None:
        raise NotImplementedError


class TextEdit(AlreadyMade):
    """A change to one message's text, already made in the editor when it is pushed."""

    ID = 1

    def __init__(self, messages, uid: int, position: int, removed: str, added: str) -> None:
        super().__init__()
        self.messages = messages
        self.uid, self.position, self.removed, self.added = uid, position, removed, added
        self._label()

    def _label(self) -> None:
        if self.removed and self.added:
            self.setText("replace text")
        elif self.removed:
            self.setText("delete")
        elif len(self.added) > 1 and not self._typed():
            self.setText("paste")
        else:
            self.setText("typing")

    def _typed(self) -> bool:
        return getattr(self, "_merged", False)

    def make_again(self) -> None:
        self._apply(self.position, len(self.removed), self.added)

    def undo(self) -> None:
        self._apply(self.position, len(self.added), self.removed)

    def _apply(self, position: int, length: int, replacement: str) -> None:
        card = self.messages.card(self.uid)
        if card is None:
            self.setObsolete(True)
            return
        card.editor.apply_edit(position, length, replacement)
        self.messages.reveal(self.uid)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        if not isinstance(other, TextEdit) or other.uid != self.uid:
            return False
        if other._at - self._at > MERGE_SECONDS:
            return False
        if not self.removed and not other.removed and len(other.added) == 1:
            ch = other.added
            if other.position != self.position + len(self.added) or ch == texts.BLOCK_SEPARATOR:
                return False
            if self.added and not self.added[-1].isspace() and ch.isspace():
                return False  # a space after a word starts the next undo step
            self.added += ch
        elif not self.added and not other.added and len(other.removed) == 1:
            if other.position + len(other.removed) == self.position:  # backspace
                self.position = other.position
                self.removed = other.removed + self.removed
            elif other.position == self.position:  # delete key
                self.removed += other.removed
            else:
                return False
        else:
            return False
        self._at = other._at
        self._merged = True
        self._label()
        return True


class AddMessage(QUndoCommand):
    def __init__(self, messages, index: int, role: str, text: str = "") -> None:
        super().__init__(f"add {role} message")
        self.messages, self.index, self.role, self.text_ = messages, index, role, text
        self.uid = messages.new_uid()

    def redo(self) -> None:
        self.messages.insert_card(self.index, self.uid, self.role, self.text_)
        self.messages.reveal(self.uid)

    def undo(self) -> None:
        self.messages.remove_card(self.uid)


class RemoveMessage(QUndoCommand):
    def __init__(self, messages, uid: int) -> None:
        card = messages.card(uid)
        super().__init__(f"remove {card.role} message")
        self.messages, self.uid = messages, uid
        self.index, self.role, self.text_ = messages.index_of(uid), card.role, card.text()

    def redo(self) -> None:
        self.index, self.role, self.text_ = self.messages.remove_card(self.uid)

    def undo(self) -> None:
        self.messages.insert_card(self.index, self.uid, self.role, self.text_)
        self.messages.reveal(self.uid)


class MoveMessage(QUndoCommand):
    def __init__(self, messages, uid: int, to: int) -> None:
        super().__init__("move message")
        self.messages, self.uid = messages, uid
        self.source, self.target = messages.index_of(uid), to

    def redo(self) -> None:
        self.messages.move_card(self.uid, self.target)
        self.messages.reveal(self.uid, focus=False)

    def undo(self) -> None:
        self.messages.move_card(self.uid, self.source)
        self.messages.reveal(self.uid, focus=False)


class ChangeRole(QUndoCommand):
    def __init__(self, messages, uid: int, old: str, new: str) -> None:
        super().__init__(f"make message {new}")
        self.messages, self.uid, self.old, self.new = messages, uid, old, new

    def redo(self) -> None:
        self.messages.set_role(self.uid, self.new)

    def undo(self) -> None:
        self.messages.set_role(self.uid, self.old)


class ColumnSetting(AlreadyMade):
    """A column's provider or parameter, already shown in its widgets when pushed."""

    ID = 2

    def __init__(self, columns: Columns, uid: int, key: str, old: Any, new: Any,
                 label: str) -> None:
        super().__init__(f"change {label}")
        self.columns, self.uid, self.key, self.old, self.new = columns, uid, key, old, new

    def make_again(self) -> None:
        if not self.columns.apply_setting(self.uid, self.key, self.new):
            self.setObsolete(True)

    def undo(self) -> None:
        if not self.columns.apply_setting(self.uid, self.key, self.old):
            self.setObsolete(True)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802
        # Spin-box arrows and typing a number are one step, not one per digit.
        if (not isinstance(other, ColumnSetting) or other.uid != self.uid
                or other.key != self.key or other._at - self._at > MERGE_SECONDS
                or self.key in ("provider", "primary")):
            return False
        self.new, self._at = other.new, other._at
        return True
