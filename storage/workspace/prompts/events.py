"""Restore, and the events a prompt's history records (restored, renamed, deleted...).

A version's id is the hash of its content and a prompt holds each content once, so restoring
an old version cannot add a copy of it. It moves the prompt's head to that version instead and
records a "restored" event (author, time, the version that was current before). The next save
then has the restored version as its parent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import Prompt, PromptEvent, Version, utcnow
from .versions import latest_version, newest_version


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    version: Version
    previous: Version | None  # what was current before
    changed: bool  # False when the version already was the current one


def restore_version(session: Session, version: Version, *, author: str = "",
                    message: str = "") -> RestoreOutcome:
    """Make an old version the prompt's current version again, and say so in its history."""
    prompt = session.get(Prompt, version.prompt_id)
    previous = latest_version(session, prompt)
    if previous is not None and previous.pk == version.pk:
        return RestoreOutcome(version, previous, changed=False)
    now = utcnow()
    newest = newest_version(session, prompt)
    prompt.head_pk = None if newest is not None and newest.pk == version.pk else version.pk
    prompt.updated_at = now
    add_event(session, prompt, "restored", version=version, author=author,
              message=message or f"Restored from {version.version_id[:12]}",
              detail={"previous": previous.version_id if previous else None}, created_at=now)
    session.flush()
    return RestoreOutcome(version, previous, changed=True)


def add_event(session: Session, prompt: Prompt, kind: str, *, version: Version | None = None,
              author: str = "", message: str = "", detail: dict | None = None,
              created_at: datetime | None = None) -> PromptEvent:
    event = PromptEvent(
        prompt_id=prompt.id, kind=kind, version_pk=version.pk if version is not None else None,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), author=author,
        message=message, created_at=created_at or utcnow(),
    )
    session.add(event)
    return event
