"""Reading a run for the grid and the compare view, built to stay fast at 100,000 results.

Every function here is a handful of indexed SQL queries (Core, no ORM objects):
- `load_rows(session, run, start, stop)`: rows [start, stop) with their cells and scores; outputs
  are previews of `preview_chars` characters (`result_detail` loads one result whole);
- `filter_rows(session, run, kind, text)`: the row numbers to show for a filter;
- `compare_columns(...)`: per-case deltas between two columns, of the same run or two runs.

Every column's figures (`column_totals`) are in `totals.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from storage.workspace.models import Run
from storage.workspace.runs.layout import as_run, get_run, row_count
from storage.workspace.runs.order import Progress, filter_rows_stepwise
from storage.workspace.runs.records import CellView, GridRow, RunError, ScoreView

PREVIEW_CHARS = 2000
Filter = Literal["failures", "errors", "disagree", "passes"]

_CELL_COLUMNS = ("id, row, version_pk, provider, model, {output}, length(output), error_kind, "
                 "error_message, tokens_in, tokens_out, cost, latency_ms, ttft_ms, finish_reason, "
                 "score, passed, cached, attempts")


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _cell(row: Sequence[Any], preview: int | None, scores: tuple[ScoreView, ...]) -> CellView:
    length = row[6] or 0
    return CellView(
        result_id=row[0], row=row[1], version_pk=row[2], provider=row[3], model=row[4],
        output=row[5], output_chars=length, truncated=preview is not None and length > preview,
        error_kind=row[7], error_message=row[8], tokens_in=row[9], tokens_out=row[10],
        cost=row[11], latency_ms=row[12], ttft_ms=row[13], finish_reason=row[14], score=row[15],
        passed=_bool(row[16]), cached=bool(row[17]), attempts=row[18], scores=scores)


def _score(row: Sequence[Any], details: bool = False) -> ScoreView:
    return ScoreView(id=row[0], evaluator=row[2], kind=row[3], value=row[4],
                     passed=_bool(row[5]), reason=row[6] or "", error=row[7], weight=row[8],
                     rater=row[9] or "", details=json.loads(row[10]) if details else None)


_SCORE_COLUMNS = ("s.id, s.result_id, s.evaluator, s.kind, s.value, s.passed, s.reason, s.error, "
                  "s.weight, s.rater")


def load_rows(session: Session, run: Run | int, start: int, stop: int, *,
              preview_chars: int | None = PREVIEW_CHARS) -> list[GridRow]:
    """Rows [start, stop) of the grid, each with its case and whatever cells are stored.

    Three indexed queries whatever the range; a 100-row page of a 100,000-result run takes a
    few milliseconds. `preview_chars=None` loads outputs whole.
    """
    run = as_run(session, run)
    case_ids = (run.settings or {}).get("case_ids", [])
    start, stop = max(0, start), min(stop, len(case_ids))
    if start >= stop:
        return []
    where = "run_id = :run AND row >= :start AND row < :stop"
    params = {"run": run.id, "start": start, "stop": stop}
    return _assemble(session, run, list(range(start, stop)), where, params, preview_chars)


def load_rows_at(session: Session, run: Run | int, rows: Iterable[int], *,
                 preview_chars: int | None = PREVIEW_CHARS) -> list[GridRow]:
    """Like `load_rows` for any row numbers (a filtered view), in the order given."""
    run = as_run(session, run)
    n = row_count(run)
    wanted = [r for r in dict.fromkeys(rows) if 0 <= r < n]
    if not wanted:
        return []
    out: list[GridRow] = []
    for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[i:i + 500]
        out += _assemble(session, run, chunk, "run_id = :run AND row IN :rows",
                         {"run": run.id, "rows": chunk}, preview_chars, expanding=True)
    return out


def _assemble(session: Session, run: Run, rows: list[int], where: str, params: dict[str, Any],
              preview_chars: int | None, expanding: bool = False) -> list[GridRow]:
    output = "output" if preview_chars is None else f"substr(output, 1, {int(preview_chars)})"

    def query(sql: str):
        statement = text(sql)
        if expanding:
            statement = statement.bindparams(bindparam("rows", expanding=True))
        return session.execute(statement, params).all()

    score_rows = query(f"SELECT {_SCORE_COLUMNS} FROM scores s JOIN results r ON r.id = "
                       f"s.result_id WHERE r.{where.replace(' AND row', ' AND r.row')} "
                       "ORDER BY s.id")
    scores: dict[int, list[ScoreView]] = {}
    for row in score_rows:
        scores.setdefault(row[1], []).append(_score(row))
    cells: dict[int, dict[tuple[int, str], CellView]] = {r: {} for r in rows}
    for row in query(f"SELECT {_CELL_COLUMNS.format(output=output)} FROM results WHERE {where}"):
        cell = _cell(row, preview_chars, tuple(scores.get(row[0], ())))
        cells.setdefault(cell.row, {})[cell.key] = cell
    case_ids = (run.settings or {}).get("case_ids", [])
    wanted = {case_ids[r] for r in rows}
    cases: dict[int, Sequence[Any]] = {}
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        for row in session.execute(
            text("SELECT id, variables, expected, notes, tags FROM test_cases WHERE id IN :ids")
            .bindparams(bindparam("ids", expanding=True)), {"ids": ids[i:i + 500]}
        ):
            cases[row[0]] = row
    out = []
    for r in rows:
        case = cases.get(case_ids[r])
        if case is None:
            out.append(GridRow(r, None, {}, None, "", (), cells.get(r, {})))
        else:
            out.append(GridRow(r, case[0], json.loads(case[1] or "{}"), case[2], case[3] or "",
                               tuple(json.loads(case[4] or "[]")), cells.get(r, {})))
    return out


def result_detail(session: Session, result_id: int) -> CellView:
    """One result with its whole output and its scores' details."""
    row = session.execute(text(f"SELECT {_CELL_COLUMNS.format(output='output')} FROM results "
                               "WHERE id = :id"), {"id": result_id}).first()
    if row is None:
        raise RunError(f"There is no result {result_id}.")
    scores = session.execute(text(f"SELECT {_SCORE_COLUMNS}, s.details FROM scores s WHERE "
                                  "s.result_id = :id ORDER BY s.id"), {"id": result_id}).all()
    return _cell(row, None, tuple(_score(s, details=True) for s in scores))


