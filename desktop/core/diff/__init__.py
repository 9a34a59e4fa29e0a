"""Diffs of prompt versions and texts that show every byte. Pure Python, no Qt.

    diff_contents(old, new) -> ContentDiff   two PromptContents: messages and every other field
    diff_texts(a, b) -> TextDiff             two strings, e.g. a message's draft and saved text
    render_terminal(diff, color) -> str      for `promptpress prompt diff A B`
    visible(text, spaces=...) -> str         invisible characters drawn as markers

Messages are aligned with difflib on (role, content); each message is diffed by line, changed
lines by word, changed words by character (grapheme cluster). A TextDiff gives side-by-side
`rows`, an `inline` sequence and compact `hunks`, with whitespace changes named in `notes`.
"""

from .content import diff_contents, nothing
from .model import (
    Change,
    ContentDiff,
    FieldChange,
    FieldChangeKind,
    Hunk,
    InlineSegment,
    Line,
    MessageDiff,
    MessageStatus,
    Row,
    Span,
    TextDiff,
    WhitespaceNote,
)
from .terminal import render_terminal
from .tokens import warm_up
from .text import diff_texts
from .tokens import split_lines, utf16_offset
from .whitespace import WhitespaceKind, describe_char, visible

__all__ = [
    "Change",
    "warm_up",
    "ContentDiff",
    "FieldChange",
    "FieldChangeKind",
    "Hunk",
    "InlineSegment",
    "Line",
    "MessageDiff",
    "MessageStatus",
    "Row",
    "Span",
    "TextDiff",
    "WhitespaceKind",
    "WhitespaceNote",
    "describe_char",
    "diff_contents", "nothing",
    "diff_texts",
    "render_terminal",
    "split_lines",
    "utf16_offset",
    "visible",
]
