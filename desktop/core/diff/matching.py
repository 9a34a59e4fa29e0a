"""Matching sequences with difflib, kept away from its slow cases.

`difflib.SequenceMatcher` costs about (length x number of matching blocks), and more when items
repeat. So:
- common leading and trailing items are cut off first (slice comparisons run in C): one change in
  a long text, or in a 20 KB single line, leaves almost nothing to match;
- sequences longer than AUTOJUNK_OVER let difflib ignore very frequent items (blank lines,
  spaces) as the start of a match, which keeps scattered edits from going quadratic;
- a long stretch of word tokens is first cut into chunks (sentences, or runs ending at an anchor
  word pair) and matched chunk by chunk, then word by word inside the changed chunks only; a
  changed run of chunks that is still long is walked window by window.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from typing import Any

AUTOJUNK_OVER = 400
TRIM_MIN = 16  # common ends shorter than this are left for difflib to align
WORD_LIMIT = 600  # tokens matched in one go; longer stretches are cut into chunks first
REMATCH_LIMIT = 100
WINDOW = 120  # tokens per window when walking a long changed stretch
CHUNK_MAX = 200  # tokens; a chunk with no sentence end or anchor word is cut here
_SENTENCE_END = frozenset(".!?;:。！？")

Opcode = tuple[str, int, int, int, int]
Matcher = Callable[[Sequence[Any], Sequence[Any]], list[Opcode]]


def opcodes(
    x: Sequence[Any],
    y: Sequence[Any],
    match: Matcher | None = None,
) -> list[Opcode]:
    """difflib opcodes turning x into y, with common ends cut off before `match` sees the rest.

    A short common end is left in: difflib, which matches the longest stretch first, aligns it
    better ('team.' + a new sentence ending in '.' keeps 'team.' together)."""
    p = _common_prefix(x, y)
    s = _common_suffix(x, y, p)
    shorter = min(len(x), len(y))
    if p < TRIM_MIN and p < shorter:
        p = 0
    if s < TRIM_MIN and p + s < shorter:
        s = 0
    ops: list[Opcode] = []
    if p:
        ops.append(("equal", 0, p, 0, p))
    xm, ym = x[p : len(x) - s], y[p : len(y) - s]
    if xm and ym:
        ops.extend(_shift((match or _match)(xm, ym), p, p))
    elif xm:
        ops.append(("delete", p, p + len(xm), p, p))
    elif ym:
        ops.append(("insert", p, p, p, p + len(ym)))
    if s:
        ops.append(("equal", len(x) - s, len(x), len(y) - s, len(y)))
    return ops


def _match(x: Sequence[Any], y: Sequence[Any]) -> list[Opcode]:
    return SequenceMatcher(None, x, y, autojunk=len(y) > AUTOJUNK_OVER).get_opcodes()


def _shift(ops: list[Opcode], dx: int, dy: int) -> list[Opcode]:
    return [(tag, i1 + dx, i2 + dx, j1 + dy, j2 + dy) for tag, i1, i2, j1, j2 in ops]


def _match_words(x: Sequence[str], y: Sequence[str]) -> list[Opcode]:
    # A single space, half of all tokens, may extend a match but not start one: without this,
    # every space is tried against every other space. Inside each short changed stretch the
    # spaces are then matched too, so 'a b' -> 'x y' keeps its space unchanged.
    matcher = SequenceMatcher(_single_space, x, y, autojunk=len(y) > AUTOJUNK_OVER)
    out: list[Opcode] = []
    for op in matcher.get_opcodes():
        tag, i1, i2, j1, j2 = op
        if (
            tag == "replace"
            and i2 - i1 > 1
            and j2 - j1 > 1
            and (i2 - i1) + (j2 - j1) <= REMATCH_LIMIT
            and " " in y[j1:j2]
        ):
            out.extend(_shift(_match(x[i1:i2], y[j1:j2]), i1, j1))
        else:
            out.append(op)
    return out


def _single_space(token: str) -> bool:
    return token == " "


def match_tokens(x: Sequence[str], y: Sequence[str]) -> list[Opcode]:
    """Word opcodes; a long stretch is matched chunk by chunk first, then words inside changed
    chunks, because difflib's cost grows with length times the number of matches."""
    if len(x) + len(y) <= WORD_LIMIT:
        return _match_words(x, y)
    bx, by = _chunk_bounds(x), _chunk_bounds(y)
    ux = ["".join(x[bx[k] : bx[k + 1]]) for k in range(len(bx) - 1)]
    uy = ["".join(y[by[k] : by[k + 1]]) for k in range(len(by) - 1)]
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in _match(ux, uy):
        x1, x2, y1, y2 = bx[i1], bx[i2], by[j1], by[j2]
        if tag != "replace":
            out.append((tag, x1, x2, y1, y2))
        elif (x2 - x1) + (y2 - y1) <= WORD_LIMIT:
            out.extend(_shift(_match_words(x[x1:x2], y[y1:y2]), x1, y1))
        else:
            out.extend(_shift(_walk(x[x1:x2], y[y1:y2]), x1, y1))
    return out


