"""Per-case figures of one run column, and where to find an earlier column: what the advisor
pairs case by case against a baseline.

Plain tuples from indexed queries; no ORM objects per result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from storage.workspace.models import Run
from storage.workspace.runs.records import FINISHED


@dataclass(frozen=True, slots=True)
class CaseFigures:
    """One stored result, reduced to what a comparison needs. `judge_errors` counts the
    judge scores of this result that are errors (they already count as failures)."""

    row: int
    case_id: int | None
    score: float | None
    passed: bool | None
    error_kind: str | None
    judge_errors: int
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    latency_ms: float | None
    cached: bool
    finish_reason: str | None


def column_figures(session: Session, run_id: int, version_pk: int,
                   provider: str) -> list[CaseFigures]:
    """Every stored result of the column (version, provider) of the run, by row."""
    rows = session.execute(text(
        "SELECT r.row, r.case_id, r.score, r.passed, r.error_kind, "
        "(SELECT count(*) FROM scores s WHERE s.result_id = r.id AND s.kind = 'judge' "
        " AND s.error IS NOT NULL), "
        "r.tokens_in, r.tokens_out, r.cost, r.latency_ms, r.cached, r.finish_reason "
        "FROM results r WHERE r.run_id = :run AND r.version_pk = :pk AND r.provider = :p "
        "ORDER BY r.row"), {"run": run_id, "pk": version_pk, "p": provider}).all()
    return [CaseFigures(row=r[0], case_id=r[1], score=r[2],
                        passed=None if r[3] is None else bool(r[3]), error_kind=r[4],
                        judge_errors=int(r[5] or 0), tokens_in=r[6], tokens_out=r[7],
                        cost=r[8], latency_ms=r[9], cached=bool(r[10]), finish_reason=r[11])
            for r in rows]


def runs_with_column(session: Session, test_set_id: int, version_pk: int,
                     provider: str) -> list[Run]:
    """Finished runs of this test set that have the column (version, provider), newest first."""
    out = []
    runs = session.execute(
        text("SELECT id FROM runs WHERE test_set_id = :ts AND status = :finished "
             "ORDER BY id DESC"), {"ts": test_set_id, "finished": FINISHED}).scalars().all()
    for run_id in runs:
        run = session.get(Run, run_id)
        settings = run.settings or {}
        if any(int(v.get("pk", -1)) == version_pk for v in settings.get("versions", [])) and \
                any(p.get("name") == provider for p in settings.get("providers", [])):
            out.append(run)
    return out


def provider_latency(session: Session, providers: Iterable[str], *,
                     recent: int = 500) -> dict[str, float]:
    """The median latency (ms) of each provider's most recent successful calls that were not
    answered from the cache, over every run; providers never measured are left out."""
    names = list(dict.fromkeys(providers))
    if not names:
        return {}
    statement = text(
        "SELECT provider, latency_ms FROM (SELECT provider, latency_ms, row_number() OVER "
        "(PARTITION BY provider ORDER BY id DESC) AS n FROM results WHERE provider IN :names "
        "AND error_kind IS NULL AND cached = 0 AND latency_ms IS NOT NULL) WHERE n <= :recent"
    ).bindparams(bindparam("names", expanding=True))
    found: dict[str, list[float]] = {}
    for name, latency in session.execute(statement, {"names": names, "recent": recent}):
        found.setdefault(name, []).append(float(latency))
    out = {}
    for name, values in found.items():
        values.sort()
        out[name] = values[(len(values) - 1) // 2]
    return out
