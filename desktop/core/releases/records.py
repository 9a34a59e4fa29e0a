"""Noting publishes in the workspace's release log (`storage.workspace.release_log`)."""

from __future__ import annotations

from storage.workspace.db import Session
from storage.workspace.models import Release
from storage.workspace.release_log import PENDING, recent_destinations, record_release

from .publishing import Published

__all__ = ["PENDING", "recent_destinations", "record", "record_release"]


def record(session: Session, published: Published) -> Release:
    """Remember a publish, promote, rollback or approval in the workspace."""
    r = published.result
    return record_release(
        session, destination=published.destination, project=published.project,
        number=r.release, channels=() if r.pending else (r.channel,),
        pending_on=(r.channel,) if r.pending else (), manifest_sha256=r.manifest.sha256,
        prompts=published.prompts, author=published.author, created=published.created or None)
