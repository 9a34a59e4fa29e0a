"""Making whitespace and invisible characters visible, and naming whitespace changes.

A change that is only or partly whitespace must be impossible to miss (a team once lost days to
whitespace changed by copy-pasting prompts through chat). `visible` draws markers for display;
`line_notes` and `region_notes` name what changed in words, for the notes shown above a hunk.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from .tokens import PICTOGRAPHIC, ZWJ


class WhitespaceKind(StrEnum):
    TRAILING = "trailing whitespace"
    TABS_SPACES = "tabs vs spaces"
    INDENTATION = "indentation"
    SPACES = "spaces"
    LINE_ENDING = "line ending"
    FINAL_NEWLINE = "final newline"
    NBSP = "non-breaking space"
    ZERO_WIDTH = "zero-width character"
    UNICODE_SPACE = "other Unicode space"
    INVISIBLE = "invisible character"


# (kind, message, how many times): 'space replaced by no-break space (U+00A0)', 3
Found = tuple[WhitespaceKind, str, int]

NO_BREAK_SPACES = frozenset("\u00a0\u202f\u2007")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")

# Markers for display. Space and line feed are only drawn when asked; everything else that is
# invisible or looks like something else always is.
_NAMED = {
    "\t": "→",
    "\r": "␍",
    "\u00a0": "⍽",
    "\u202f": "[NNBSP]",
    "\u2007": "[FIGURE SPACE]",
    "\u200b": "[ZWSP]",
    "\u200c": "[ZWNJ]",
    "\u200d": "[ZWJ]",
    "\u2060": "[WJ]",
    "\ufeff": "[BOM]",
    "\u00ad": "[SHY]",
    "\u200e": "[LRM]",
    "\u200f": "[RLM]",
    "\u061c": "[ALM]",
    "\u202a": "[LRE]",
    "\u202b": "[RLE]",
    "\u202c": "[PDF]",
    "\u202d": "[LRO]",
    "\u202e": "[RLO]",
    "\u2066": "[LRI]",
    "\u2067": "[RLI]",
    "\u2068": "[FSI]",
    "\u2069": "[PDI]",
    "\u2028": "[LS]",
    "\u2029": "[PS]",
    "\x0b": "[VT]",
    "\x0c": "[FF]",
    "\x1b": "[ESC]",
    "\x7f": "[DEL]",
    "\x85": "[NEL]",
    "\x00": "[NUL]",
}
_JOINERS = frozenset("\u200c\u200d")
_PRESENTATION = frozenset("\ufe0e\ufe0f")  # text / emoji presentation selectors
_KEYCAP_BASES = frozenset("0123456789#*")
_EMOJI_TAILS = frozenset("\ufe0f\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")
_PICTOGRAPHIC = re.compile(f"[{PICTOGRAPHIC}]")
# Every character that `visible` replaces (besides space and line feed): controls, format
# characters, Unicode spaces, variation selectors.
_INVISIBLE_CLASS = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u180b-\u180f"
    "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000e0000-\U000e0fff]"
)
_SPECIAL = re.compile(_INVISIBLE_CLASS + "|[\t\r]")
# What `region_notes` counts: a CR before LF is a line ending, named by `line_notes` instead.
_COUNTED = re.compile(_INVISIBLE_CLASS + "|\r(?!\n)")
_TRAILING_SPACES = re.compile(r"[ \t]+$")


def marker(ch: str) -> str:
    """The visible stand-in for one invisible or confusable character."""
    if ch in _NAMED:
        return _NAMED[ch]
    name = unicodedata.name(ch, "")
    if ch.isspace() and name:
        return f"[{name}]"
    if name.startswith("VARIATION SELECTOR-"):
        return f"[VS{name.rsplit('-', 1)[1]}]"
    return f"[U+{ord(ch):04X}]"


def visible(text: str, *, spaces: bool = False, newlines: bool = True, joiners: bool = True) -> str:
    """`text` with invisible characters drawn: `→` tab, `␍` CR, `↵` LF, `⍽` no-break space,
    `[ZWSP]` and friends for zero-width and format characters, `[NAME]` for other Unicode spaces,
    `[ESC]`/`[U+0007]` for control characters (so text can never drive a terminal).

    spaces: draw ordinary spaces as `·`. newlines: draw "\\n" as `↵` (else keep it).
    joiners: draw ZWJ, ZWNJ, variation selectors and tag characters; turn off for unchanged text,
    where they shape Persian words and emoji. Inside an emoji they are never drawn.
    Never reorders anything: right-to-left text stays in logical order."""
    if spaces:
        text = text.replace(" ", "·")
    if newlines:
        text = text.replace("\n", "↵")
    return _SPECIAL.sub(lambda m: _sub(m, joiners), text)


def _sub(match: re.Match[str], joiners: bool) -> str:
    ch = match.group()
    if ch in _JOINERS or ch in _PRESENTATION or _is_tag(ch):
        if not joiners or _part_of_emoji(match.string, match.start(), ch):
            return ch
    return marker(ch)


def _is_tag(ch: str) -> bool:
    return "󠀠" <= ch <= "󠁿"


def _part_of_emoji(text: str, at: int, ch: str) -> bool:
    """Whether the character at `at` is part of an emoji (👨‍👩‍👧, ❤️, 1️⃣, a subdivision
    flag), where it belongs to the picture rather than being an invisible edit."""
    before = text[at - 1 : at]
    if ch == ZWJ:
        if before in _EMOJI_TAILS and at >= 2:
            before = text[at - 2]
        after = text[at + 1 : at + 2]
        return bool(before and after and _PICTOGRAPHIC.match(before) and _PICTOGRAPHIC.match(after))
    if ch in _PRESENTATION:
        return bool(before) and (before in _KEYCAP_BASES or bool(_PICTOGRAPHIC.match(before)))
    if _is_tag(ch):
        return bool(before) and (_is_tag(before) or bool(_PICTOGRAPHIC.match(before)))
    return False


def describe_char(ch: str) -> str:
    """A person's name for a character, with its code point: 'non-breaking space (U+00A0)'."""
    special = {
        " ": "space",
        "\t": "tab",
        "\r": "carriage return (CR)",
        "\n": "line feed (LF)",
        "\u200b": "zero-width space (U+200B)",
        "\u200c": "zero-width non-joiner (U+200C)",
        "\u200d": "zero-width joiner (U+200D)",
        "\ufeff": "byte order mark / zero-width no-break space (U+FEFF)",
    }
    if ch in special:
        return special[ch]
    name = unicodedata.name(ch, "")
    if not name:
        name = {"\x0b": "vertical tab", "\x0c": "form feed", "\x85": "next line (NEL)"}.get(
            ch, "control character"
        )
    return f"{name.lower()} (U+{ord(ch):04X})"


