"""Diffing two prompt versions: messages aligned and diffed as text, other fields listed."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from storage.releases.content import Message, PromptContent, Variable, version_id

from .matching import opcodes
from .model import (
    ContentDiff,
    FieldChange,
    FieldChangeKind,
    MessageDiff,
    MessageStatus,
)
from .text import diff_texts
from .tokens import split_lines

PAIR_CELLS = 2_500


def diff_contents(old: PromptContent, new: PromptContent, *, context: int = 3) -> ContentDiff:
    """Compare two versions' contents. `changed` is False exactly when their ids are equal."""
    return ContentDiff(
        old_id=version_id(old),
        new_id=version_id(new),
        messages=_messages(old.messages, new.messages, context),
        fields=tuple(_fields(old, new)),
    )


# -- Messages ---------------------------------------------------------------------------------


def _messages(
    old: tuple[Message, ...], new: tuple[Message, ...], context: int
) -> tuple[MessageDiff, ...]:
    """Align by (role, content) with difflib; inside a changed block, pair messages of the same
    role (or the same text) by similarity; a message removed in one place and added unchanged in
    another is reported as moved."""
    keys_a = [(m.role, m.content) for m in old]
    keys_b = [(m.role, m.content) for m in new]
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in opcodes(keys_a, keys_b):
        if tag == "equal":
            pairs += [(i1 + d, j1 + d) for d in range(i2 - i1)]
        else:
            pairs += _pair_block(old, new, i1, i2, j1, j2)

    # A message removed in one place and added, unchanged, in another has moved.
    removed = {k: i for k, (i, j) in enumerate(pairs) if j is None}
    moved: dict[int, int] = {}  # position in pairs of the addition -> old index
    for k, (i, j) in enumerate(pairs):
        if i is None and j is not None:
            match = next((r for r, old_i in removed.items() if keys_a[old_i] == keys_b[j]), None)
            if match is not None:
                moved[k] = removed.pop(match)
    gone = {k for k, (i, j) in enumerate(pairs) if j is None and k not in removed}

    def entry(status: MessageStatus, i: int | None, j: int | None) -> MessageDiff:
        a = old[i] if i is not None else None
        b = new[j] if j is not None else None
        return MessageDiff(
            status,
            i,
            j,
            a.role if a else None,
            b.role if b else None,
            diff_texts(a.content if a else "", b.content if b else "", context=context),
        )

    out = []
    for k, (i, j) in enumerate(pairs):
        if k in gone:
            continue
        if k in moved:
            out.append(entry(MessageStatus.MOVED, moved[k], j))
        elif i is None:
            out.append(entry(MessageStatus.ADDED, None, j))
        elif j is None:
            out.append(entry(MessageStatus.REMOVED, i, None))
        else:
            same = old[i] == new[j]
            out.append(entry(MessageStatus.UNCHANGED if same else MessageStatus.CHANGED, i, j))
    return tuple(out)


def _pair_block(
    old: tuple[Message, ...], new: tuple[Message, ...], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int | None, int | None]]:
    """Pair the messages of a changed block, in order, maximising their total similarity; only
    messages of the same role, or with the same text, pair."""
    if (i2 - i1) * (j2 - j1) > PAIR_CELLS:
        # Very long conversations: pair in order by role alone.
        score = lambda i, j: 1.0 if new[j].role == old[i].role else None  # noqa: E731
    else:
        lines = {("a", i): Counter(split_lines(old[i].content)) for i in range(i1, i2)}
        lines |= {("b", j): Counter(split_lines(new[j].content)) for j in range(j1, j2)}

        def score(i: int, j: int) -> float | None:
            a, b = old[i], new[j]
            if a.content == b.content:
                return 3.0
            if a.role != b.role:
                return None
            la, lb = lines[("a", i)], lines[("b", j)]
            total = sum(la.values()) + sum(lb.values())
            # A small bonus for any pair: same-role messages in the same place belong together.
            return 0.01 + 2 * sum((la & lb).values()) / total

    n, m = i2 - i1, j2 - j1
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for x in range(n - 1, -1, -1):
        for y in range(m - 1, -1, -1):
            here = max(best[x + 1][y], best[x][y + 1])
            s = score(i1 + x, j1 + y)
            if s is not None:
                here = max(here, s + best[x + 1][y + 1])
            best[x][y] = here
    out: list[tuple[int | None, int | None]] = []
    x = y = 0
    while x < n and y < m:
        s = score(i1 + x, j1 + y)
        if s is not None and best[x][y] == s + best[x + 1][y + 1]:
            out.append((i1 + x, j1 + y))
            x, y = x + 1, y + 1
        elif best[x][y] == best[x + 1][y]:
            out.append((i1 + x, None))
            x += 1
        else:
            out.append((None, j1 + y))
            y += 1
    out += [(i1 + k, None) for k in range(x, n)]
    out += [(None, j1 + k) for k in range(y, m)]
    return out


