"""Prompts and their versions: the repository functions everything else calls."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.releases.content import PromptContent, canonical_bytes, from_canonical, version_id

from .models import Folder, Prompt, Version, utcnow

HEX = re.compile(r"[0-9a-f]{4,64}")


class PromptError(Exception):
    """A request about prompts the user can fix (unknown name, ambiguous version...)."""


def validate_prompt_name(name: str) -> str:
    """Names are paths of folders: "support/summarize-call". Returns the name or raises."""
    if not name or not name.strip():
        raise PromptError("A prompt needs a name.")
    if name != name.strip():
        raise PromptError(f"The name {name!r} starts or ends with a space; remove it.")
    if "@" in name:
        raise PromptError(f"The name {name!r} contains '@', which separates a name from a version.")
    if "\\" in name:
        raise PromptError(f"The name {name!r} contains a backslash; use '/' between folders.")
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise PromptError(f"The name {name!r} contains an invisible or control character.")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise PromptError(
                f"The name {name!r} has an empty or '.'/'..' folder; write it like 'folder/name'."
            )
        if part != part.strip():
            raise PromptError(f"A folder or name in {name!r} starts or ends with a space.")
    return name


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    version: Version
    created: bool  # False when identical content already existed: nothing new was written


def get_prompt(session: Session, name: str) -> Prompt | None:
    return session.scalar(select(Prompt).where(Prompt.name == name))


def require_prompt(session: Session, name: str) -> Prompt:
    prompt = get_prompt(session, name)
    if prompt is None:
        raise PromptError(f"There is no prompt named {name!r}. `promptpress prompt list` shows them.")
    return prompt


def ensure_folders(session: Session, name: str) -> None:
    parts = name.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        path = "/".join(parts[:i])
        if session.scalar(select(Folder.id).where(Folder.path == path)) is None:
            session.add(Folder(path=path))


def save_version(
    session: Session,
    name: str,
    content: PromptContent,
    *,
    message: str = "",
    author: str = "",
    parent: Version | None = None,
    description: str | None = None,
) -> SaveOutcome:
    """Save content as a version of the named prompt, creating the prompt if needed.

    Saving content identical to an existing version of this prompt creates nothing and returns
    that version. The parent defaults to the prompt's latest version.
    """
    validate_prompt_name(name)
    vid = version_id(content)
    prompt = get_prompt(session, name)
    if prompt is None:
        prompt = Prompt(name=name, description=description or "")
        session.add(prompt)
        ensure_folders(session, name)
        session.flush()
    else:
        existing = session.scalar(
            select(Version).where(Version.prompt_id == prompt.id, Version.version_id == vid)
        )
        if existing is not None:
            return SaveOutcome(existing, created=False)
        if description is not None:
            prompt.description = description
    if parent is None:
        parent = latest_version(session, prompt)
    version = Version(
        prompt_id=prompt.id,
        version_id=vid,
        content=canonical_bytes(content).decode("utf-8"),
        parent_pk=parent.pk if parent is not None else None,
        author=author,
        message=message,
        created_at=utcnow(),
    )
    session.add(version)
    prompt.updated_at = version.created_at
    session.flush()
    return SaveOutcome(version, created=True)


def latest_version(session: Session, prompt: Prompt) -> Version | None:
    return session.scalar(
        select(Version)
        .where(Version.prompt_id == prompt.id)
        .order_by(Version.created_at.desc(), Version.pk.desc())
        .limit(1)
    )


def history(session: Session, prompt: Prompt) -> list[Version]:
    """Versions newest first."""
    return list(
        session.scalars(
            select(Version)
            .where(Version.prompt_id == prompt.id)
            .order_by(Version.created_at.desc(), Version.pk.desc())
        )
    )


def split_ref(ref: str) -> tuple[str, str | None]:
    """"name@abc123" -> ("name", "abc123"); "name" -> ("name", None)."""
    name, sep, version = ref.rpartition("@")
    if not sep:
        return ref, None
    return name, version


def resolve(session: Session, ref: str) -> Version:
    """A version from "NAME", "NAME@latest" or "NAME@<id prefix of at least 4 hex digits>"."""
    name, wanted = split_ref(ref)
    prompt = require_prompt(session, name)
    if wanted in (None, "", "latest"):
        version = latest_version(session, prompt)
        if version is None:
            raise PromptError(f"The prompt {name!r} has no saved version yet.")
        return version
    wanted = wanted.lower()
    if not HEX.fullmatch(wanted):
        raise PromptError(
            f"{wanted!r} is not a version id: give at least 4 of its hexadecimal digits "
            f"(`promptpress prompt history {name}` lists them), or 'latest'."
        )
    matches = list(
        session.scalars(
            select(Version).where(
                Version.prompt_id == prompt.id, Version.version_id.startswith(wanted)
            )
        )
    )
    if not matches:
        raise PromptError(f"The prompt {name!r} has no version {wanted}.")
    if len(matches) > 1:
        raise PromptError(f"{wanted} matches {len(matches)} versions of {name!r}; give more digits.")
    return matches[0]


def content_of(version: Version) -> PromptContent:
    return from_canonical(version.content)


@dataclass(frozen=True, slots=True)
class PromptSummary:
    name: str
    description: str
    versions: int
    latest_id: str | None
    updated_at: object


def list_prompts(session: Session) -> list[PromptSummary]:
    counts = (
        select(Version.prompt_id, func.count(Version.pk).label("n"))
        .group_by(Version.prompt_id)
        .subquery()
    )
    rows = session.execute(
        select(Prompt, counts.c.n).outerjoin(counts, counts.c.prompt_id == Prompt.id)
        .order_by(Prompt.name)
    ).all()
    out = []
    for prompt, n in rows:
        latest = latest_version(session, prompt) if n else None
        out.append(
            PromptSummary(prompt.name, prompt.description, n or 0,
                          latest.version_id if latest else None, prompt.updated_at)
        )
    return out
