"""A run's layout, read from its settings: columns (version x provider) and rows (cases).

The bottom of `storage.workspace.runs`: `lifecycle`, `totals` and `grid` all start here.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.workspace.models import Run
from storage.workspace.runs.records import Column, RunError


def get_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise RunError(f"There is no run {run_id}. `promptpress eval --list` shows the runs.")
    return run


def columns(run: Run) -> list[Column]:
    """The run's columns: each version on each provider, versions outermost."""
    settings = run.settings or {}
    out: list[Column] = []
    for version in settings.get("versions", []):
        for provider in settings.get("providers", []):
            out.append(Column(len(out), int(version["pk"]), version.get("version_id", ""),
                              version.get("prompt", ""), provider["name"],
                              provider.get("model", "")))
    return out


def as_run(session: Session, run: Run | int) -> Run:
    """The run itself, given it or its id."""
    return get_run(session, run) if isinstance(run, int) else run


def row_count(run: Run) -> int:
    """How many rows the run's grid has (its test cases when it started)."""
    return len((run.settings or {}).get("case_ids", []))


def read_run(session: Session, run_id: int) -> Run:
    """The run's row as a detached Run, read with one plain query (the ORM's first compile of
    a query costs tens of milliseconds, which a grid opening does not need to pay)."""
    row = session.execute(text(
        "SELECT id, test_set_id, test_set_hash, status, settings, mean_score, gate_passed "
        "FROM runs WHERE id = :id"), {"id": run_id}).first()
    if row is None:
        raise RunError(f"There is no run {run_id}.")
    return Run(id=row[0], test_set_id=row[1], test_set_hash=row[2], status=row[3],
               settings=json.loads(row[4] or "{}"), mean_score=row[5],
               gate_passed=None if row[6] is None else bool(row[6]))
