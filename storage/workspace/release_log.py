"""The workspace's memory of releases it published, co-signed or pulled (`Release` rows).

The history panel shows them beside the versions they contain. One row per (destination,
project, release number); `channel` lists the channels this workspace saw it on, e.g.
"staging, production", with "(pending)" while it waits for approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.workspace.models import Release

from .publishing import Published

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


def record(session: Session, published: Published) -> Release:
    """Remember a publish, promote, rollback or approval in the workspace."""
    r = published.result
    return record_release(
        session, destination=published.destination, project=published.project,
        number=r.release, channels=() if r.pending else (r.channel,),
        pending_on=(r.channel,) if r.pending else (), manifest_sha256=r.manifest.sha256,
        prompts=published.prompts, author=published.author, created=published.created or None)


def recent_destinations(session: Session, limit: int = 12) -> list[str]:
    """Where this workspace published or pulled from, most recent first."""
    rows = session.execute(select(Release.destination, Release.published_at)
                           .order_by(Release.published_at.desc())).all()
    return list(dict.fromkeys(d for d, _ in rows))[:limit]
