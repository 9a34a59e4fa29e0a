"""Bytes to text for test-set files: which encoding, and which bytes did not fit it.

Encodings: a byte-order mark decides (UTF-8, UTF-16 as Excel's "Unicode text" writes it,
UTF-32); else UTF-8 if the bytes are UTF-8 (a file that is UTF-8 except for some rows is reported
row by row); else charset-normalizer's guess, corrected as `_guess_legacy` explains (cp1252, as
Windows Excel writes, wins near-ties); cp1252, then latin-1, as the last resort. Short legacy
files are ambiguous (a Czech cp1250 file may read as cp1252): the preview names the encoding,
and `encoding=` overrides the guess.
"""

from __future__ import annotations

import codecs
import re

DETECT_BYTES = 1024 * 1024
MIN_EVIDENCE_BYTES = 16  # fewer non-ASCII bytes than this: too little to guess from
LEGACY_TOLERANCE = 0.1  # charset-normalizer "chaos" within which cp1252 is preferred
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name). Bytes invalid in the encoding become U+DC80..U+DCFF (surrogate
    escapes) for callers to report by row; raises UnicodeDecodeError when that is impossible."""
    if encoding is None:
        encoding = next((name for mark, name in BOMS if data.startswith(mark)), None)
    if encoding is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        text = data.decode("utf-8", "surrogateescape")
        if _NON_ASCII_TEXT.search(text):
            return text, "utf-8"  # UTF-8 with some rows in another encoding
        encoding = _guess_legacy(data)
    name = codecs.lookup(encoding).name
    try:
        return data.decode(encoding, "surrogateescape"), name
    except UnicodeDecodeError:
        return data.decode(encoding), name  # raises strictly, with the position


def _guess_legacy(data: bytes) -> str:
    """charset-normalizer's guess, with three corrections. Below MIN_EVIDENCE_BYTES non-ASCII
    bytes it has nothing to go on: cp1252. On short Latin-script text its ranking of sibling code
    pages is noise, so cp1252, then mac_roman, win when within LEGACY_TOLERANCE of its best. And
    a guess that reads line breaks, quotes or delimiters as parts of other characters (some
    multi-byte code pages do) is not a reading of a CSV file at all. When no code page reads as
    any language at all, the ranking is noise too: cp1252."""
    import charset_normalizer

    sample = data[:DETECT_BYTES]
    evidence = len(sample) - len(sample.translate(None, bytes(range(128, 256))))
    results = [] if evidence < MIN_EVIDENCE_BYTES else list(charset_normalizer.from_bytes(sample))
    if results and max(r.coherence for r in results) == 0.0:
        results = []  # no code page reads as any language (one letter repeated, say): noise
    if results:
        least = min(r.chaos for r in results)
        calm = [r for r in results if r.chaos <= least + LEGACY_TOLERANCE]
        for preferred in ("cp1252", "mac_roman"):
            if any(preferred in r.could_be_from_charset for r in calm) and _fits(data, preferred):
                return preferred
        for result in results[:5]:
            if _fits(data, result.encoding):
                return result.encoding
    return "cp1252" if _fits(data, "cp1252") else "latin-1"


def _fits(data: bytes, encoding: str) -> bool:
    """`data` decodes strictly in `encoding` and keeps every structural ASCII character."""
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return all(text.count(c) == data.count(c.encode()) for c in '\n\r",;\t|{}')


def clean_cells(cells: list[str], encoding: str) -> tuple[list[str], str | None]:
    """Cells with undecodable bytes shown as U+FFFD, and a message naming the bytes if any."""
    message = None
    for i, cell in enumerate(cells):
        found = ESCAPED_BYTE.search(cell)
        if found:
            if message is None:
                raw = bytes(ord(c) - 0xDC00 for c in ESCAPED_BYTE.findall(cell)[:4])
                message = (f"has bytes that are not valid {encoding} ({raw.hex(' ')}); part of the "
                           f"file is in another encoding: save it again as CSV UTF-8")
            cells[i] = ESCAPED_BYTE.sub("\ufffd", cell)
    return cells, message
