"""Delete with undo: the trash of deleted prompts, undelete, and emptying it for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from ..models import Prompt, PromptEvent, Version, utcnow
from .events import add_event
from .names import PromptError, validate_prompt_name
from .versions import ensure_folders, get_prompt, require_prompt


@dataclass(frozen=True, slots=True)
class DeletedPrompt:
    id: int
    name: str
    deleted_at: datetime
    versions: int


def delete_prompt(session: Session, name: str, *, author: str = "") -> DeletedPrompt:
    """Move a prompt to the trash: hidden everywhere, its name free, undone by `undelete_prompt`."""
    prompt = require_prompt(session, name)
    now = utcnow()
    prompt.deleted_name = prompt.name
    prompt.deleted_at = now
    prompt.name = f"@deleted/{prompt.id}/{name}"
    add_event(session, prompt, "deleted", author=author, message=f"Deleted {name}",
              detail={"name": name}, created_at=now)
    session.flush()
    count = session.scalar(select(func.count(Version.pk)).where(Version.prompt_id == prompt.id))
    return DeletedPrompt(prompt.id, name, now, count or 0)


def list_deleted(session: Session) -> list[DeletedPrompt]:
    """The trash, most recently deleted first."""
    counts = (select(Version.prompt_id, func.count(Version.pk).label("n"))
              .group_by(Version.prompt_id).subquery())
    rows = session.execute(
        select(Prompt.id, Prompt.deleted_name, Prompt.deleted_at, counts.c.n)
        .outerjoin(counts, counts.c.prompt_id == Prompt.id)
        # Suggestions (see candidates.py) are stored hidden like this, with no deleted_name.
        .where(Prompt.deleted_at.is_not(None), Prompt.deleted_name.is_not(None))
        .order_by(Prompt.deleted_at.desc(), Prompt.id.desc())
    ).all()
    return [DeletedPrompt(i, n, at, c or 0) for i, n, at, c in rows]


def undelete_prompt(session: Session, name: str, *, new_name: str | None = None,
                    author: str = "") -> Prompt:
    """Bring back the most recently deleted prompt of that name, under `new_name` if given."""
    prompt = session.scalar(
        select(Prompt).where(Prompt.deleted_at.is_not(None), Prompt.deleted_name == name)
        .order_by(Prompt.deleted_at.desc(), Prompt.id.desc()).limit(1)
    )
    if prompt is None:
        raise PromptError(f"There is no deleted prompt named {name!r}. "
                          "`promptpress prompt trash` lists deleted prompts.")
    target = new_name or name
    validate_prompt_name(target)
    if get_prompt(session, target) is not None:
        raise PromptError(f"A prompt named {target!r} exists now, so the deleted one cannot take "
                          f"its name back. Undelete it under another name (--as NEW_NAME).")
    prompt.name = target
    prompt.deleted_at = None
    prompt.deleted_name = None
    ensure_folders(session, target)
    message = f"Undeleted {name}" + (f" as {target}" if target != name else "")
    add_event(session, prompt, "undeleted", author=author, message=message,
              detail={"name": name, "to": target})
    session.flush()
    return prompt


def purge_deleted(session: Session, *, older_than: datetime | None = None) -> int:
    """Empty the trash (or only what was deleted before `older_than`): this cannot be undone."""
    condition = and_(Prompt.deleted_at.is_not(None), Prompt.deleted_name.is_not(None))
    if older_than is not None:
        condition = and_(condition, Prompt.deleted_at < older_than)
    ids = list(session.scalars(select(Prompt.id).where(condition)))
    if ids:
        session.execute(delete(PromptEvent).where(PromptEvent.prompt_id.in_(ids)))
        session.execute(delete(Version).where(Version.prompt_id.in_(ids)))
        session.execute(delete(Prompt).where(Prompt.id.in_(ids)))
        session.expire_all()
    return len(ids)
