"""A run's life: created, running (results arrive), finished / cancelled / interrupted, resumed.

Which runs are running is known in process: the workspace file is locked to one process, so a
run stored as "running" that this process is not running was left behind by a process that
died. `status_of` shows it as "interrupted"; `reopen_run` resumes it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, case, func, select, text
from sqlalchemy.orm import Session

from storage.workspace.models import Result, Run, TestSet, Version, utcnow
from storage.workspace.prompts.candidates import suggestions_name
from storage.workspace.runs.layout import columns, get_run
from storage.workspace.runs.records import (
    CANCELLED, FINISHED, INTERRUPTED, RUNNING, Cell, RunError, RunSummary,
)
from storage.workspace.runs.totals import column_totals, gate_outcome, totals_to_json

_active: set[tuple[str, int]] = set()
_active_lock = threading.Lock()


def _db(session: Session) -> str:
    return str(session.get_bind().url.database)


def mark_active(session: Session, run_id: int) -> None:
    """Note that this process is running `run_id` (the runner does this)."""
    with _active_lock:
        _active.add((_db(session), run_id))


def mark_inactive(session: Session, run_id: int) -> None:
    with _active_lock:
        _active.discard((_db(session), run_id))


def is_active(session: Session, run_id: int) -> bool:
    with _active_lock:
        return (_db(session), run_id) in _active


def status_of(session: Session, run: Run) -> str:
    """The run's status as a person should see it: a "running" run nobody runs is interrupted."""
    if run.status == RUNNING and not is_active(session, run.id):
        return INTERRUPTED
    return run.status


def create_run(
    session: Session,
    *,
    test_set: TestSet,
    case_ids: Sequence[int],
    test_set_hash: str,
    versions: Sequence[Version],
    providers: Sequence[Mapping[str, Any]],
    evaluators: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
) -> Run:
    """Store a new run in state "running".

    `providers` are dicts with at least "name" and "model" (non-secret settings only);
    `options` (concurrency, timeout, cache, gate threshold...) are kept in `settings` as given.
    """
    if not versions or not providers:
        raise RunError("A run needs at least one version and one provider.")
    if len({v.pk for v in versions}) != len(versions):
        raise RunError("The same version is listed twice.")
    names = [p["name"] for p in providers]
    if len(set(names)) != len(names):
        raise RunError("The same provider is listed twice.")
    settings: dict[str, Any] = dict(options or {})
    settings.update(
        versions=[{"pk": v.pk, "version_id": v.version_id, "prompt": v.prompt.name}
                  for v in versions],
        providers=[{"name": p["name"], "model": p.get("model", ""),
                    "base_url": p.get("base_url")} for p in providers],
        evaluators=list(evaluators),
        case_ids=[int(c) for c in case_ids],
    )
    run = Run(test_set_id=test_set.id, test_set_hash=test_set_hash, status=RUNNING,
              settings=settings, created_at=utcnow())
    session.add(run)
    session.flush()
    return run


def missing_cells(session: Session, run: Run) -> list[Cell]:
    """Cells with no stored result, row by row: what a resumed run still has to do."""
    cols = columns(run)
    n_rows = len((run.settings or {}).get("case_ids", []))
    counts = dict(session.execute(text(
        "SELECT row, count(*) FROM results WHERE run_id = :run GROUP BY row"), {"run": run.id}
    ).all())
    partial = [row for row, n in counts.items() if n < len(cols)]
    done: set[tuple[int, int, str]] = set()
    for i in range(0, len(partial), 500):
        done.update(session.execute(
            text("SELECT row, version_pk, provider FROM results WHERE run_id = :run AND "
                 "row IN :rows").bindparams(bindparam("rows", expanding=True)),
            {"run": run.id, "rows": partial[i:i + 500]}).tuples())
    out = []
    for row in range(n_rows):
        have = counts.get(row, 0)
        if have >= len(cols):
            continue
        out += [Cell(row, c.version_pk, c.provider) for c in cols
                if not have or (row, c.version_pk, c.provider) not in done]
    return out


