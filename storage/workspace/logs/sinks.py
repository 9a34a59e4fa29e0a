"""Which log sinks belong to a release repository: where its readers log, and what to pull."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import LogSink, utcnow


@dataclass(frozen=True, slots=True)
class SinkRow:
    id: int
    repository: str
    location: str
    project: str | None
    pulled_at: datetime | None


def _row(sink: LogSink) -> SinkRow:
    return SinkRow(sink.id, sink.repository, sink.location, sink.project, sink.pulled_at)


def add_sink(session: Session, repository: str, location: str,
             project: str | None = None) -> tuple[SinkRow, bool]:
    """Add `location` (normalised) as a sink of `repository`; (row, True if it is new). Adding
    it again only updates the project."""
    sink = session.scalar(select(LogSink).where(LogSink.repository == repository,
                                                LogSink.location == location))
    created = sink is None
    if sink is None:
        sink = LogSink(repository=repository, location=location, project=project)
        session.add(sink)
    elif project is not None:
        sink.project = project
    session.flush()
    return _row(sink), created


def remove_sink(session: Session, repository: str, location: str) -> bool:
    """Forget a sink (what was pulled from it stays); False if it was not configured."""
    sink = session.scalar(select(LogSink).where(LogSink.repository == repository,
                                                LogSink.location == location))
    if sink is None:
        return False
    session.delete(sink)
    session.flush()
    return True


def list_sinks(session: Session, repository: str | None = None) -> list[SinkRow]:
    statement = select(LogSink).order_by(LogSink.repository, LogSink.location)
    if repository is not None:
        statement = statement.where(LogSink.repository == repository)
    return [_row(s) for s in session.scalars(statement)]


def mark_pulled(session: Session, location: str) -> None:
    """Note that `location` was just pulled (every repository's sink row for it)."""
    for sink in session.scalars(select(LogSink).where(LogSink.location == location)):
        sink.pulled_at = utcnow()


def repository_projects(session: Session, repository: str) -> list[str]:
    """The projects of the releases this workspace published to or pulled from `repository`."""
    from ..models import Release

    return sorted(set(session.scalars(select(Release.project)
                                      .where(Release.destination == repository))))