def kind_of_char(ch: str) -> WhitespaceKind:
    if ch in NO_BREAK_SPACES:
        return WhitespaceKind.NBSP
    if ch in ZERO_WIDTH:
        return WhitespaceKind.ZERO_WIDTH
    if ch.isspace() or ch == "\r":
        return WhitespaceKind.UNICODE_SPACE if ch != "\r" else WhitespaceKind.LINE_ENDING
    return WhitespaceKind.INVISIBLE


def count_phrase(text: str, *, numbered: bool = False) -> str:
    """'space', '3 spaces', 'tab', '2 tabs', '1 tab and 2 spaces' ('1 space' when numbered)."""
    tabs, spaces = text.count("\t"), text.count(" ")
    numbered = numbered or bool(tabs and spaces)
    parts = []
    for count, noun in ((tabs, "tab"), (spaces, "space")):
        if count == 1:
            parts.append(f"1 {noun}" if numbered else noun)
        elif count:
            parts.append(f"{count} {noun}s")
    return " and ".join(parts) or "nothing"


# -- Notes for a pair of lines shown side by side ----------------------------------------------


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""


_ENDING_NAMES = {"\r\n": "CRLF", "\n": "LF"}


def line_notes(old: str, new: str, *, last: bool) -> list[Found]:
    """Whitespace differences between two lines shown as a pair: line ending, final newline,
    trailing and leading spaces/tabs. `last`: the pair ends both texts."""
    notes: list[Found] = []
    old_end, new_end = _ending(old), _ending(new)
    if old_end != new_end:
        if old_end and new_end:
            change = f"from {_ENDING_NAMES[old_end]} to {_ENDING_NAMES[new_end]}"
            notes.append((WhitespaceKind.LINE_ENDING, f"line ending changed {change}", 1))
        elif last:
            message = "final newline removed" if old_end else "final newline added"
            notes.append((WhitespaceKind.FINAL_NEWLINE, message, 1))
    old_body, new_body = old[: len(old) - len(old_end)], new[: len(new) - len(new_end)]
    old_trail = _trailing(old_body)
    new_trail = _trailing(new_body)
    if old_trail != new_trail:
        notes.append((WhitespaceKind.TRAILING, _trailing_message(old_trail, new_trail), 1))
    if old_body.strip(" \t") and new_body.strip(" \t"):
        old_lead = old_body[: len(old_body) - len(old_body.lstrip(" \t"))]
        new_lead = new_body[: len(new_body) - len(new_body.lstrip(" \t"))]
        if old_lead != new_lead and old_body.lstrip(" \t") == new_body.lstrip(" \t"):
            kind = (
                WhitespaceKind.TABS_SPACES
                if old_lead.count("\t") != new_lead.count("\t")
                else WhitespaceKind.INDENTATION
            )
            change = (
                f"from {count_phrase(old_lead, numbered=True)} "
                f"to {count_phrase(new_lead, numbered=True)}"
            )
            notes.append((kind, f"indentation changed {change}", 1))
    return notes


