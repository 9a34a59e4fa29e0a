"""Text as the editor holds it, and the edits between two texts. No Qt here.

Qt's text document turns every CR, CRLF, LF and U+2029 into a block break, so a prompt with
Windows line ends would silently lose its CRs when opened. The editor shows a CR as the visible
symbol U+240D instead, and turns it back on the way out, so text round-trips byte for byte.
Characters the document cannot hold exactly (U+2029, U+240D itself, U+FDD0/U+FDD1) make a
message read-only rather than changing it.
"""

from __future__ import annotations

CR_SYMBOL = "\u240d"  # ␍
BLOCK_SEPARATOR = "\u2029"  # what Qt puts between blocks in its raw text
UNREPRESENTABLE = {
    "\u2029": "PARAGRAPH SEPARATOR (U+2029)",
    CR_SYMBOL: "SYMBOL FOR CARRIAGE RETURN (U+240D)",
    "\ufdd0": "U+FDD0",
    "\ufdd1": "U+FDD1",
}
# Characters people cannot see but models can: marked when whitespace is shown.
INVISIBLE = {
    "\u00a0": "no-break space",
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space (BOM)",
    "\u2028": "line separator",
    "\u202f": "narrow no-break space",
    "\u3000": "ideographic space",
    "\u2009": "thin space",
    "\u200a": "hair space",
}


def unrepresentable(text: str) -> list[str]:
    """Names of the characters in `text` the editor cannot hold exactly (usually none)."""
    return [name for ch, name in UNREPRESENTABLE.items() if ch in text]


def to_editor(text: str) -> str:
    """Prompt text -> what the editor shows (CR as ␍; LF stays a line break)."""
    return text.replace("\r", CR_SYMBOL)


def from_editor_raw(raw: str) -> str:
    """The document's raw text (blocks separated by U+2029) -> prompt text."""
    return raw.replace(BLOCK_SEPARATOR, "\n").replace(CR_SYMBOL, "\r")


def common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by binary search over slices (memcmp-fast on long text)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, min(len(a), len(b), limit)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def edit_between(old: str, new: str) -> tuple[int, str, str]:
    """(position, removed, added) such that old[:p] + added + old[p+len(removed):] == new."""
    p = common_prefix(old, new)
    s = common_suffix(old, new, min(len(old), len(new)) - p)
    return p, old[p:len(old) - s], new[p:len(new) - s]


def utf16_offset(text: str, index: int) -> int:
    """Qt positions count UTF-16 units: the offset of code point `index` in `text`."""
    head = text[:index]
    if head.isascii():
        return index
    return len(head.encode("utf-16-le")) // 2
