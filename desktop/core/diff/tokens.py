"""Cutting text into lines, word tokens and grapheme clusters for the diff.

Lines end at "\\n" only, and keep it; a "\\r" stays part of its line, so CRLF against LF is a
visible one-character change. The other characters `str.splitlines` breaks on (\\v, \\f,
\\x1c-\\x1e, \\x85, U+2028, U+2029) are ordinary characters here: a model reads them as such, and
the diff shows them with markers instead. Text that uses lone CR line endings is one long line.

Word tokens and clusters never split a user-perceived character (base letter with its marks, an
emoji ZWJ sequence, a flag), so a highlighted span never cuts a glyph in two. The cluster rules
approximate Unicode's extended grapheme clusters (UAX #29) with the standard library only.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

ZWJ = "\u200d"

# Extended_Pictographic, approximately: the emoji blocks and the older symbols used as emoji.
PICTOGRAPHIC = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u2388"
    "\u23cf\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001faff\U0001fc00-\U0001fffd"
)
_REGIONAL_INDICATOR = "\U0001f1e6-\U0001f1ff"
# Scripts written without spaces between words: each cluster is a token of its own, so that a
# one-character edit in a Chinese or Thai sentence is not a whole-sentence change.
_NO_SPACE_SCRIPTS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
    "\u3190-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)


def split_lines(text: str) -> list[str]:
    """The lines of `text`, each with its "\\n"; the last one without it if the text lacks one."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_ending(line: str) -> str:
    """ "\\r\\n", "\\n" or "" (the last line of a text without a final newline)."""
    if line.endswith("\r\n"):
        return "\r\n"
    if line.endswith("\n"):
        return "\n"
    return ""


def utf16_offset(text: str, index: int) -> int:
    """Convert a code-point offset into `text` to the UTF-16 offset Qt's text positions use."""
    return index + sum(1 for ch in text[:index] if ord(ch) > 0xFFFF)


def _class(codepoints: list[int]) -> str:
    """A regex character-class body for sorted code points, as ranges."""
    out = []
    for _, group in itertools.groupby(enumerate(codepoints), lambda p: p[1] - p[0]):
        run = [cp for _, cp in group]
        out.append(f"\\U{run[0]:08x}" if len(run) == 1 else f"\\U{run[0]:08x}-\\U{run[-1]:08x}")
    return "".join(out)


@functools.cache
def _extend() -> str:
    """A regex for one character that extends the preceding cluster (ZWJ apart): combining marks,
    ZWNJ, variation selectors, emoji skin-tone modifiers and tag characters. Built once, lazily.

    The class is split at U+FFFF because `re` tests a large class of astral ranges one range at a
    time; guarded this way, ordinary text pays for one bitmap lookup per character."""
    marks = {
        cp
        for cp in itertools.chain(range(0x300, 0x1F000), range(0xE0100, 0xE01F0))
        if unicodedata.category(chr(cp)) in ("Mn", "Mc", "Me")
    }
    marks.add(0x200C)
    marks.update(range(0x1F3FB, 0x1F400))
    marks.update(range(0xE0020, 0xE0080))
    bmp = _class(sorted(cp for cp in marks if cp <= 0xFFFF))
    astral = _class(sorted(cp for cp in marks if cp > 0xFFFF))
    return f"(?:[{bmp}]|(?=[\\U00010000-\\U0010ffff])[{astral}])"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    ext = _extend()
    tail = f"(?:{ext}|{ZWJ})*"
    not_extended = f"(?!{ext}|{ZWJ})"
    pictographic = f"[{PICTOGRAPHIC}]{ext}*(?:{ZWJ}[{PICTOGRAPHIC}]{ext}*)*{tail}"
    flag = f"[{_REGIONAL_INDICATOR}]{{2}}"
    no_space = f"[{_NO_SPACE_SCRIPTS}]{tail}"
    other = f".{tail}"
    token = re.compile(
        "|".join(
            (
                r"\r\n|\n|\r",
                r"[^\S\r\n]+",  # a run of horizontal whitespace, Unicode spaces included
                # Fast paths for ASCII words and punctuation not followed by a combining mark.
                rf"[A-Za-z0-9_]++(?![^\W{_NO_SPACE_SCRIPTS}]|{ext}|{ZWJ})",
                rf"[!-/:-@\[-`{{-~]{not_extended}",
                pictographic,
                flag,
                no_space,
                rf"(?:[^\W{_NO_SPACE_SCRIPTS}]{tail})+",
                other,
            )
        ),
        re.DOTALL,
    )
    cluster = re.compile(
        "|".join((r"\r\n", f"[ -~]{not_extended}", pictographic, flag, other)), re.DOTALL
    )
    return token, cluster


def warm_up() -> None:
    """Build the tokenizer's regexes now (80-220 ms), so the first diff a user asks for does not
    pay for them; the app calls this off the GUI thread at start-up."""
    _patterns()


def tokens(text: str) -> list[str]:
    """Word tokens: words, whitespace runs, line endings, and single other clusters."""
    return _patterns()[0].findall(text)


def clusters(text: str) -> list[str]:
    """User-perceived characters (approximate extended grapheme clusters)."""
    return _patterns()[1].findall(text)