def _trailing(body: str) -> str:
    m = _TRAILING_SPACES.search(body)
    return m.group() if m else ""


def _trailing_message(old: str, new: str) -> str:
    if new.startswith(old) or new.endswith(old):
        added = count_phrase(new[len(old) :] if new.startswith(old) else new[: len(new) - len(old)])
        return f"trailing {added} added"
    if old.startswith(new) or old.endswith(new):
        gone = count_phrase(old[len(new) :] if old.startswith(new) else old[: len(old) - len(new)])
        return f"trailing {gone} removed"
    return (
        f"trailing whitespace changed from {count_phrase(old, numbered=True)} "
        f"to {count_phrase(new, numbered=True)}"
    )


# -- Notes for one changed stretch of text -----------------------------------------------------


def region_notes(old: str, new: str, *, inner: bool) -> list[Found]:
    """Whitespace differences inside one changed stretch (old -> new).

    Invisible characters (no-break, zero-width, other Unicode spaces, lone CR, format characters)
    are counted wherever they are. Spaces and tabs are named here only when the stretch is
    `inner` (text on both sides of it on its line): `line_notes` names leading and trailing ones.
    A "\\r" directly before "\\n" must not be passed here; `line_notes` names line endings."""
    notes: list[Found] = []
    if not inner and not _COUNTED.search(old) and not _COUNTED.search(new):
        return notes
    old_special = _count(_COUNTED.findall(old))
    new_special = _count(_COUNTED.findall(new))
    if old_special != new_special:
        space_delta = new.count(" ") - old.count(" ")
        for ch in sorted(set(old_special) | set(new_special)):
            delta = new_special.get(ch, 0) - old_special.get(ch, 0)
            if not delta:
                continue
            name = describe_char(ch)
            if delta > 0 and space_delta < 0 and ch.isspace():
                message = f"space replaced by {name}"
            elif delta < 0 and space_delta > 0 and ch.isspace():
                message = f"{name} replaced by space"
            else:
                message = f"{name} {'added' if delta > 0 else 'removed'}"
            notes.append((kind_of_char(ch), message, abs(delta)))
    if inner and old != new:
        old_ws = "".join(c for c in old if c in " \t")
        new_ws = "".join(c for c in new if c in " \t")
        if _without_blanks(old) == _without_blanks(new):
            if old_ws.count("\t") != new_ws.count("\t") and old_ws and new_ws:
                change = (
                    f"{count_phrase(old_ws, numbered=True)} replaced by "
                    f"{count_phrase(new_ws, numbered=True)}"
                )
                notes.append((WhitespaceKind.TABS_SPACES, change, 1))
            elif not old_ws:
                phrase = count_phrase(new_ws)
                notes.append((WhitespaceKind.SPACES, f"{phrase} added", 1))
            elif not new_ws:
                phrase = count_phrase(old_ws)
                notes.append((WhitespaceKind.SPACES, f"{phrase} removed", 1))
            elif old_ws != new_ws:
                change = (
                    f"from {count_phrase(old_ws, numbered=True)} "
                    f"to {count_phrase(new_ws, numbered=True)}"
                )
                notes.append((WhitespaceKind.SPACES, f"spacing changed {change}", 1))
    return notes


def _count(chars: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in chars:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


def blanks_only(old: str, new: str) -> bool:
    """Whether old and new differ in spaces and tabs only (cheap; decides if position matters)."""
    return _without_blanks(old) == _without_blanks(new)


def _without_blanks(text: str) -> str:
    return text.replace(" ", "").replace("\t", "")


def blank_line_note(line: str, *, added: bool) -> Found | None:
    """A whole line added or removed that holds only spaces/tabs (easy to overlook)."""
    body = line.rstrip("\r\n")
    if body and not body.strip(" \t"):
        verb = "added" if added else "removed"
        return (WhitespaceKind.TRAILING, f"line of only {count_phrase(body)} {verb}", 1)
    return None
