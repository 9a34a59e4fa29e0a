"""A prompt's version history as rows: saved versions and events, newest first, no content."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Prompt, PromptEvent, Version
from .versions import PARENT, latest_version, select_with_parent


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of a prompt's history, newest first: a saved version or an event.

    For a "saved" row `parent_id` is the version it was saved from; for a "restored" row
    `version_id` is the version made current and `parent_id` the one that was current before.
    """

    kind: str  # "saved", "restored", "renamed", "deleted", "undeleted"
    version_pk: int | None
    version_id: str | None
    author: str
    created_at: datetime
    message: str
    parent_id: str | None
    detail: dict
    is_current: bool = False


def history_rows(session: Session, prompt: Prompt, *, events: bool = True,
                 limit: int | None = None) -> list[HistoryRow]:
    """A prompt's versions and events, newest first, without loading any version's content.

    With `limit`, only the newest `limit` versions and the events since the oldest of them: the
    first rows of the full list, in the same order (the history panel shows them first)."""
    rows = session.execute(
        select_with_parent(prompt, Version.pk, Version.version_id, Version.author,
                           Version.created_at, Version.message, PARENT.version_id)
        .order_by(Version.created_at.desc(), Version.pk.desc())
        .limit(limit)
    ).all()
    since = rows[-1][3] if limit is not None and len(rows) == limit else None
    current = latest_version(session, prompt) if rows else None
    current_pk = current.pk if current is not None else None
    out = [HistoryRow("saved", pk, vid, author, at, message, parent_id, {}, pk == current_pk)
           for pk, vid, author, at, message, parent_id in rows]
    if events:
        found = _events(session, prompt, since)
        if found:
            out += found
            # Newest first; at the same instant an event (a restore) shows above the save.
            out.sort(key=lambda r: (r.created_at, r.kind != "saved", r.version_pk or 0),
                     reverse=True)
    return out


def _events(session: Session, prompt: Prompt,
            since: datetime | None = None) -> list[HistoryRow]:
    out = []
    query = (
        select(PromptEvent.kind, PromptEvent.version_pk, Version.version_id,
               PromptEvent.author, PromptEvent.created_at, PromptEvent.message,
               PromptEvent.detail)
        .outerjoin(Version, Version.pk == PromptEvent.version_pk)
        .where(PromptEvent.prompt_id == prompt.id)
    )
    if since is not None:
        query = query.where(PromptEvent.created_at >= since)
    for kind, pk, vid, author, at, message, detail in session.execute(
        query
        .order_by(PromptEvent.created_at, PromptEvent.id)
    ):
        info = _json_object(detail)
        parent_id = info.get("previous") if kind == "restored" else None
        out.append(HistoryRow(kind, pk, vid, author, at, message, parent_id, info))
    return out


def _json_object(text_: str) -> dict:
    try:
        value = json.loads(text_ or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def event_rows(session: Session, prompt: Prompt) -> list[HistoryRow]:
    """Only the events (restores, renames...), oldest first."""
    return _events(session, prompt)
