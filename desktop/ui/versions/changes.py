"""The changes between two versions as a person counts them, and the one-line summary.

A change is a setting that changed, a message added, removed or moved, or one run of changed
lines inside a message. Whitespace-only changes are flagged: those are the ones people miss, so
the summary names them even when there are many other changes. Pure Python, no Qt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from desktop.core.diff import (
    Change,
    ContentDiff,
    FieldChange,
    FieldChangeKind,
    MessageDiff,
    MessageStatus,
    TextDiff,
    visible,
)
from desktop.core.diff.text import summarise

SUMMARY_ALL = 3  # up to this many changes, the summary names every one
VALUE_CHARS = 80


@dataclass(frozen=True, slots=True)
class ChangeItem:
    group: str  # "Settings", "System message", "Message 2 (user)"
    description: str  # "trailing space added on line 41", "lines 3-5 changed", "temperature: ..."
    where: str = ""  # " of the system message", " in message 2 (user)", ""
    notes: tuple[str, ...] = ()  # whitespace notes of a change that is not only whitespace
    whitespace_only: bool = False
    message: int | None = None  # index into ContentDiff.messages
    rows: tuple[int, int] | None = None  # first and last row of a run of changed lines
    field: int | None = None  # index into ContentDiff.fields

    @property
    def sentence(self) -> str:
        extra = f" ({'; '.join(self.notes)})" if self.notes else ""
        return f"{self.description}{self.where}{extra}"


def _is_blank(text: str) -> bool:
    return all(ch.isspace() or visible(ch) != ch for ch in text)


def _numbers(numbers: list[int]) -> str:
    if not numbers:
        return ""
    lo, hi = min(numbers), max(numbers)
    return f"line {lo}" if lo == hi else f"lines {lo}–{hi}"


def message_name(diff: ContentDiff, m: MessageDiff) -> str:
    """'the system message' when it is the only one with its role, else 'message 2 (user)'."""
    same_role = sum(1 for other in diff.messages if other.role == m.role
                    and other.status is not MessageStatus.REMOVED)
    if m.status is MessageStatus.REMOVED:
        same_role = sum(1 for other in diff.messages if other.role == m.role
                        and other.old_index is not None)
    if same_role == 1 and m.role:
        return f"the {m.role} message"
    return m.label


def field_label(path: str) -> str:
    """'parameters.temperature' -> 'temperature', 'variables.topic.default' -> 'variable
    “topic”: default value'."""
    if path.startswith("parameters."):
        return path.removeprefix("parameters.")
    if path == "variables":
        return "order of variables"
    if path.startswith("variables."):
        rest = path.removeprefix("variables.")
        name, _, part = rest.rpartition(".") if rest.endswith((".default", ".description")) \
            else (rest, "", "")
        part = {"default": "default value", "description": "description"}.get(part, part)
        return f"variable “{name}”" + (f": {part}" if part else "")
    if path == "template_format":
        return "template format"
    if path.startswith("response_format"):
        return "response format" + path.removeprefix("response_format")
    return path


def format_value(value: Any) -> str:
    """A setting's value, short, with invisible characters drawn."""
    if value is None:
        return "(not set)"
    if value == "":
        return "(empty)"
    if isinstance(value, str):
        text = visible(value, spaces=False)
        return text if text.strip() else f"“{visible(value, spaces=True)}”"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _field_item(k: int, f: FieldChange) -> ChangeItem:
    label = field_label(f.path)
    if f.kind is FieldChangeKind.ADDED or (f.kind is FieldChangeKind.CHANGED and f.old == ""):
        text = f"{label} set to {format_value(f.new)}"
    elif f.kind is FieldChangeKind.CHANGED and f.new == "":
        text = f"{label} cleared (was {format_value(f.old)})"
    elif f.kind is FieldChangeKind.REMOVED:
        text = f"{label} removed (was {format_value(f.old)})"
    elif f.kind is FieldChangeKind.REORDERED:
        text = f"variables reordered: {format_value(f.new)}"
    else:
        text = f"{label} changed from {format_value(f.old)} to {format_value(f.new)}"
    only_ws = bool(f.notes) and isinstance(f.old, str) and isinstance(f.new, str) \
        and "".join(f.old.split()) == "".join(f.new.split())
    if only_ws:
        text = f"{label}: {'; '.join(f.notes)}"
    return ChangeItem("Settings", text, "", () if only_ws else f.notes, only_ws, field=k)


