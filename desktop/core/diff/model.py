"""The diff as plain, immutable data, for the Qt views, the CLI and tests.

Offsets are indices into Python strings (code points) in logical order: strings are never
reversed, and right-to-left text needs nothing special here (the view's bidi layout orders it on
screen). Qt counts text positions in UTF-16 code units; convert with `tokens.utf16_offset`.
Spans never cut a user-perceived character (an emoji ZWJ sequence, a letter with its marks).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .whitespace import WhitespaceKind


class Change(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"
    REPLACE = "replace"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of one line's text. `kind` is EQUAL, or DELETE on the left / INSERT on the right
    for text of a changed word. `emphasis`: these very characters differ (the character level);
    False for unchanged text and for the unchanged letters of a changed word."""

    start: int
    end: int
    text: str
    kind: Change
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """One line of one side. `text` includes its ending ("\\n", "\\r\\n", or none at the end)."""

    number: int  # 1-based
    start: int  # offset of the line in the whole text
    text: str
    spans: tuple[Span, ...]  # cover `text` exactly, in order

    @property
    def ending(self) -> str:
        if self.text.endswith("\r\n"):
            return "\r\n"
        return "\n" if self.text.endswith("\n") else ""

    @property
    def changed(self) -> bool:
        return any(span.kind is not Change.EQUAL for span in self.spans)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the side-by-side view: EQUAL, INSERT (right only), DELETE (left only) or
    REPLACE (a changed line and what it became)."""

    kind: Change
    left: Line | None
    right: Line | None


@dataclass(frozen=True, slots=True)
class InlineSegment:
    """A piece of the inline view. EQUAL text is in both texts, DELETE only in the old, INSERT
    only in the new; a changed stretch reads as its DELETE segments, then its INSERT segments.
    [a_start, a_end) and [b_start, b_end) locate it (an empty range on the side it is absent)."""

    kind: Change
    text: str
    emphasis: bool
    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True, slots=True)
class WhitespaceNote:
    """One whitespace or invisible-character change, e.g. 'trailing space added' on line 12."""

    kind: WhitespaceKind
    message: str
    row: int  # index into TextDiff.rows
    old_line: int | None
    new_line: int | None
    count: int = 1  # how many such characters changed there

    @property
    def location(self) -> str:
        if self.new_line is not None:
            return f"line {self.new_line}"
        return f"old line {self.old_line}"

    def __str__(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"{self.message}{times} on {self.location}"


@dataclass(frozen=True, slots=True)
class Hunk:
    """Changed rows with their context rows. `notes` name the whitespace changes in it, one
    string per kind of change ('trailing space added on line 12', '... on lines 3-5, 9')."""

    first_row: int  # index of rows[0] in TextDiff.rows
    rows: tuple[Row, ...]
    whitespace: tuple[WhitespaceNote, ...]
    notes: tuple[str, ...]

    @property
    def header(self) -> str:
        """'lines 10-14 -> 10-15' (old -> new)."""
        return f"lines {_range(self.rows, 'left')} -> {_range(self.rows, 'right')}"


def _range(rows: tuple[Row, ...], side: str) -> str:
    numbers = [line.number for row in rows if (line := getattr(row, side)) is not None]
    if not numbers:
        return "none"
    return str(numbers[0]) if numbers[0] == numbers[-1] else f"{numbers[0]}-{numbers[-1]}"


@dataclass(frozen=True, slots=True)
class TextDiff:
    """Two texts compared by line, then word, then character.

    rows: the whole of both texts side by side. inline: the whole of both texts as one sequence.
    hunks: the changed rows with context, for compact views. whitespace: every whitespace note."""

    a: str
    b: str
    rows: tuple[Row, ...]
    inline: tuple[InlineSegment, ...]
    hunks: tuple[Hunk, ...]
    whitespace: tuple[WhitespaceNote, ...]

    @property
    def changed(self) -> bool:
        return self.a != self.b

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(note for hunk in self.hunks for note in hunk.notes)


class FieldChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    REORDERED = "reordered"


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A change outside the messages: `model`, `parameters.temperature`, `variables.topic.default`,
    `response_format.json_schema.name`, `tools[0].function.description`, ...
    `old`/`new` are None where the field is absent. `notes` name whitespace changes in text."""

    path: str
    kind: FieldChangeKind
    old: Any = None
    new: Any = None
    notes: tuple[str, ...] = ()


class MessageStatus(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


@dataclass(frozen=True, slots=True)
class MessageDiff:
    """One message of either version. Indices are 0-based positions in each version's messages
    (None where absent). `text` compares the contents ("" stands for an absent side)."""

    status: MessageStatus
    old_index: int | None
    new_index: int | None
    old_role: str | None
    new_role: str | None
    text: TextDiff

    @property
    def role(self) -> str:
        return self.new_role or self.old_role or ""

    @property
    def label(self) -> str:
        """'message 2 (user)', numbered from 1 as a person counts, in the new version if any."""
        index = self.new_index if self.new_index is not None else self.old_index
        return f"message {(index or 0) + 1} ({self.role})"


@dataclass(frozen=True, slots=True)
class ContentDiff:
    """Two prompt versions compared: every message, and every other field."""

    old_id: str
    new_id: str
    messages: tuple[MessageDiff, ...]
    fields: tuple[FieldChange, ...]

    @property
    def changed(self) -> bool:
        return bool(self.fields) or any(
            m.status is not MessageStatus.UNCHANGED for m in self.messages
        )

    @property
    def notes(self) -> tuple[str, ...]:
        """Every whitespace note, prefixed with where it is."""
        out = [f"{m.label}: {note}" for m in self.messages for note in m.text.notes]
        out += [f"{f.path}: {note}" for f in self.fields for note in f.notes]
        return tuple(out)
