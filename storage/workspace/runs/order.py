"""The grid's row order at a million results: filters and sorting by score, in steps.

Each function reads SQL in steps (row ranges, or chunks of an index read in order) and calls
`progress(done, total)` between them; when it returns False the work stops with `Cancelled`.
Callers run these in a thread; nothing here holds a lock between steps.

- `filter_rows_stepwise(...)`: the row numbers a filter keeps, ascending (as `filter_rows`);
- `sort_rows(...)`: row numbers ordered by one column's score (reads `ix_results_run_column_score`
  in order: no sort in SQL), rows without a score last, ties in row order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from storage.workspace.db import raw_cursor
from storage.workspace.models import Run
from storage.workspace.runs.layout import as_run, row_count

Progress = Callable[[int, int], bool]  # (done, total) -> keep going?
STEP_ROWS = 10_000  # rows per filter step: ~10 steps for 100,000 cases
FETCH = 20_000  # index entries per sort step

_CONDITIONS = {
    # The partial index ix_results_run_failures answers this one alone.
    "failures": "SELECT DISTINCT row FROM results WHERE run_id = :run AND "
                "(passed = 0 OR error_kind IS NOT NULL) AND row >= :lo AND row < :hi",
    "errors": "SELECT DISTINCT row FROM results WHERE run_id = :run AND "
              "error_kind IS NOT NULL AND row >= :lo AND row < :hi",
    "passes": "SELECT row FROM results WHERE run_id = :run AND row >= :lo AND row < :hi "
              "GROUP BY row HAVING min(coalesce(passed, 0)) = 1",
    "disagree": "SELECT row FROM results WHERE run_id = :run AND row >= :lo AND row < :hi "
                "GROUP BY row HAVING count(DISTINCT passed) > 1 OR (count(passed) = 0 AND "
                "count(DISTINCT coalesce(output, '')) > 1)",
}


class Cancelled(Exception):
    """The person cancelled a filter or a sort; nothing was changed."""


def _keep_going(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None and progress(done, total) is False:
        raise Cancelled()


def filter_rows_stepwise(session: Session, run: Run | int, kind: str, *,
                         progress: Progress | None = None,
                         step_rows: int = STEP_ROWS) -> list[int]:
    """Row numbers a filter kind keeps, ascending, read one row range at a time."""
    run = as_run(session, run)
    condition = _CONDITIONS.get(kind)
    if condition is None:
        raise ValueError(f"unknown filter {kind!r}")
    n = row_count(run)
    cursor = raw_cursor(session)
    out: list[int] = []
    _keep_going(progress, 0, n)
    for lo in range(0, n, step_rows):
        hi = min(n, lo + step_rows)
        found = [r for (r,) in cursor.execute(condition, {"run": run.id, "lo": lo, "hi": hi})]
        found.sort()
        out += found
        _keep_going(progress, hi, n)
    return out


def sort_rows(session: Session, run: Run | int, column: tuple[int, str], *,
              descending: bool = False, rows: Iterable[int] | None = None,
              progress: Progress | None = None, fetch: int = FETCH) -> list[int]:
    """`rows` (default: every row) ordered by the score of `column` (version_pk, provider).

    Rows whose cell has no score (an error, no evaluator, not run yet) come last, in row
    order; equal scores keep row order in both directions."""
    run = as_run(session, run)
    n = row_count(run)
    keep: set[int] | None = None if rows is None else set(rows)
    result = raw_cursor(session).execute(
        "SELECT score, row FROM results INDEXED BY ix_results_run_column_score WHERE "
        "run_id = :run AND version_pk = :pk AND provider = :p AND score IS NOT NULL "
        "ORDER BY score, row", {"run": run.id, "pk": column[0], "p": column[1]})
    scored: list[Any] = []
    _keep_going(progress, 0, n)
    while True:
        chunk = result.fetchmany(fetch)
        if not chunk:
            break
        scored += chunk
        _keep_going(progress, min(len(scored), n), n)
    result.close()
    if descending:
        # Stable: sorting (score, row) pairs by score alone keeps rows ascending among equals.
        scored.sort(key=lambda pair: pair[0], reverse=True)
    ordered = [r for _, r in scored if 0 <= r < n]
    if len(ordered) < n:
        seen = set(ordered)
        ordered += [r for r in range(n) if r not in seen]
    if keep is not None:
        ordered = [r for r in ordered if r in keep]
    _keep_going(progress, n, n)
    return ordered