class ChangeList:
    """Every change of a ContentDiff, in reading order: settings first, then messages."""

    def __init__(self, diff: ContentDiff) -> None:
        self.diff = diff
        self.items: list[ChangeItem] = []
        self._message_item: dict[int, int] = {}
        self._rows: dict[int, dict[int, int]] = {}
        self._in_message: dict[int, list[int]] = {}
        for k, f in enumerate(diff.fields):
            self.items.append(_field_item(k, f))
        for mi, m in enumerate(diff.messages):
            self._add_message(mi, m)

    def __len__(self) -> int:
        return len(self.items)

    def _add(self, item: ChangeItem) -> int:
        self.items.append(item)
        return len(self.items) - 1

    def _add_message(self, mi: int, m: MessageDiff) -> None:
        name = message_name(self.diff, m)
        group = name.removeprefix("the ").capitalize() if name.startswith("the ") else \
            name[0].upper() + name[1:]
        if m.status is MessageStatus.ADDED:
            lines = len(m.text.rows)
            self._message_item[mi] = self._add(ChangeItem(
                group, f"{name} added ({lines} line{'s' if lines != 1 else ''})",
                message=mi))
            return
        if m.status is MessageStatus.REMOVED:
            self._message_item[mi] = self._add(ChangeItem(
                group, f"{name} removed", message=mi))
            return
        if m.status is MessageStatus.MOVED:
            self._message_item[mi] = self._add(ChangeItem(
                group, f"{name} moved from position {m.old_index + 1} to {m.new_index + 1}",
                message=mi))
            return
        if m.old_role and m.new_role and m.old_role != m.new_role:
            self._message_item[mi] = self._add(ChangeItem(
                group, f"role of message {m.new_index + 1} changed from {m.old_role} to "
                f"{m.new_role}", message=mi))
        if m.status is MessageStatus.UNCHANGED:
            return
        rows = m.text.rows
        row_map: dict[int, int] = {}
        i = 0
        while i < len(rows):
            if rows[i].kind is Change.EQUAL:
                i += 1
                continue
            j = i
            while j + 1 < len(rows) and rows[j + 1].kind is not Change.EQUAL:
                j += 1
            index = self._add(self._run(m, name, group, mi, i, j))
            self._in_message.setdefault(mi, []).append(index)
            for r in range(i, j + 1):
                row_map[r] = index
            i = j + 1
        self._rows[mi] = row_map

    def _run(self, m: MessageDiff, name: str, group: str, mi: int, i: int, j: int) -> ChangeItem:
        rows = m.text.rows[i : j + 1]
        notes = summarise([n for n in m.text.whitespace if i <= n.row <= j])
        changed = [span.text for row in rows for line in (row.left, row.right) if line
                   for span in line.spans if span.kind is not Change.EQUAL]
        only_ws = bool(notes) and all(_is_blank(text) for text in changed)
        kinds = {row.kind for row in rows}
        if only_ws:
            return ChangeItem(group, "; ".join(notes), f" of {name}", (), True, mi, (i, j))
        if kinds == {Change.INSERT}:
            text = f"{_numbers([r.right.number for r in rows])} added"
        elif kinds == {Change.DELETE}:
            text = f"{_numbers([r.left.number for r in rows])} removed"
        else:
            numbers = [r.right.number for r in rows if r.right]
            text = f"{_numbers(numbers or [r.left.number for r in rows if r.left])} changed"
        return ChangeItem(group, text, f" in {name}", notes, False, mi, (i, j))

    # -- lookups for the display ----------------------------------------------------------
    def for_message(self, mi: int) -> int | None:
        """The change that concerns a whole message (added, removed, moved, role), if any."""
        return self._message_item.get(mi)

    def row_map(self, mi: int) -> dict[int, int]:
        """Row index -> change index, for the changed rows of a message."""
        return self._rows.get(mi, {})

    def in_message(self, mi: int) -> list[tuple[int, ChangeItem]]:
        return [(k, self.items[k]) for k in self._in_message.get(mi, [])]

    @staticmethod
    def offsets(item: ChangeItem, text: TextDiff) -> tuple[int, int, int, int]:
        """The character ranges [lo_a, hi_a) and [lo_b, hi_b) a run of rows covers."""
        assert item.rows is not None
        rows = text.rows[item.rows[0] : item.rows[1] + 1]
        lefts = [r.left for r in rows if r.left]
        rights = [r.right for r in rows if r.right]
        lo_a = lefts[0].start if lefts else 0
        hi_a = lefts[-1].start + len(lefts[-1].text) if lefts else 0
        lo_b = rights[0].start if rights else 0
        hi_b = rights[-1].start + len(rights[-1].text) if rights else 0
        return lo_a, hi_a, lo_b, hi_b

    # -- summary --------------------------------------------------------------------------
    @property
    def whitespace_items(self) -> list[ChangeItem]:
        return [item for item in self.items if item.whitespace_only]

    def summary(self) -> str:
        """'1 change: trailing space added on line 41 of the system message', or counts and
        every whitespace-only change when there are many."""
        n = len(self.items)
        if n == 0:
            return "No differences: the two are identical."
        noun = "change" if n == 1 else "changes"
        if n <= SUMMARY_ALL:
            return f"{n} {noun}: " + "; ".join(item.sentence for item in self.items) + "."
        settings = sum(1 for item in self.items if item.field is not None)
        messages = len({item.message for item in self.items if item.message is not None})
        parts = []
        if messages:
            parts.append(f"{messages} message{'s' if messages != 1 else ''}")
        if settings:
            parts.append(f"{settings} setting{'s' if settings != 1 else ''}")
        text = f"{n} {noun} in " + " and ".join(parts) + "."
        quiet = self.whitespace_notes()
        if quiet:
            shown = "; ".join(quiet[:SUMMARY_ALL])
            more = f"; and {len(quiet) - SUMMARY_ALL} more" if len(quiet) > SUMMARY_ALL else ""
            text += f" Whitespace changed too: {shown}{more}."
        return text

    def whitespace_notes(self) -> list[str]:
        """Every whitespace change, located: whole changes first, then those inside others."""
        out = [item.sentence for item in self.items if item.whitespace_only]
        for item in self.items:
            if item.notes:
                where = item.where.replace(" in ", " of ", 1) if item.where else ""
                out += [f"{note}{where}" for note in item.notes]
        return out