def errored_cells(session: Session, run_id: int) -> list[Cell]:
    """Cells whose call failed (their result has an error): what "retry errors" runs again."""
    rows = session.execute(select(Result.row, Result.version_pk, Result.provider).where(
        Result.run_id == run_id, Result.error_kind.is_not(None))).all()
    return [Cell(r, pk, p) for r, pk, p in rows]


def reopen_run(session: Session, run_id: int) -> Run:
    """Set a stopped run running again (to resume it); refuses one that is running here."""
    run = get_run(session, run_id)
    if is_active(session, run_id):
        raise RunError(f"Run {run_id} is running already.")
    run.status = RUNNING
    run.finished_at = None
    run.settings = {k: v for k, v in (run.settings or {}).items() if k != "totals"}
    session.flush()
    return run


def _settle(session: Session, run: Run) -> None:
    """Store the stopped run's mean score, gate and column totals (so that opening it later
    reads them instead of aggregating every result again)."""
    totals = column_totals(session, run, fresh=True)
    gate = gate_outcome(session, run, totals=totals)
    run.mean_score, run.gate_passed = gate.mean_score, gate.passed
    run.settings = {**(run.settings or {}), "totals": totals_to_json(totals)}


def finish_run(session: Session, run_id: int, status: str = FINISHED) -> Run:
    """Mark the run stopped ("finished" or "cancelled"); store its mean score, gate and totals."""
    if status not in (FINISHED, CANCELLED):
        raise ValueError(f"a run finishes as {FINISHED!r} or {CANCELLED!r}, not {status!r}")
    run = get_run(session, run_id)
    _settle(session, run)
    run.status = status
    run.finished_at = utcnow()
    session.flush()
    return run


def refresh_figures(session: Session, run_id: int) -> Run:
    """Recompute a stopped run's mean score, gate and totals (after a human rating changed a
    score); its status stays. A running run's figures are computed when it stops."""
    run = get_run(session, run_id)
    if run.status != RUNNING:
        _settle(session, run)
        session.flush()
    return run


def finished_runs(session: Session) -> list[Run]:
    """Every finished run, the most recently finished first."""
    return list(session.scalars(select(Run).where(Run.status == FINISHED)
                                .order_by(Run.finished_at.desc(), Run.id.desc())))


def list_runs(session: Session, *, test_set_id: int | None = None, prompt: str | None = None,
              limit: int = 200) -> list[RunSummary]:
    """Runs newest first, with their figures (one aggregate query for all of them)."""
    query = select(Run, TestSet.name).outerjoin(TestSet, TestSet.id == Run.test_set_id)
    if test_set_id is not None:
        query = query.where(Run.test_set_id == test_set_id)
    rows = session.execute(query.order_by(Run.id.desc()).limit(limit if prompt is None else None)
                           ).all()
    if prompt is not None:  # the prompt's own versions, or suggestions for it (the advisor's)
        names = {prompt, suggestions_name(prompt)}
        rows = [r for r in rows if any(v.get("prompt") in names
                                       for v in (r[0].settings or {}).get("versions", []))][:limit]
    ids = [run.id for run, _ in rows]
    figures: dict[int, tuple] = {}
    if ids:
        for run_id, done, errors, mean, passed, judged in session.execute(
            select(Result.run_id, func.count(), func.count(Result.error_kind), func.avg(Result.score),
                   func.count(case((Result.passed == True, 1))), func.count(Result.passed))  # noqa: E712
            .where(Result.run_id.in_(ids)).group_by(Result.run_id)
        ):
            figures[run_id] = (done, errors, mean, passed or 0, judged)
    out = []
    for run, test_set_name in rows:
        settings = run.settings or {}
        n_cols = len(settings.get("versions", [])) * len(settings.get("providers", []))
        prompts = dict.fromkeys(v.get("prompt", "") for v in settings.get("versions", []))
        done, errors, mean, passed, judged = figures.get(run.id, (0, 0, None, 0, 0))
        out.append(RunSummary(
            id=run.id, status=status_of(session, run), created_at=run.created_at,
            finished_at=run.finished_at, test_set=test_set_name, prompt=", ".join(prompts),
            columns=n_cols, total=n_cols * len(settings.get("case_ids", [])), done=done,
            errors=errors, mean_score=mean, pass_rate=(passed / judged) if judged else None,
            gate_passed=run.gate_passed))
    return out
