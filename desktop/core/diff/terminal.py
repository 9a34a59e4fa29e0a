"""The diff as terminal text, for `promptpress prompt diff A B`.

Changed lines are printed as a `-` line (old) and a `+` line (new) with two line-number columns.
With colour, changed characters get a red/green background; without, they are wrapped in
`[-...-]` and `{+...+}` (unless the whole line changed, which its sign already says). In both,
invisible characters are drawn (see `whitespace.visible`): tabs `→`, CR `␍`, a changed line end
`↵`, no-break space `⍽`, `[ZWSP]`...; spaces become `·` where they are the change or trail a
changed line. Control characters in prompts are drawn too, so no text can drive the terminal.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from .model import (
    Change,
    ContentDiff,
    FieldChange,
    FieldChangeKind,
    Line,
    MessageDiff,
    MessageStatus,
    Row,
    TextDiff,
)
from .whitespace import visible

_RESET = "\x1b[0m"
_STYLES = {
    "title": "\x1b[1m",
    "hunk": "\x1b[36m",
    "note": "\x1b[33m",
    "delete": "\x1b[31m",
    "insert": "\x1b[32m",
    "delete!": "\x1b[1;97;41m",
    "insert!": "\x1b[1;97;42m",
}
_NO_NEWLINE = "\\ no newline at end"


class _Out:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def style(self, text: str, name: str) -> str:
        return f"{_STYLES[name]}{text}{_RESET}" if self.color and text else text

    def add(self, text: str = "", name: str | None = None) -> None:
        self.lines.append(self.style(text, name) if name else text)


def render_terminal(diff: ContentDiff | TextDiff, color: bool) -> str:
    """Render a version diff (or a plain text diff) for a terminal; `color` adds ANSI colours."""
    out = _Out(color)
    if isinstance(diff, TextDiff):
        if not diff.changed:
            out.add("No changes.")
        _text(out, diff)
    else:
        _content(out, diff)
    return "\n".join(out.lines) + "\n"


def _content(out: _Out, diff: ContentDiff) -> None:
    out.add(f"--- {diff.old_id[:12]}", "delete")
    out.add(f"+++ {diff.new_id[:12]}", "insert")
    if not diff.changed:
        out.add(f"No changes: both are version {diff.new_id[:12]}.")
        return
    for change in diff.fields:
        _field(out, change)
    for message in diff.messages:
        if message.status is not MessageStatus.UNCHANGED:
            _message(out, message)


def _field(out: _Out, change: FieldChange) -> None:
    spaced = bool(change.notes)
    old = out.style(_value(change.old, spaced), "delete")
    new = out.style(_value(change.new, spaced), "insert")
    path = out.style(change.path, "title")
    if change.kind is FieldChangeKind.ADDED:
        out.add(f"{path}: added {new}")
    elif change.kind is FieldChangeKind.REMOVED:
        out.add(f"{path}: removed {old}")
    elif change.kind is FieldChangeKind.REORDERED:
        out.add(f"{path}: reordered {old} -> {new}")
    else:
        out.add(f"{path}: {old} -> {new}")
    for note in change.notes:
        out.add(f"  ! {note}", "note")


def _value(value: Any, spaces: bool) -> str:
    if isinstance(value, str):
        return '"' + visible(value, spaces=spaces) + '"'
    return visible(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _message(out: _Out, message: MessageDiff) -> None:
    status = message.status
    if status is MessageStatus.MOVED:
        what = f"moved from position {message.old_index + 1} to {message.new_index + 1}"
    elif status is MessageStatus.CHANGED and message.old_index != message.new_index:
        what = f"changed (was message {message.old_index + 1})"
    else:
        what = status.value
    out.add(f"{message.label} {what}", "title")
    if message.old_role and message.new_role and message.old_role != message.new_role:
        out.add(f"role: {message.old_role} -> {message.new_role}")
    if status is not MessageStatus.MOVED:
        _text(out, message.text)


def _text(out: _Out, diff: TextDiff) -> None:
    width = len(str(max(len(diff.a.split("\n")), len(diff.b.split("\n")))))
    for hunk in diff.hunks:
        out.add(f"@@ {hunk.header} @@", "hunk")
        for note in hunk.notes:
            out.add(f"! {note}", "note")
        for row in hunk.rows:
            _row(out, row, width)


def _row(out: _Out, row: Row, width: int) -> None:
    blank = " " * width
    if row.kind is Change.EQUAL and row.left and row.right:
        numbers = f"{row.left.number:>{width}} {row.right.number:>{width}}"
        out.add(f"  {numbers} │ {_render(out, row.right, Change.EQUAL, changed_row=False)}")
        if not row.right.ending:
            out.add(_NO_NEWLINE)
        return
    if row.left:
        text = _render(out, row.left, Change.DELETE, changed_row=True)
        out.add(out.style(f"- {row.left.number:>{width}} {blank} │ ", "delete") + text)
        if not row.left.ending:
            out.add(_NO_NEWLINE)
    if row.right:
        text = _render(out, row.right, Change.INSERT, changed_row=True)
        out.add(out.style(f"+ {blank} {row.right.number:>{width}} │ ", "insert") + text)
        if not row.right.ending:
            out.add(_NO_NEWLINE)


def _render(out: _Out, line: Line, side: Change, *, changed_row: bool) -> str:
    """One line's text with markers; emphasis shown by colour or by [-...-] / {+...+}."""
    body_end = len(line.text) - len(line.ending)
    trail = len(line.text[:body_end].rstrip(" \t")) if changed_row else body_end
    whole = all(span.emphasis for span in line.spans)
    pieces: list[tuple[str, bool]] = []
    for span in line.spans:
        cuts = sorted(
            {span.start, span.end, *(c for c in (trail, body_end) if span.start < c < span.end)}
        )
        for lo, hi in itertools.pairwise(cuts):
            text = line.text[lo:hi]
            if lo >= body_end:
                # A changed line end is drawn, unless the whole line is new or gone anyway.
                mark = "↵" if span.emphasis and not whole else ""
                shown = text.replace("\r", "␍").replace("\n", mark)
            else:
                spaces = lo >= trail or (span.emphasis and not text.strip(" "))
                shown = visible(
                    text, spaces=spaces, newlines=False, joiners=span.kind is not Change.EQUAL
                )
            if shown:
                if pieces and pieces[-1][1] == span.emphasis:
                    pieces[-1] = (pieces[-1][0] + shown, span.emphasis)
                else:
                    pieces.append((shown, span.emphasis))
    if side is Change.EQUAL:
        return "".join(text for text, _ in pieces)
    base = "delete" if side is Change.DELETE else "insert"
    if whole:
        return out.style("".join(text for text, _ in pieces), base)
    if out.color:
        return "".join(
            out.style(text, base + "!" if emphasis else base) for text, emphasis in pieces
        )
    left, right = ("[-", "-]") if side is Change.DELETE else ("{+", "+}")
    return "".join(f"{left}{text}{right}" if emphasis else text for text, emphasis in pieces)