# -- Other fields -----------------------------------------------------------------------------


def _fields(old: PromptContent, new: PromptContent) -> list[FieldChange]:
    out: list[FieldChange] = []
    for name in ("model", "template_format"):
        _text_field(name, getattr(old, name), getattr(new, name), out)
    _json("parameters", old.parameters, new.parameters, out)
    _variables(old.variables, new.variables, out)
    _json("response_format", old.response_format, new.response_format, out)
    _json("tools", old.tools, new.tools, out)
    return out


def _text_field(path: str, old: Any, new: Any, out: list[FieldChange]) -> None:
    if _canonical(old) == _canonical(new):
        return
    if old is None:
        out.append(FieldChange(path, FieldChangeKind.ADDED, None, new))
    elif new is None:
        out.append(FieldChange(path, FieldChangeKind.REMOVED, old, None))
    else:
        notes: tuple[str, ...] = ()
        if isinstance(old, str) and isinstance(new, str):
            diff = diff_texts(old, new)
            if "\n" in old or "\n" in new:
                notes = diff.notes
            else:  # a one-line value: where is obvious
                notes = tuple(note.rsplit(" on line ", 1)[0] for note in diff.notes)
        out.append(FieldChange(path, FieldChangeKind.CHANGED, old, new, notes))


def _variables(
    old: tuple[Variable, ...], new: tuple[Variable, ...], out: list[FieldChange]
) -> None:
    by_old = {v.name: v for v in old}
    by_new = {v.name: v for v in new}
    for v in old:
        if v.name not in by_new:
            out.append(
                FieldChange(f"variables.{v.name}", FieldChangeKind.REMOVED, _variable(v), None)
            )
    for v in new:
        if v.name not in by_old:
            out.append(
                FieldChange(f"variables.{v.name}", FieldChangeKind.ADDED, None, _variable(v))
            )
            continue
        was = by_old[v.name]
        _text_field(f"variables.{v.name}.description", was.description, v.description, out)
        _text_field(f"variables.{v.name}.default", was.default, v.default, out)
    old_order = [v.name for v in old if v.name in by_new]
    new_order = [v.name for v in new if v.name in by_old]
    if old_order != new_order:
        out.append(FieldChange("variables", FieldChangeKind.REORDERED, old_order, new_order))


def _variable(v: Variable) -> dict[str, Any]:
    return {"description": v.description, "default": v.default}


def _json(path: str, old: Any, new: Any, out: list[FieldChange]) -> None:
    """Changes between two JSON values, down to the leaves, with paths like `tools[0].type`."""
    if _canonical(old) == _canonical(new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            sub = (
                f"{path}.{key}"
                if key.isidentifier()
                else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
            )
            if key not in old:
                out.append(FieldChange(sub, FieldChangeKind.ADDED, None, new[key]))
            elif key not in new:
                out.append(FieldChange(sub, FieldChangeKind.REMOVED, old[key], None))
            else:
                _json(sub, old[key], new[key], out)
    elif isinstance(old, list) and isinstance(new, list):
        keys_a, keys_b = [_canonical(x) for x in old], [_canonical(x) for x in new]
        for tag, i1, i2, j1, j2 in opcodes(keys_a, keys_b):
            if tag == "equal":
                continue
            if tag == "replace" and i2 - i1 == j2 - j1:
                for d in range(i2 - i1):
                    _json(f"{path}[{j1 + d}]", old[i1 + d], new[j1 + d], out)
                continue
            out += [
                FieldChange(f"{path}[{i}]", FieldChangeKind.REMOVED, old[i], None)
                for i in range(i1, i2)
            ]
            out += [
                FieldChange(f"{path}[{j}]", FieldChangeKind.ADDED, None, new[j])
                for j in range(j1, j2)
            ]
    else:
        _text_field(path, old, new, out)


def _canonical(value: Any) -> str:
    """Compare as the version id does: 1, 1.0 and true are different values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def nothing() -> PromptContent:
    """Content with no messages and no settings: the 'before' of a prompt never saved. It is
    not a valid version, so it is made without validation; it is only ever diffed."""
    empty = object.__new__(PromptContent)
    for name, value in (("messages", ()), ("model", ""), ("parameters", {}), ("variables", ()),
                        ("template_format", "jinja2"), ("response_format", None),
                        ("tools", None)):
        object.__setattr__(empty, name, value)
    return empty
