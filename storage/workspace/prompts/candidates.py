"""Suggested versions: prompt content the advisor wants to test, kept out of the author's way.

A run needs a stored version for each of its columns, but a suggestion is not a version the
author saved: it must not appear in the prompt's history, the prompt list, search, exports or
the trash. So suggestions are versions of a hidden prompt named `@suggestions/<name>` ('@' is
never in a live name), stored like a trashed prompt (`deleted_at` set, so every list of live
prompts leaves it out) but without a `deleted_name`, so the trash leaves it out too and
emptying the trash never removes it (runs keep pointing at their versions).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.releases.content import PromptContent, canonical_bytes, version_id

from ..models import Prompt, Version, utcnow

PREFIX = "@suggestions/"


def suggestions_name(name: str) -> str:
    """The hidden prompt that holds the suggestions for the prompt `name`."""
    return PREFIX + name


def is_suggestion(prompt_name: str) -> bool:
    return prompt_name.startswith(PREFIX)


def suggested_for(prompt_name: str) -> str | None:
    """The prompt a hidden suggestions prompt belongs to, or None for an ordinary prompt."""
    return prompt_name[len(PREFIX):] if is_suggestion(prompt_name) else None


def save_suggestion(session: Session, prompt: Prompt, content: PromptContent, *,
                    author: str = "", message: str = "") -> Version:
    """Store `content` as a suggested version for `prompt` (the same content twice is one
    version); the prompt itself and its history are not touched."""
    name = suggestions_name(prompt.name)
    hidden = session.scalar(select(Prompt).where(Prompt.name == name))
    if hidden is None:
        now = utcnow()
        hidden = Prompt(name=name, description=f"Suggestions for {prompt.name}",
                        created_at=now, updated_at=now, deleted_at=now, deleted_name=None)
        session.add(hidden)
        session.flush()
    vid = version_id(content)
    existing = session.scalar(select(Version).where(Version.prompt_id == hidden.id,
                                                    Version.version_id == vid))
    if existing is not None:
        return existing
    version = Version(prompt_id=hidden.id, version_id=vid,
                      content=canonical_bytes(content).decode("utf-8"), parent_pk=None,
                      author=author, message=message, created_at=utcnow())
    session.add(version)
    session.flush()
    return version
