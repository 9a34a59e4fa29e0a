"""Logged text made safe to show on one line: previews for tables and the terminal.

Logs come from outside. A preview never lets a control character, an escape sequence or a
bidirectional override act on the screen: each is shown as a visible mark instead, and line
breaks, tabs and trailing spaces are shown too, so "no output" and "a space" look different.
The full text is always available exactly as logged; only previews are changed.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

_MARKS = {"\n": "⏎", "\r": "␍", "\t": "⇥"}
# Bidirectional embeddings, overrides, isolates and marks: they can reorder what a line seems to say.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_JOINERS = {"\u200c", "\u200d"}  # emoji sequences and Arabic/Indic text need these as they are


def visible(text: str) -> str:
    """`text` with every control, format or bidi character shown as a mark (⏎ ␍ ⇥ ⟨U+202E⟩)."""
    out = []
    for ch in text:
        mark = _MARKS.get(ch)
        if mark is not None:
            out.append(mark)
        elif ch in _BIDI or (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
                             and ch not in _JOINERS):
            out.append(f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def preview(text: str | None, width: int = 80) -> str:
    """One line of at most `width` characters; trailing spaces shown as '·'."""
    if text is None:
        return ""
    stripped = text.rstrip(" ")
    shown = visible(stripped) + "·" * (len(text) - len(stripped))
    return shown if len(shown) <= width else shown[:max(1, width - 1)] + "…"


def variables_preview(values: dict[str, Any], width: int = 80) -> str:
    parts = [f"{name}={value if isinstance(value, str) else json.dumps(value)}"
             for name, value in values.items()]
    return preview("  ".join(parts), width)


def safe_json(value: Any, **options: Any) -> str:
    """JSON for a terminal: exact once parsed, with C1 controls and bidi marks escaped too."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return "".join(f"\\u{ord(ch):04x}" if ("\x7f" <= ch <= "\x9f" or ch in _BIDI or
                                           ch in "\u2028\u2029") else ch for ch in text)


# Marks that only steer how right-to-left text is laid out: shown as they act, and counted.
_DIRECTION_MARKS = {"\u200e", "\u200f", "\u061c"}


def shown(text: str) -> str:
    """Full text for a read-only text view: line breaks and tabs kept (the view draws them),
    every other control, format or bidi character a visible mark, as `visible` does, except
    the marks that only steer right-to-left layout (LRM, RLM, ALM)."""
    return "".join(ch if ch in "\n\t" or ch in _DIRECTION_MARKS else visible(ch) for ch in text)


def describe(text: str | None) -> str:
    """What a text's whitespace and invisible characters are, in words, for under a text view:
    "12 characters · 2 lines · ends with a line break · 2 trailing spaces"."""
    if text is None:
        return "nothing (no text was logged)"
    if text == "":
        return "empty (0 characters)"
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    parts = [f"{len(text):,} character{'s' if len(text) != 1 else ''}",
             f"{lines:,} line{'s' if lines != 1 else ''}"]
    parts.append("ends with a line break" if text.endswith("\n") else "no line break at the end")
    last = text.rstrip("\r\n")
    trailing = len(last) - len(last.rstrip(" \t"))
    if trailing:
        parts.append(f"{trailing} space{'s' if trailing != 1 else ''} or tab"
                     f"{'s' if trailing != 1 else ''} at the end")
    if text != text.lstrip(" \t"):
        parts.append("starts with spaces")
    if "\r" in text:
        parts.append("Windows line breaks (␍)")
    hidden = sorted({ch for ch in text if ch not in "\n\t\r" and visible(ch) != ch})
    if hidden:
        names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'control')}" for ch in hidden[:4])
        parts.append(f"invisible characters: {names}" + (" …" if len(hidden) > 4 else ""))
    return " · ".join(parts)
