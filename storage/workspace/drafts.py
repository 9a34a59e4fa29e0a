"""Drafts: the working copy behind each editor tab, autosaved and restored after a crash.

A draft's `state` is JSON text owned by the editor (messages being edited, variable values,
columns, conversations). This module stores it as given and never looks inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import Draft, Prompt, Version, utcnow


@dataclass(frozen=True, slots=True)
class DraftRecord:
    """A draft detached from its session, safe to hand to another thread."""

    id: int
    prompt_id: int | None
    prompt_name: str | None
    base_version_pk: int | None
    base_version_id: str | None
    title: str
    state: str
    is_open: bool
    tab_position: int
    updated_at: datetime


def _record(session: Session, draft: Draft) -> DraftRecord:
    name = None
    if draft.prompt_id is not None:
        name = session.scalar(select(Prompt.name).where(Prompt.id == draft.prompt_id))
    version_id = None
    if draft.base_version_pk is not None:
        version_id = session.scalar(
            select(Version.version_id).where(Version.pk == draft.base_version_pk)
        )
    return DraftRecord(draft.id, draft.prompt_id, name, draft.base_version_pk, version_id,
                       draft.title, draft.state, draft.is_open, draft.tab_position, draft.updated_at)


def create_draft(
    session: Session,
    *,
    title: str,
    state: str,
    prompt_id: int | None = None,
    base_version_pk: int | None = None,
    tab_position: int = 0,
) -> DraftRecord:
    draft = Draft(prompt_id=prompt_id, base_version_pk=base_version_pk, title=title, state=state,
                  is_open=True, tab_position=tab_position, updated_at=utcnow())
    session.add(draft)
    session.flush()
    return _record(session, draft)


def get_draft(session: Session, draft_id: int) -> DraftRecord | None:
    draft = session.get(Draft, draft_id)
    return None if draft is None else _record(session, draft)


def save_state(session: Session, draft_id: int, state: str, *, title: str | None = None) -> bool:
    """Store a draft's editor state; False when the draft no longer exists."""
    values: dict = {"state": state, "updated_at": utcnow()}
    if title is not None:
        values["title"] = title
    result = session.execute(update(Draft).where(Draft.id == draft_id).values(**values))
    return result.rowcount > 0


def set_base(session: Session, draft_id: int, *, prompt_id: int | None,
             base_version_pk: int | None, title: str | None = None) -> None:
    """After a save: the draft now stands on this prompt and version."""
    values: dict = {"prompt_id": prompt_id, "base_version_pk": base_version_pk,
                    "updated_at": utcnow()}
    if title is not None:
        values["title"] = title
    session.execute(update(Draft).where(Draft.id == draft_id).values(**values))


def open_drafts(session: Session) -> list[DraftRecord]:
    """The drafts that had a tab open, in tab order."""
    drafts = session.scalars(
        select(Draft).where(Draft.is_open.is_(True)).order_by(Draft.tab_position, Draft.id)
    )
    return [_record(session, d) for d in drafts]


def draft_for_prompt(session: Session, prompt_id: int) -> DraftRecord | None:
    """The most recent draft of a prompt, open or not."""
    draft = session.scalar(
        select(Draft).where(Draft.prompt_id == prompt_id)
        .order_by(Draft.updated_at.desc(), Draft.id.desc()).limit(1)
    )
    return None if draft is None else _record(session, draft)


def set_tab_positions(session: Session, draft_ids: list[int]) -> None:
    """Record the order of the open tabs."""
    for position, draft_id in enumerate(draft_ids):
        session.execute(update(Draft).where(Draft.id == draft_id).values(tab_position=position))


def set_open(session: Session, draft_id: int, is_open: bool) -> None:
    session.execute(update(Draft).where(Draft.id == draft_id).values(is_open=is_open))


def delete_draft(session: Session, draft_id: int) -> None:
    draft = session.get(Draft, draft_id)
    if draft is not None:
        session.delete(draft)
        session.flush()


def base_version(session: Session, draft_id: int, prompt_id: int) -> Version | None:
    """The version a draft started from, if it is still a version of `prompt_id`: the parent
    of what the draft saves next (a fork from history, or a second tab, keeps its own)."""
    draft = session.get(Draft, draft_id)
    if draft is None or draft.base_version_pk is None:
        return None
    base = session.get(Version, draft.base_version_pk)
    return base if base is not None and base.prompt_id == prompt_id else None
