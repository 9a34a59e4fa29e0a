"""Diffing two texts: lines, then words inside changed lines, then characters inside changed words.

The matching itself is difflib's (see `matching` for how its slow cases are kept away). The
character level runs only inside a changed stretch of words, up to CHAR_CELLS per stretch and
CHAR_BUDGET per diff; past those, the changed words are highlighted whole. Whichever path is
taken, the result covers both texts exactly (the property tests check this).
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate

from . import whitespace as ws
from .matching import Opcode, match_tokens, opcodes
from .model import Change, Hunk, InlineSegment, Line, Row, Span, TextDiff, WhitespaceNote
from .tokens import clusters, split_lines, tokens

CHAR_CELLS = 40_000
CHAR_BUDGET = 300_000  # character cells per diff; beyond it, changed words are shown whole
# Below this share of matching characters a changed stretch is emphasised whole: 'cat' -> 'dog'
# gains nothing from scattered single-letter matches.
CHAR_SIMILARITY = 0.5
RANGES_MAX = 60  # characters of line ranges in a summary note before it is cut short

Part = tuple[int, int, bool]  # (start, end, emphasis), offsets into the whole text


@dataclass(slots=True)
class _Region:
    """A stretch of both texts: equal, or changed with its per-side parts."""

    tag: str
    a_lo: int
    a_hi: int
    b_lo: int
    b_hi: int
    a_parts: tuple[Part, ...] = ()
    b_parts: tuple[Part, ...] = ()


def _plain_region(tag: str, alo: int, ahi: int, blo: int, bhi: int) -> _Region | None:
    """The region of an equal, deleted or inserted stretch (offsets already in the texts);
    None for a replaced one, which the caller splits finer."""
    if tag == "equal":
        return _Region("equal", alo, ahi, blo, bhi)
    if tag == "delete":
        return _Region("delete", alo, ahi, blo, blo, ((alo, ahi, True),))
    if tag == "insert":
        return _Region("insert", alo, alo, blo, bhi, (), ((blo, bhi, True),))
    return None


def diff_texts(a: str, b: str, *, context: int = 3) -> TextDiff:
    """Compare two texts (e.g. a message's draft with its saved version), byte-exact.
    `context`: unchanged rows kept around each change in `hunks` (rows always has them all)."""
    a_lines, b_lines = split_lines(a), split_lines(b)
    a_starts = list(accumulate(map(len, a_lines), initial=0))
    b_starts = list(accumulate(map(len, b_lines), initial=0))
    line_ops = opcodes(a_lines, b_lines)

    regions: list[_Region] = []
    budget = [CHAR_BUDGET]
    blocks: dict[int, tuple[int, int]] = {}
    for k, (tag, i1, i2, j1, j2) in enumerate(line_ops):
        alo, ahi, blo, bhi = a_starts[i1], a_starts[i2], b_starts[j1], b_starts[j2]
        region = _plain_region(tag, alo, ahi, blo, bhi)
        if region is not None:
            regions.append(region)
        else:
            first = len(regions)
            regions.extend(_words(a, b, alo, ahi, blo, bhi, budget))
            blocks[k] = (first, len(regions))

    left = _lines(a_lines, a_starts, _side(regions, "a", Change.DELETE))
    right = _lines(b_lines, b_starts, _side(regions, "b", Change.INSERT))
    rows, a_row, b_row = _rows(a, line_ops, blocks, regions, left, right, a_starts, b_starts)
    notes = _notes(a, b, regions, rows, a_row, b_row, a_starts, b_starts)
    return TextDiff(
        a=a,
        b=b,
        rows=tuple(rows),
        inline=_inline(regions, a, b),
        hunks=_hunks(rows, notes, context),
        whitespace=tuple(notes),
    )


# -- Words and characters ----------------------------------------------------------------------


def _words(
    a: str, b: str, alo: int, ahi: int, blo: int, bhi: int, budget: list[int]
) -> list[_Region]:
    """Word-level regions of a block of changed lines, with characters inside changed words."""
    ta, tb = tokens(a[alo:ahi]), tokens(b[blo:bhi])
    oa = list(accumulate(map(len, ta), initial=alo))
    ob = list(accumulate(map(len, tb), initial=blo))
    out = []
    for tag, i1, i2, j1, j2 in opcodes(ta, tb, match_tokens):
        x1, x2, y1, y2 = oa[i1], oa[i2], ob[j1], ob[j2]
        region = _plain_region(tag, x1, x2, y1, y2)
        if region is not None:
            out.append(region)
        else:
            a_parts, b_parts = _characters(a, b, x1, x2, y1, y2, budget)
            out.append(_Region("replace", x1, x2, y1, y2, a_parts, b_parts))
    return out


def _characters(
    a: str, b: str, x1: int, x2: int, y1: int, y2: int, budget: list[int]
) -> tuple[tuple[Part, ...], tuple[Part, ...]]:
    """Which characters (grapheme clusters) of a changed stretch differ."""
    ca, cb = clusters(a[x1:x2]), clusters(b[y1:y2])
    cells = len(ca) * len(cb)
    if 1 < cells <= min(CHAR_CELLS, budget[0]):
        budget[0] -= cells
        # No alignment can match more characters than the two share (difflib's quick_ratio):
        # stretches too different for that are marked whole without aligning them.
        shared = sum((Counter(ca) & Counter(cb)).values())
        if 2 * shared < CHAR_SIMILARITY * (len(ca) + len(cb)):
            return ((x1, x2, True),), ((y1, y2, True),)
        ops = SequenceMatcher(None, ca, cb, autojunk=False).get_opcodes()
        matched = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
        if 2 * matched >= CHAR_SIMILARITY * (len(ca) + len(cb)):
            pa = list(accumulate(map(len, ca), initial=x1))
            pb = list(accumulate(map(len, cb), initial=y1))
            a_parts: list[Part] = []
            b_parts: list[Part] = []
            for tag, i1, i2, j1, j2 in ops:
                if i2 > i1:
                    _add_part(a_parts, pa[i1], pa[i2], tag != "equal")
                if j2 > j1:
                    _add_part(b_parts, pb[j1], pb[j2], tag != "equal")
            return tuple(a_parts), tuple(b_parts)
    return ((x1, x2, True),), ((y1, y2, True),)


def _add_part(parts: list[Part], lo: int, hi: int, emphasis: bool) -> None:
    if parts and parts[-1][2] == emphasis and parts[-1][1] == lo:
        parts[-1] = (parts[-1][0], hi, emphasis)
    else:
        parts.append((lo, hi, emphasis))


# -- Lines and rows ---------------------------------------------------------------------------


def _side(
    regions: list[_Region], side: str, changed: Change
) -> list[tuple[int, int, Change, bool]]:
    """(start, end, kind, emphasis) covering one text."""
    out = []
    for r in regions:
        if r.tag == "equal":
            lo, hi = (r.a_lo, r.a_hi) if side == "a" else (r.b_lo, r.b_hi)
            if hi > lo:
                out.append((lo, hi, Change.EQUAL, False))
        else:
            parts = r.a_parts if side == "a" else r.b_parts
            out.extend((lo, hi, changed, emphasis) for lo, hi, emphasis in parts if hi > lo)
    return out


def _lines(
    texts: list[str], starts: list[int], parts: list[tuple[int, int, Change, bool]]
) -> list[Line]:
    out = []
    pi = 0
    for n, text in enumerate(texts):
        start = starts[n]
        end = start + len(text)
        lo, hi, kind, emphasis = parts[pi]
        if lo <= start and hi >= end:  # the usual case: one stretch covers the whole line
            out.append(Line(n + 1, start, text, (Span(0, len(text), text, kind, emphasis),)))
            if hi == end:
                pi += 1
            continue
        pos = start
        spans: list[Span] = []
        while pos < end:
            lo, hi, kind, emphasis = parts[pi]
            stop = min(hi, end)
            if spans and spans[-1].kind is kind and spans[-1].emphasis == emphasis:
                s0 = spans[-1].start
                spans[-1] = Span(s0, stop - start, text[s0 : stop - start], kind, emphasis)
            else:
                spans.append(
                    Span(
                        pos - start, stop - start, text[pos - start : stop - start], kind, emphasis
                    )
                )
            pos = stop
            if stop == hi:
                pi += 1
        out.append(Line(n + 1, start, text, tuple(spans)))
    return out


def _rows(
    a: str,
    line_ops: list[Opcode],
    blocks: dict[int, tuple[int, int]],
    regions: list[_Region],
    left: list[Line],
    right: list[Line],
    a_starts: list[int],
    b_starts: list[int],
) -> tuple[list[Row], list[int], list[int]]:
    """Side-by-side rows, and for each left and right line the index of its row."""
    rows: list[Row] = []
    a_row = [0] * len(left)
    b_row = [0] * len(right)

    def emit(kind: Change, i: int | None, j: int | None) -> None:
        if i is not None:
            a_row[i] = len(rows)
        if j is not None:
            b_row[j] = len(rows)
        rows.append(Row(kind, None if i is None else left[i], None if j is None else right[j]))

    def pair(i: int, j: int) -> None:
        emit(Change.REPLACE if left[i].changed or right[j].changed else Change.EQUAL, i, j)

    for k, (tag, i1, i2, j1, j2) in enumerate(line_ops):
        if tag == "equal":
            for d in range(i2 - i1):
                emit(Change.EQUAL, i1 + d, j1 + d)
        elif tag == "delete":
            for i in range(i1, i2):
                emit(Change.DELETE, i, None)
        elif tag == "insert":
            for j in range(j1, j2):
                emit(Change.INSERT, None, j)
        else:
            first, end = blocks[k]
            pairs = _pair_lines(a, regions[first:end], i1, i2, j1, a_starts, b_starts)
            ia, jb = i1, j1
            for i, j in [*pairs, (i2, j2)]:
                # Lines between two pairs are shown side by side in order, the rest alone.
                n = min(i - ia, j - jb)
                for d in range(n):
                    pair(ia + d, jb + d)
                for x in range(ia + n, i):
                    emit(Change.DELETE, x, None)
                for y in range(jb + n, j):
                    emit(Change.INSERT, None, y)
                if i < i2:
                    pair(i, j)
                ia, jb = i + 1, j + 1
    return rows, a_row, b_row


def _pair_lines(
    a: str,
    regions: list[_Region],
    i1: int,
    i2: int,
    j1: int,
    a_starts: list[int],
    b_starts: list[int],
) -> list[tuple[int, int]]:
    """Pair the changed lines of a block that share the most unchanged text, in order."""
    weight: dict[tuple[int, int], int] = {}
    for r in regions:
        if r.tag != "equal":
            continue
        pa, pb = r.a_lo, r.b_lo
        while pa < r.a_hi:
            la = bisect.bisect_right(a_starts, pa) - 1
            lb = bisect.bisect_right(b_starts, pb) - 1
            step = min(r.a_hi, a_starts[la + 1]) - pa
            step = min(step, b_starts[lb + 1] - pb)
            # Shared words count, shared spaces and line ends do not.
            piece = a[pa : pa + step]
            shared = step - piece.count(" ") - piece.count("\n")
            if shared > 0:
                weight[(la, lb)] = weight.get((la, lb), 0) + shared
            pa += step
            pb += step
    best: dict[int, tuple[int, int]] = {}
    for (la, lb), w in sorted(weight.items()):
        if la not in best or w > best[la][0]:
            best[la] = (w, lb)
    pairs = []
    last = j1 - 1
    for la in range(i1, i2):
        if la in best and best[la][1] > last:
            last = best[la][1]
            pairs.append((la, last))
    return pairs


# -- Inline view ------------------------------------------------------------------------------


def _inline(regions: list[_Region], a: str, b: str) -> tuple[InlineSegment, ...]:
    out: list[InlineSegment] = []

    def push(kind: Change, emphasis: bool, a1: int, a2: int, b1: int, b2: int) -> None:
        prev = out[-1] if out else None
        if (
            prev
            and prev.kind is kind
            and prev.emphasis == emphasis
            and prev.a_end == a1
            and prev.b_end == b1
        ):
            text = prev.text + (b[b1:b2] if kind is Change.INSERT else a[a1:a2])
            out[-1] = InlineSegment(kind, text, emphasis, prev.a_start, a2, prev.b_start, b2)
        else:
            text = b[b1:b2] if kind is Change.INSERT else a[a1:a2]
            out.append(InlineSegment(kind, text, emphasis, a1, a2, b1, b2))

    for r in regions:
        if r.tag == "equal":
            if r.a_hi > r.a_lo:
                push(Change.EQUAL, False, r.a_lo, r.a_hi, r.b_lo, r.b_hi)
            continue
        for lo, hi, emphasis in r.a_parts:
            push(Change.DELETE, emphasis, lo, hi, r.b_lo, r.b_lo)
        for lo, hi, emphasis in r.b_parts:
            push(Change.INSERT, emphasis, r.a_hi, r.a_hi, lo, hi)
    return tuple(out)


# -- Whitespace notes and hunks ---------------------------------------------------------------


def _notes(
    a: str,
    b: str,
    regions: list[_Region],
    rows: list[Row],
    a_row: list[int],
    b_row: list[int],
    a_starts: list[int],
    b_starts: list[int],
) -> list[WhitespaceNote]:
    found: list[tuple[int, ws.Found]] = []
    last_left, last_right = len(a_row), len(b_row)
    for index, row in enumerate(rows):
        if row.kind is Change.REPLACE and row.left and row.right:
            last = row.left.number == last_left and row.right.number == last_right
            found += [(index, n) for n in ws.line_notes(row.left.text, row.right.text, last=last)]
        elif row.kind in (Change.INSERT, Change.DELETE):
            line = row.right if row.kind is Change.INSERT else row.left
            note = ws.blank_line_note(line.text, added=row.kind is Change.INSERT)
            if note:
                found.append((index, note))

    for r in regions:
        if r.tag == "equal":
            continue
        if r.tag in ("insert", "delete"):
            # A whole stretch added or removed: look at it line by line, to name the right line.
            text, lo, hi, starts, row_of = (
                (b, r.b_lo, r.b_hi, b_starts, b_row)
                if r.tag == "insert"
                else (a, r.a_lo, r.a_hi, a_starts, a_row)
            )
            line = bisect.bisect_right(starts, lo) - 1
            while lo < hi:
                stop = min(hi, starts[line + 1])
                chunk = _with_next_lf(text, lo, stop)
                pair = ("", chunk) if r.tag == "insert" else (chunk, "")
                inner = ws.blanks_only(*pair) and _inner(text, lo, stop)
                found += [(row_of[line], n) for n in ws.region_notes(*pair, inner=inner)]
                lo, line = stop, line + 1
            continue
        old, new = _with_next_lf(a, r.a_lo, r.a_hi), _with_next_lf(b, r.b_lo, r.b_hi)
        inner = ws.blanks_only(old, new) and _inner(a, r.a_lo, r.a_hi) and _inner(b, r.b_lo, r.b_hi)
        row = b_row[bisect.bisect_right(b_starts, r.b_lo) - 1]
        found += [(row, n) for n in ws.region_notes(old, new, inner=inner)]

    found.sort(key=lambda item: item[0])
    return [
        WhitespaceNote(
            kind,
            message,
            index,
            rows[index].left.number if rows[index].left else None,
            rows[index].right.number if rows[index].right else None,
            count,
        )
        for index, (kind, message, count) in found
    ]


def _with_next_lf(text: str, lo: int, hi: int) -> str:
    """text[lo:hi], plus the line feed that follows it, so a CR before it reads as CRLF."""
    return text[lo:hi] + ("\n" if text.startswith("\n", hi) else "")


def _inner(text: str, lo: int, hi: int) -> bool:
    """Whether text[lo:hi] has other text on both sides of it on its line."""
    line_start = text.rfind("\n", 0, lo) + 1
    line_end = text.find("\n", hi)
    after = text[hi : len(text) if line_end < 0 else line_end]
    if after.endswith("\r"):
        after = after[:-1]
    return bool(text[line_start:lo].strip(" \t")) and bool(after.strip(" \t"))


def _hunks(rows: list[Row], notes: list[WhitespaceNote], context: int) -> tuple[Hunk, ...]:
    bounds: list[list[int]] = []
    for i, row in enumerate(rows):
        if row.kind is Change.EQUAL:
            continue
        lo, hi = max(0, i - context), min(len(rows), i + context + 1)
        if bounds and lo <= bounds[-1][1]:
            bounds[-1][1] = hi
        else:
            bounds.append([lo, hi])
    hunks = []
    for lo, hi in bounds:
        mine = tuple(n for n in notes if lo <= n.row < hi)
        hunks.append(Hunk(lo, tuple(rows[lo:hi]), mine, summarise(mine)))
    return tuple(hunks)


def summarise(notes: Sequence[WhitespaceNote]) -> tuple[str, ...]:
    """One string per distinct message: 'trailing space added on lines 3-5, 9', 'no-break space
    (U+00A0) added ×12 on 240 lines: 1-2, 4-9, ...' (long lists of lines are cut short)."""
    groups: dict[tuple[str, bool], tuple[list[int], list[int]]] = {}
    for note in notes:
        old = note.new_line is None
        numbers, counts = groups.setdefault((note.message, old), ([], []))
        numbers.append((note.old_line if old else note.new_line) or 0)
        counts.append(note.count)
    out = []
    for (message, old), (numbers, counts) in groups.items():
        distinct = sorted(set(numbers))
        total = sum(counts)
        times = f" ×{total}" if total != len(distinct) else ""
        side = "old " if old else ""
        if len(distinct) == 1:
            where = f"{side}line {distinct[0]}"
        else:
            ranges = _ranges(distinct)
            if len(ranges) > RANGES_MAX:
                ranges = (
                    f"{len(distinct)} {side}lines: {ranges[:RANGES_MAX].rsplit(',', 1)[0]}, ..."
                )
                where = ranges
            else:
                where = f"{side}lines {ranges}"
        out.append(f"{message}{times} on {where}")
    return tuple(out)


def _ranges(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in runs)
