"""What the diff panes show, line by line, as plain data (no Qt), built from a ContentDiff.

Each DisplayLine becomes one text block. Side by side, both sides have the same number of lines
(a filler where a side has nothing), so that block i on the left sits beside block i on the right.
Text keeps its logical order; invisible characters are drawn with `visible()` markers: always
in changed text, and, in unchanged text, the ones that look like something else (tabs,
no-break and zero-width spaces), never ordinary spaces or joiners that shape a script.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from desktop.core.diff import (
    Change,
    ContentDiff,
    Line,
    MessageDiff,
    MessageStatus,
    Row,
    TextDiff,
    visible,
)

from .changes import ChangeList

# Piece kinds
EQUAL, DELETE, INSERT, NOTE = "equal", "delete", "insert", "note"
# Line kinds
HEADER, FOLD, FILLER, EMPTY = "header", "fold", "filler", "empty"
LINE_EQUAL, LINE_DELETE, LINE_INSERT, LINE_REPLACE = "equal", "delete", "insert", "replace"

CONTEXT = 3  # unchanged lines kept around a change when only changes are shown


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of one line as shown. `source` holds the characters it stands for."""

    text: str
    kind: str = EQUAL  # EQUAL, DELETE, INSERT, or NOTE (an annotation, not part of the text)
    emphasis: bool = False  # these very characters differ (the darker shade)
    whitespace: bool = False  # a changed run of only whitespace or invisible characters
    marker: bool = False  # drawn markers (·, →, ↵, [ZWSP]...) rather than the characters
    source: str = ""


@dataclass(slots=True)
class DisplayLine:
    kind: str
    pieces: tuple[Piece, ...] = ()
    old_no: int | None = None
    new_no: int | None = None
    rtl: bool | None = None  # paragraph direction of the original line; None: left to right UI
    message: int | None = None  # index into ContentDiff.messages
    change: int | None = None  # index into ChangeList.items, on every line of that change

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)


@dataclass(slots=True)
class Layout:
    """Lines for one mode, and where each change begins and ends (line indices)."""

    panes: tuple[list[DisplayLine], ...]  # (left, right) side by side; (lines,) inline
    anchors: dict[int, tuple[int, int]] = field(default_factory=dict)


# -- Drawing invisible characters ---------------------------------------------------------


def draw(text: str, *, spaces: bool, joiners: bool) -> list[tuple[str, bool, str]]:
    """`text` as (shown, is_marker, source) runs. Markers come from `visible`, which replaces
    characters one by one, so a walk over both strings tells the markers from the text."""
    shown = visible(text, spaces=spaces, newlines=True, joiners=joiners)
    if shown == text:
        return [(text, False, text)] if text else []
    out: list[tuple[str, bool, str]] = []
    j = 0
    for ch in text:
        if shown.startswith(ch, j):
            piece, marker = ch, False
        else:
            piece = visible(ch, spaces=spaces, newlines=True, joiners=True)
            marker = True
            assert shown.startswith(piece, j), (text, shown, j)
        j += len(piece)
        if out and out[-1][1] == marker:
            prev = out[-1]
            out[-1] = (prev[0] + piece, marker, prev[2] + ch)
        else:
            out.append((piece, marker, ch))
    return out


def _changed_pieces(text: str, kind: str, emphasis: bool) -> list[Piece]:
    """A changed span: every blank is drawn and flagged as whitespace, except a single space
    between two words, which stays a space so that a rewritten sentence still reads as one.
    Drawn as a whole, so that a joiner inside an emoji stays part of the picture."""
    runs = draw(text, spaces=True, joiners=True)
    out: list[Piece] = []
    for k, (shown, marker, source) in enumerate(runs):
        gap = (marker and source == " " and 0 < k < len(runs) - 1)
        if gap:
            out.append(Piece(" ", kind, emphasis, False, False, " "))
        else:
            out.append(Piece(shown, kind, emphasis, marker, marker, source))
    return out


def _equal_pieces(text: str) -> list[Piece]:
    return [Piece(s, EQUAL, False, False, m, src) for s, m, src in draw(text, spaces=False,
                                                                       joiners=False)]