def _walk(x: Sequence[str], y: Sequence[str]) -> list[Opcode]:
    """Match a long changed stretch window by window, each window starting just after the last
    words the previous one matched, so the two sides stay aligned at a bounded cost."""
    out: list[Opcode] = []
    i = j = 0
    while i < len(x) and j < len(y):
        wx, wy = min(len(x), i + WINDOW), min(len(y), j + WINDOW)
        ops = _match_words(x[i:wx], y[j:wy])
        if wx == len(x) and wy == len(y):
            out.extend(_shift(ops, i, j))
            return out
        # Keep the window's opcodes up to its last match that does not touch its far end.
        last = None
        for k, (tag, _, i2, _, j2) in enumerate(ops):
            if tag == "equal" and i2 < wx - i and j2 < wy - j:
                last = k
        if last is None:
            step_x, step_y = min(len(x) - i, WINDOW // 2), min(len(y) - j, WINDOW // 2)
            out.append(("replace", i, i + step_x, j, j + step_y))
        else:
            out.extend(_shift(ops[: last + 1], i, j))
            step_x, step_y = ops[last][2], ops[last][4]
        i, j = i + step_x, j + step_y
    if i < len(x):
        out.append(("delete", i, len(x), j, j))
    if j < len(y):
        out.append(("insert", i, i, j, len(y)))
    return out


@functools.lru_cache(maxsize=8192)
def _anchor(first: str, second: str) -> bool:
    """True for about one word pair in 16, the same pairs every time (crc32, unlike hash(),
    does not vary between runs)."""
    crc = zlib.crc32(first.encode("utf-8", "surrogatepass"))
    return zlib.crc32(second.encode("utf-8", "surrogatepass"), crc) % 16 == 0


def _chunk_bounds(toks: Sequence[str]) -> list[int]:
    """Cut points in a token list: after a line end, or at whitespace that follows a sentence end
    or an anchor (a pair of words chosen by their hash). A cut point depends only on the few
    tokens before it, so an edit moves no cut point but those next to it."""
    bounds = [0]
    for k in range(3, len(toks)):
        token, before = toks[k], toks[k - 1]
        if before[-1] == "\n" or k - bounds[-1] >= CHUNK_MAX:
            cut = k
        elif token[0].isspace() and (before[-1] in _SENTENCE_END or _anchor(toks[k - 3], before)):
            cut = k + 1
        else:
            continue
        if cut > bounds[-1]:
            bounds.append(cut)
    if bounds[-1] != len(toks):
        bounds.append(len(toks))
    return bounds


def _common_prefix(x: Sequence[Any], y: Sequence[Any]) -> int:
    hi = min(len(x), len(y))
    if x[:hi] == y[:hi]:
        return hi
    lo = 0  # x[:lo] == y[:lo] and x[:hi] != y[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x[:mid] == y[:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(x: Sequence[Any], y: Sequence[Any], skip: int) -> int:
    """Length of the common end of x and y, not reaching into their first `skip` items."""
    hi = min(len(x), len(y)) - skip
    if hi <= 0:
        return 0
    if x[len(x) - hi :] == y[len(y) - hi :]:
        return hi
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if x[len(x) - mid :] == y[len(y) - mid :]:
            lo = mid
        else:
            hi = mid
    return lo
