"""The workspace's log of releases it published, co-signed or pulled (`Release` rows).

The version history shows them beside the versions they contain. One row per (destination,
project, release number); `channel` lists the channels this workspace saw it on, e.g.
"staging, production", with "(pending)" while it waits for approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Release

PENDING = " (pending)"


def _merge_channels(existing: str, channel: str, pending: bool) -> str:
    names = [c.strip() for c in existing.split(",") if c.strip()]
    names = [c for c in names if c.removesuffix(PENDING) != channel]
    names.append(channel + (PENDING if pending else ""))
    return ", ".join(names)


def record_release(session: Session, *, destination: str, project: str, number: int,
                   channels: Iterable[str] = (), pending_on: Iterable[str] = (),
                   manifest_sha256: str, prompts: Mapping[str, str], author: str,
                   created: int | None = None) -> Release:
    row = session.scalar(select(Release).where(Release.destination == destination,
                                                Release.project == project,
                                                Release.number == number))
    if row is None:
        when = (datetime.fromtimestamp(created, timezone.utc) if created
                else datetime.now(timezone.utc))
        row = Release(destination=destination, project=project, number=number, channel="",
                      manifest_sha256=manifest_sha256, prompts=dict(prompts), author=author,
                      published_at=when)
        session.add(row)
    for channel in channels:
        row.channel = _merge_channels(row.channel, channel, pending=False)
    for channel in pending_on:
        row.channel = _merge_channels(row.channel, channel, pending=True)
    session.flush()
    return row


def recent_destinations(session: Session, limit: int = 12) -> list[str]:
    """Where this workspace published or pulled from, most recent first."""
    rows = session.execute(select(Release.destination, Release.published_at)
                           .order_by(Release.published_at.desc())).all()
    return list(dict.fromkeys(d for d, _ in rows))[:limit]


def releases_newest_first(session: Session) -> list[Release]:
    """Every release in the log, most recently published first."""
    return list(session.scalars(select(Release).order_by(Release.published_at.desc())))
