"""A run's figures: every column's totals, computed in SQL, and the gate applied to them.

A stopped run's totals are stored in its settings when it stops (`lifecycle.finish_run`), so
opening it later reads them instead of aggregating every result again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.workspace.models import Result, Run
from storage.workspace.runs.layout import as_run, columns, row_count
from storage.workspace.runs.records import RUNNING, ColumnTotals, GateOutcome


def _rank(n: int, percent: int) -> int:
    """Nearest-rank percentile: the ceil(p * n)-th smallest value (at least the first)."""
    return max(1, (n * percent + 99) // 100)


_TOTALS_FIELDS = ("total", "done", "errors", "passed", "failed", "cached", "pass_rate",
                  "mean_score", "cost", "cost_unknown", "tokens_in", "tokens_out", "p50_ms",
                  "p95_ms")


def totals_to_json(totals: Iterable[ColumnTotals]) -> list[dict[str, Any]]:
    return [{name: getattr(t, name) for name in _TOTALS_FIELDS} for t in totals]


def column_totals(session: Session, run: Run | int, *, fresh: bool = False) -> list[ColumnTotals]:
    """Every column's figures (see ColumnTotals), in column order.

    A stopped run's totals were stored when it stopped: read, not computed (`fresh=True`
    computes them anyway). Otherwise one aggregate query over a covering index and two index
    seeks per column for the percentiles: about 100 ms for 100,000 results on a slow machine,
    so call it off the GUI thread (or every second or so) while a run is going.
    """
    run = as_run(session, run)
    cols = columns(run)
    n_rows = row_count(run)
    stored = (run.settings or {}).get("totals")
    if not fresh and stored and run.status != RUNNING and len(stored) == len(cols):
        return [ColumnTotals(column=col, **entry) for col, entry in zip(cols, stored)]
    sums = {(r[0], r[1]): r for r in session.execute(text(
        "SELECT version_pk, provider, count(*), count(error_kind), "
        "coalesce(sum(passed = 1), 0), coalesce(sum(passed = 0), 0), coalesce(sum(cached), 0), "
        "avg(score), total(cost), "
        "coalesce(sum(cost IS NULL AND error_kind IS NULL AND cached = 0), 0), "
        "total(tokens_in), total(tokens_out), "
        "count(CASE WHEN error_kind IS NULL AND cached = 0 THEN latency_ms END) "
        "FROM results WHERE run_id = :run GROUP BY version_pk, provider"), {"run": run.id})}
    nth = text(
        "SELECT latency_ms FROM results WHERE run_id = :run AND version_pk = :pk AND "
        "provider = :p AND latency_ms IS NOT NULL AND error_kind IS NULL AND cached = 0 "
        "ORDER BY latency_ms LIMIT 1 OFFSET :k")
    out = []
    for col in cols:
        row = sums.get(col.key)
        if row is None:
            out.append(ColumnTotals(col, n_rows, 0, 0, 0, 0, 0, None, None, 0.0, 0, 0, 0, None,
                                    None))
            continue
        measured = row[12]
        p50 = p95 = None
        if measured:
            params = {"run": run.id, "pk": col.version_pk, "p": col.provider}
            p50 = session.execute(nth, {**params, "k": _rank(measured, 50) - 1}).scalar()
            p95 = session.execute(nth, {**params, "k": _rank(measured, 95) - 1}).scalar()
        done, errors, passed, failed, cached = row[2], row[3], row[4], row[5], row[6]
        out.append(ColumnTotals(
            column=col, total=n_rows, done=done, errors=errors, passed=passed, failed=failed,
            cached=cached, pass_rate=passed / (passed + failed) if passed + failed else None,
            mean_score=row[7], cost=row[8], cost_unknown=row[9], tokens_in=int(row[10]),
            tokens_out=int(row[11]), p50_ms=p50, p95_ms=p95))
    return out


def gate_outcome(session: Session, run: Run, threshold: float | None = None, *,
                 totals: list[ColumnTotals] | None = None) -> GateOutcome:
    """Apply the gate to what is stored: every column's mean score must reach the threshold
    (default: the run's `settings["gate"]`), and every cell must have a result."""
    if threshold is None:
        threshold = (run.settings or {}).get("gate")
    mean = session.scalar(select(func.avg(Result.score)).where(Result.run_id == run.id))
    if threshold is None:
        return GateOutcome(None, mean, None)
    failing = []
    for t in totals if totals is not None else column_totals(session, run):
        if t.done < t.total or t.mean_score is None or t.mean_score < threshold:
            failing.append((t.column, t.mean_score))
    return GateOutcome(float(threshold), mean, not failing, tuple(failing))