def filter_rows(session: Session, run: Run | int, kind: Filter | None = None,
                search: str | None = None, *, progress: Progress | None = None) -> list[int]:
    """Row numbers to show, ascending.

    kind: "failures" (a cell failed or errored), "passes" (every stored cell passed), "errors"
    (a call or template failed), "disagree" (the columns' pass/fail differ; in a run without
    evaluators, their outputs differ). `search` keeps rows whose outputs, errors, variables,
    expected output or notes contain the text (ignoring case). `progress(done, total)` is
    called between steps; returning False stops with `Cancelled`.
    """
    run = as_run(session, run)
    if kind is None:
        rows = set(range(row_count(run)))
    else:
        found = filter_rows_stepwise(session, run, kind, progress=progress)  # ascending
        if not search:
            return found
        rows = set(found)
    if search:
        rows &= _search(session, run, search)
    return sorted(rows)


def _search(session: Session, run: Run, search: str) -> set[int]:
    """Rows whose outputs, errors, variable values, expected output or notes contain `search`.

    SQL does it (LIKE, and json_each over the variables) when the text is ASCII, where LIKE
    ignores case as people expect; other text is matched with Python's casefold."""
    case_ids = (run.settings or {}).get("case_ids", [])
    index = {cid: i for i, cid in enumerate(case_ids)}
    params: dict[str, Any] = {"run": run.id, "ts": run.test_set_id}
    if search.isascii():
        params["p"] = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        like = "LIKE :p ESCAPE '\\'"
        found = {r[0] for r in session.execute(text(
            f"SELECT DISTINCT row FROM results WHERE run_id = :run AND (output {like} OR "
            f"error_message {like})"), params)}
        for (cid,) in session.execute(text(
            f"SELECT c.id FROM test_cases c WHERE c.test_set_id = :ts AND (c.expected {like} "
            f"OR c.notes {like} OR EXISTS (SELECT 1 FROM json_each(c.variables) j "
            f"WHERE j.value {like}))"), params):
            if cid in index:
                found.add(index[cid])
        return found
    needle = search.casefold()
    found = {r[0] for r in session.execute(text(
        "SELECT row, output, error_message FROM results WHERE run_id = :run"), params)
        if needle in (r[1] or "").casefold() or needle in (r[2] or "").casefold()}
    for cid, variables, expected, notes in session.execute(text(
        "SELECT id, variables, expected, notes FROM test_cases WHERE test_set_id = :ts"), params):
        if cid in index:
            values = json.loads(variables or "{}")
            hay = [*(str(v) for v in values.values()), expected or "", notes or ""]
            if any(needle in h.casefold() for h in hay):
                found.add(index[cid])
    return found


