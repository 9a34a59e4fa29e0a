"""The provider batches a run was sent as: stored at submission, updated as they are polled,
marked collected when their results are stored (see desktop/core/runner/batches.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.workspace.models import RunBatch, utcnow

COLLECTED = "collected"


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A stored batch, detached from its session."""

    id: int
    run_id: int
    provider: str
    api: str
    batch_id: str
    input_file_id: str | None
    status: str
    cells: tuple[tuple[int, int], ...]  # (row, version_pk) of each request in it
    total: int
    completed: int
    failed: int
    error: str | None

    @classmethod
    def of(cls, b: RunBatch) -> "BatchRecord":
        return cls(b.id, b.run_id, b.provider, b.api, b.batch_id, b.input_file_id, b.status,
                   tuple((int(r), int(v)) for r, v in b.cells or ()), b.total, b.completed,
                   b.failed, b.error)


def add_batch(session: Session, *, run_id: int, provider: str, api: str, batch_id: str,
              input_file_id: str | None, cells: Iterable[tuple[int, int]]) -> BatchRecord:
    cells = [[int(r), int(v)] for r, v in cells]
    batch = RunBatch(run_id=run_id, provider=provider, api=api, batch_id=batch_id,
                     input_file_id=input_file_id, status="submitted", cells=cells,
                     total=len(cells), completed=0, failed=0, created_at=utcnow(),
                     updated_at=utcnow())
    session.add(batch)
    session.flush()
    return BatchRecord.of(batch)


def update_batch(session: Session, batch_id: int, *, status: str, completed: int, failed: int,
                 error: str | None = None) -> None:
    batch = session.get(RunBatch, batch_id)
    if batch is None:
        return
    batch.status, batch.completed, batch.failed = status, completed, failed
    batch.error = error
    batch.updated_at = utcnow()
    if status == COLLECTED:
        batch.collected_at = batch.updated_at


def open_batches(session: Session, run_id: int) -> list[BatchRecord]:
    """The run's batches whose results are not stored yet, oldest first."""
    return [BatchRecord.of(b) for b in session.scalars(
        select(RunBatch).where(RunBatch.run_id == run_id, RunBatch.status != COLLECTED)
        .order_by(RunBatch.id))]


def run_batches(session: Session, run_id: int) -> list[BatchRecord]:
    return [BatchRecord.of(b) for b in session.scalars(
        select(RunBatch).where(RunBatch.run_id == run_id).order_by(RunBatch.id))]


def runs_waiting_for_batches(session: Session) -> list[int]:
    """Runs with a batch whose results are not stored yet (to collect, e.g. at start-up)."""
    return list(session.scalars(select(RunBatch.run_id).where(RunBatch.status != COLLECTED)
                                .distinct().order_by(RunBatch.run_id)))