def direction(text: str) -> bool | None:
    """True for right-to-left, False for left-to-right, None when the text has no strong
    character: the first strong character decides, as in the Unicode bidi algorithm (P2)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    return None


def line_pieces(line: Line, *, whole_line: bool) -> list[Piece]:
    """One side of one row. `whole_line`: the line was added or removed whole, so it is tinted
    lightly rather than in the darker character shade."""
    out: list[Piece] = []
    last = len(line.spans) - 1
    for k, span in enumerate(line.spans):
        text = span.text
        if span.kind is Change.EQUAL:
            if k == last and line.ending and text.endswith(line.ending):
                text = text[: -len(line.ending)]
            out += _equal_pieces(text)
        else:
            kind = DELETE if span.kind is Change.DELETE else INSERT
            emphasis = span.emphasis and not whole_line
            if whole_line and k == last and text.endswith("\n") and text.strip():
                text = text[:-1]  # an added line's own line break says nothing
                if text.endswith("\r"):
                    out += _changed_pieces(text[:-1], kind, emphasis)
                    out += _changed_pieces("\r", kind, emphasis)
                    continue
            out += _changed_pieces(text, kind, emphasis)
    return out


# -- Side by side -------------------------------------------------------------------------


def _header_text(m: MessageDiff, side: str) -> str:
    index = m.old_index if side == "old" else m.new_index
    role = m.old_role if side == "old" else m.new_role
    if index is None:
        return "(not in this version)"
    words = {
        MessageStatus.UNCHANGED: "unchanged",
        MessageStatus.CHANGED: "changed",
        MessageStatus.ADDED: "added",
        MessageStatus.REMOVED: "removed",
    }
    if m.status is MessageStatus.MOVED:
        state = (f"moved to position {m.new_index + 1}" if side == "old"
                 else f"moved from position {m.old_index + 1}")
    else:
        state = words[m.status]
    if m.old_role and m.new_role and m.old_role != m.new_role:
        state += f", role was {m.old_role}" if side == "new" else f", role now {m.new_role}"
    return f"Message {index + 1} · {role} — {state}"


def _header(m: MessageDiff, side: str, message: int, change: int | None) -> DisplayLine:
    return DisplayLine(HEADER, (Piece(_header_text(m, side)),), message=message, change=change)


def _fold(count: int, message: int) -> DisplayLine:
    noun = "line" if count == 1 else "lines"
    return DisplayLine(FOLD, (Piece(f"⋯  {count} unchanged {noun}  ⋯"),), message=message)


def _row_kind(row: Row) -> str:
    return {Change.EQUAL: LINE_EQUAL, Change.INSERT: LINE_INSERT, Change.DELETE: LINE_DELETE,
            Change.REPLACE: LINE_REPLACE}[row.kind]


def _final_newline_notes(text: TextDiff) -> tuple[str | None, str | None]:
    """Which side, if any, lacks the final newline the other has: a note for that side."""
    a_ends, b_ends = text.a.endswith("\n"), text.b.endswith("\n")
    if not text.a or not text.b or a_ends == b_ends:
        return None, None
    note = "  no line break at the end"
    return (None, note) if a_ends else (note, None)


def _visible_rows(rows: tuple[Row, ...], compact: bool,
                  context: int) -> list[int | tuple[int, int]]:
    """Row indices to show, with (first, count) tuples standing for folded unchanged rows."""
    if not compact:
        return list(range(len(rows)))
    keep = [False] * len(rows)
    for i, row in enumerate(rows):
        if row.kind is not Change.EQUAL:
            for k in range(max(0, i - context), min(len(rows), i + context + 1)):
                keep[k] = True
    out: list[int | tuple[int, int]] = []
    i = 0
    while i < len(rows):
        if keep[i]:
            out.append(i)
            i += 1
            continue
        j = i
        while j < len(rows) and not keep[j]:
            j += 1
        if j - i <= 1:  # folding one line saves nothing
            out.append(i)
        else:
            out.append((i, j - i))
        i = j
    return out


def side_by_side(diff: ContentDiff, changes: ChangeList, *, compact: bool = True,
                 context: int = CONTEXT) -> Layout:
    left: list[DisplayLine] = []
    right: list[DisplayLine] = []
    anchors: dict[int, tuple[int, int]] = {}
    for mi, m in enumerate(diff.messages):
        message_change = changes.for_message(mi)
        start = len(left)
        left.append(_header(m, "old", mi, message_change))
        right.append(_header(m, "new", mi, message_change))
        if message_change is not None:
            anchors[message_change] = (start, start)
        rows = m.text.rows
        if not rows:
            left.append(DisplayLine(EMPTY, (Piece("(empty)"),), message=mi))
            right.append(DisplayLine(EMPTY, (Piece("(empty)"),), message=mi))
            continue
        row_change = changes.row_map(mi)
        left_note, right_note = _final_newline_notes(m.text)
        whole = m.status in (MessageStatus.ADDED, MessageStatus.REMOVED)
        for item in _visible_rows(rows, compact, context):
            if isinstance(item, tuple):
                left.append(_fold(item[1], mi))
                right.append(_fold(item[1], mi))
                continue
            row = rows[item]
            change = row_change.get(item, message_change if whole else None)
            kind = _row_kind(row)
            lone = row.kind in (Change.INSERT, Change.DELETE) or whole
            sides = []
            for line, note, is_last in ((row.left, left_note, item == _last(rows, "left")),
                                        (row.right, right_note, item == _last(rows, "right"))):
                if line is None:
                    sides.append(None)
                    continue
                pieces = line_pieces(line, whole_line=lone)
                if note and is_last:
                    pieces.append(Piece(note, NOTE))
                sides.append(DisplayLine(kind, tuple(pieces), rtl=direction(line.text),
                                         message=mi, change=change))
            l_line, r_line = sides
            if l_line is not None:
                l_line.old_no = row.left.number
            if r_line is not None:
                r_line.new_no = row.right.number
            rtl = (l_line or r_line).rtl
            left.append(l_line or DisplayLine(FILLER, rtl=rtl, message=mi, change=change))
            right.append(r_line or DisplayLine(FILLER, rtl=rtl, message=mi, change=change))
            if change is not None:
                first, _ = anchors.get(change, (len(left) - 1, 0))
                anchors[change] = (first, len(left) - 1)
    return Layout((left, right), anchors)


def _whole(m: MessageDiff) -> bool:
    return m.status in (MessageStatus.ADDED, MessageStatus.REMOVED)


def _last(rows: tuple[Row, ...], side: str) -> int | None:
    for i in range(len(rows) - 1, -1, -1):
        if getattr(rows[i], side) is not None:
            return i
    return None


# -- Inline -------------------------------------------------------------------------------


class _InlineBuilder:
    """Cuts a message's inline segments into lines. A line break that was removed or added
    is drawn (↵) and still breaks the line, so removed lines read as lines of their own."""

    def __init__(self, mi: int) -> None:
        self.mi = mi
        self.lines: list[DisplayLine] = []
        self.pieces: list[Piece] = []
        self.old_no, self.new_no = 1, 1
        self.begins_old = self.begins_new = True
        self.ranges: list[tuple[int, int, int, int]] = []  # per line: a_from, a_to, b_from, b_to
        self.a = self.b = 0
        self.a_from = self.b_from = 0
        self.source: list[str] = []

    def add(self, piece: Piece) -> None:
        self.pieces.append(piece)

    def advance(self, kind: Change, length: int) -> None:
        if kind in (Change.EQUAL, Change.DELETE):
            self.a += length
        if kind in (Change.EQUAL, Change.INSERT):
            self.b += length

    def end_line(self, via: Change | None) -> None:
        kinds = {p.kind for p in self.pieces if p.kind != NOTE}
        if kinds <= {EQUAL}:
            kind = LINE_EQUAL
        elif kinds == {DELETE}:
            kind = LINE_DELETE
        elif kinds == {INSERT}:
            kind = LINE_INSERT
        else:
            kind = LINE_REPLACE
        text = "".join(self.source)
        self.lines.append(DisplayLine(
            kind, tuple(self.pieces),
            old_no=self.old_no if self.begins_old else None,
            new_no=self.new_no if self.begins_new else None,
            rtl=direction(text), message=self.mi))
        self.ranges.append((self.a_from, self.a, self.b_from, self.b))
        self.pieces, self.source = [], []
        self.a_from, self.b_from = self.a, self.b
        if via is None:
            return
        if via in (Change.EQUAL, Change.DELETE):
            self.old_no += 1
        if via in (Change.EQUAL, Change.INSERT):
            self.new_no += 1
        self.begins_old = via in (Change.EQUAL, Change.DELETE)
        self.begins_new = via in (Change.EQUAL, Change.INSERT)


def _inline_message(mi: int, m: MessageDiff) -> tuple[list[DisplayLine], list[tuple[int, ...]]]:
    b = _InlineBuilder(mi)
    if not m.text.a:
        b.begins_old = False
    if not m.text.b:
        b.begins_new = False
    whole = m.status in (MessageStatus.ADDED, MessageStatus.REMOVED)
    pending = False  # a removed line break not drawn as a break yet
    for seg in m.text.inline:
        kind = {Change.EQUAL: EQUAL, Change.DELETE: DELETE, Change.INSERT: INSERT}[seg.kind]
        parts = seg.text.split("\n")
        if pending:
            pending = False
            # CRLF -> LF, or a space before the break: one line break changed, not two lines.
            same_break = seg.kind is Change.INSERT and len(parts) > 1 and not parts[0].strip()
            if not same_break:
                b.end_line(Change.DELETE)
            merged = same_break
        else:
            merged = False
        for k, part in enumerate(parts):
            has_break = k < len(parts) - 1
            if seg.kind is Change.EQUAL:
                shown = part[:-1] if has_break and part.endswith("\r") else part
                b.pieces += _equal_pieces(shown)
                b.source.append(part)
                b.advance(seg.kind, len(part) + (1 if has_break else 0))
                if has_break:
                    b.end_line(Change.EQUAL)
                continue
            emphasis = seg.emphasis and not whole
            chunk = part + ("\n" if has_break else "")
            if whole and has_break and part.strip():
                chunk = part  # a whole added or removed line: its line break goes unsaid
            if chunk:
                b.pieces += _changed_pieces(chunk, kind, emphasis)
            b.source.append(part)
            b.advance(seg.kind, len(part) + (1 if has_break else 0))
            if has_break and seg.kind is Change.DELETE and k == len(parts) - 2 and not parts[-1]:
                pending = True  # the segment ends with this break: see what comes next
            elif has_break:
                b.end_line(Change.EQUAL if merged else seg.kind)  # merged: both sides' break
                merged = False
    if b.pieces or not b.lines:
        b.end_line(None)
    a_ends, b_ends = m.text.a.endswith("\n"), m.text.b.endswith("\n")
    if m.text.a and m.text.b and a_ends != b_ends:
        last = next((line for line in reversed(b.lines) if line.pieces), b.lines[-1])
        which = "new" if a_ends else "old"
        last.pieces = last.pieces + (Piece(f"  no line break at the end of the {which} text",
                                           NOTE),)
    # The line after the last line break holds nothing: drop it.
    if len(b.lines) > 1 and not b.lines[-1].pieces:
        b.lines.pop()
        b.ranges.pop()
    return b.lines, b.ranges


def inline(diff: ContentDiff, changes: ChangeList, *, compact: bool = True,
           context: int = CONTEXT) -> Layout:
    lines: list[DisplayLine] = []
    anchors: dict[int, tuple[int, int]] = {}
    for mi, m in enumerate(diff.messages):
        message_change = changes.for_message(mi)
        start = len(lines)
        head = _header_text(m, "new" if m.new_index is not None else "old")
        lines.append(DisplayLine(HEADER, (Piece(head),), message=mi, change=message_change))
        if message_change is not None:
            anchors[message_change] = (start, start)
        if not m.text.a and not m.text.b:
            lines.append(DisplayLine(EMPTY, (Piece("(empty)"),), message=mi))
            continue
        body, ranges = _inline_message(mi, m)
        if _whole(m) and message_change is not None:
            for line in body:
                line.change = message_change
        # Mark each change's lines: a change covers rows; find them by text offsets.
        for change, item in changes.in_message(mi):
            lo_a, hi_a, lo_b, hi_b = changes.offsets(item, m.text)
            for k, (a1, a2, b1, b2) in enumerate(ranges):
                if body[k].kind == LINE_EQUAL:
                    continue
                if _overlaps(a1, a2, lo_a, hi_a) or _overlaps(b1, b2, lo_b, hi_b):
                    if body[k].change is None:
                        body[k].change = change
        keep = _keep(body, compact, context)
        index = 0
        while index < len(body):
            if keep[index]:
                line = body[index]
                lines.append(line)
                if line.change is not None:
                    first, _ = anchors.get(line.change, (len(lines) - 1, 0))
                    anchors[line.change] = (first, len(lines) - 1)
                index += 1
                continue
            j = index
            while j < len(body) and not keep[j]:
                j += 1
            lines.append(_fold(j - index, mi))
            index = j
    return Layout((lines,), anchors)


def _overlaps(a1: int, a2: int, lo: int, hi: int) -> bool:
    if lo == hi:  # an empty range on this side: nothing of it lies here
        return False
    return a1 < hi and lo < max(a2, a1 + 1)


def _keep(lines: list[DisplayLine], compact: bool, context: int) -> list[bool]:
    if not compact:
        return [True] * len(lines)
    keep = [False] * len(lines)
    for i, line in enumerate(lines):
        if line.kind != LINE_EQUAL:
            for k in range(max(0, i - context), min(len(lines), i + context + 1)):
                keep[k] = True
    # Folding a single line saves nothing.
    for i in range(len(lines)):
        if not keep[i] and (i == 0 or keep[i - 1]) and (i + 1 >= len(lines) or keep[i + 1]):
            keep[i] = True
    return keep


__all__ = [
    "DisplayLine",
    "Layout",
    "Piece",
    "direction",
    "draw",
    "inline",
    "line_pieces",
    "side_by_side",
]