@dataclass(frozen=True, slots=True)
class CaseDelta:
    """One case in a comparison of a baseline column with a new one.

    change: "regressed" (pass became fail, or the score dropped), "improved", "same",
    "added" (no baseline result), "missing" (no new result)."""

    row: int
    case_id: int | None
    base_score: float | None
    new_score: float | None
    base_passed: bool | None
    new_passed: bool | None
    base_error: str | None
    new_error: str | None
    change: str

    @property
    def delta(self) -> float | None:
        if self.base_score is None or self.new_score is None:
            return None
        return self.new_score - self.base_score


def _column_scores(session: Session, run_id: int, version_pk: int, provider: str):
    return session.execute(text(
        "SELECT case_id, row, score, passed, error_kind FROM results WHERE run_id = :run AND "
        "version_pk = :pk AND provider = :p ORDER BY row"),
        {"run": run_id, "pk": version_pk, "p": provider}).all()


def compare_columns(session: Session, base: tuple[int, int, str], new: tuple[int, int, str],
                    *, tolerance: float = 1e-9) -> list[CaseDelta]:
    """Per-case deltas from `base` to `new`, each (run_id, version_pk, provider).

    Cases are matched by test-case id; when the two runs share no case (the test set was
    imported again) but used identical test-set content, they are matched by row.
    """
    base_run, new_run = get_run(session, base[0]), get_run(session, new[0])
    old = _column_scores(session, *base)
    fresh = _column_scores(session, *new)
    by_case = bool({r[0] for r in old} & {r[0] for r in fresh} - {None})
    if not by_case and base_run.test_set_hash != new_run.test_set_hash and old and fresh:
        raise RunError(f"Runs {base[0]} and {new[0]} used different test cases; there is nothing "
                       "to compare case by case.")
    key = (lambda r: r[0]) if by_case else (lambda r: r[1])
    old_by = {key(r): r for r in old}
    out = []
    seen = set()
    for r in fresh:
        k = key(r)
        seen.add(k)
        o = old_by.get(k)
        out.append(_delta(r, o, tolerance))
    for k, o in old_by.items():
        if k not in seen:
            out.append(CaseDelta(o[1], o[0], o[2], None, _bool(o[3]), None, o[4], None, "missing"))
    return out


def _delta(new: Sequence[Any], old: Sequence[Any] | None, tolerance: float) -> CaseDelta:
    new_passed = _bool(new[3])
    if old is None:
        return CaseDelta(new[1], new[0], None, new[2], None, new_passed, None, new[4], "added")
    old_passed = _bool(old[3])
    change = "same"
    if old_passed is True and new_passed is False:
        change = "regressed"
    elif old_passed is False and new_passed is True:
        change = "improved"
    elif old[2] is not None and new[2] is not None:
        if new[2] < old[2] - tolerance:
            change = "regressed"
        elif new[2] > old[2] + tolerance:
            change = "improved"
    return CaseDelta(new[1], new[0], old[2], new[2], old_passed, new_passed, old[4], new[4], change)


def result_id(session: Session, run_id: int, row: int, version_pk: int,
              provider: str) -> int | None:
    """The stored id of one cell's result (for a cell that arrived live), or None."""
    return session.execute(text(
        "SELECT id FROM results WHERE run_id = :run AND row = :row AND version_pk = :pk AND "
        "provider = :provider"),
        {"run": run_id, "row": row, "pk": version_pk, "provider": provider}).scalar()
