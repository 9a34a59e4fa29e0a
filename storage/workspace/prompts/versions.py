"""Prompts and their versions: save, look up, resolve a reference, list, import as recorded.

A version's id is the sha256 of its canonical content, so saving identical content twice
creates nothing. A prompt's current version is its head (set by a restore, see `events`) or
else its newest version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, null, select, text
from sqlalchemy.orm import Session, aliased

from storage.releases.content import PromptContent, canonical_bytes, from_canonical, version_id

from ..models import Folder, Prompt, Version, utcnow
from .names import HEX, PromptError, split_ref, validate_prompt_name


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
    prompt.head_pk = None  # a new save is the latest again, even after a restore
    session.flush()
    return SaveOutcome(version, created=True)


def latest_version(session: Session, prompt: Prompt) -> Version | None:
    """The prompt's current version: the one a restore made current, else the newest saved."""
    if prompt.head_pk is not None:
        head = session.get(Version, prompt.head_pk)
        if head is not None and head.prompt_id == prompt.id:
            return head
    return newest_version(session, prompt)


def newest_version(session: Session, prompt: Prompt) -> Version | None:
    """The most recently saved version, whatever the head says."""
    return session.scalar(
        select(Version)
        .where(Version.prompt_id == prompt.id)
        .order_by(Version.created_at.desc(), Version.pk.desc())
        .limit(1)
    )


def version_history(session: Session, prompt: Prompt) -> list[Version]:
    """Versions newest first."""
    return list(
        session.scalars(
            select(Version)
            .where(Version.prompt_id == prompt.id)
            .order_by(Version.created_at.desc(), Version.pk.desc())
        )
    )



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
    """Every live prompt by name, with its count of versions and its current version's id."""
    return [summary for summary, _content in _summaries(session, with_content=False)]


def list_prompts_with_content(session: Session) -> list[tuple[PromptSummary, str | None]]:
    """`list_prompts` with each current version's stored content (canonical JSON), for the
    prompt list's search: one query for every prompt, not three each."""
    return _summaries(session, with_content=True)


def _summaries(session: Session, *, with_content: bool
               ) -> list[tuple[PromptSummary, str | None]]:
    counts = (
        select(Version.prompt_id, func.count(Version.pk).label("n"))
        .group_by(Version.prompt_id)
        .subquery()
    )
    head = (select(Version.pk).where(Version.pk == Prompt.head_pk,
                                     Version.prompt_id == Prompt.id).scalar_subquery())
    newest = (select(Version.pk).where(Version.prompt_id == Prompt.id)
              .order_by(Version.created_at.desc(), Version.pk.desc()).limit(1)
              .scalar_subquery())
    current = aliased(Version)  # `latest_version`: the head a restore made current, else newest
    rows = session.execute(
        select(Prompt.name, Prompt.description, counts.c.n, current.version_id,
               Prompt.updated_at, current.content if with_content else null())
        .outerjoin(counts, counts.c.prompt_id == Prompt.id)
        .outerjoin(current, current.pk == func.coalesce(head, newest))
        .where(Prompt.deleted_at.is_(None))
        .order_by(Prompt.name)
    ).all()
    return [(PromptSummary(name, description, n or 0, latest if n else None, updated), content)
            for name, description, n, latest, updated, content in rows]



@dataclass(frozen=True, slots=True)
class VersionRecord:
    """A version as export writes it: content plus where it came from."""

    version_id: str
    content: str  # canonical JSON text, exactly what was hashed
    parent_id: str | None
    author: str
    message: str
    created_at: datetime


PARENT = aliased(Version)  # a version's parent, in `select_with_parent`


def select_with_parent(prompt: Prompt, *columns):  # type: ignore[no-untyped-def]
    """SELECT `columns` over the prompt's versions, each joined to its parent as PARENT (none
    for the first)."""
    return (select(*columns).outerjoin(PARENT, PARENT.pk == Version.parent_pk)
            .where(Version.prompt_id == prompt.id))


def version_records(session: Session, prompt: Prompt) -> list[VersionRecord]:
    """Every version of a prompt with its content, oldest first (parents before children)."""
    rows = session.execute(
        select_with_parent(prompt, Version.version_id, Version.content, PARENT.version_id,
                           Version.author, Version.message, Version.created_at)
        .order_by(Version.created_at, Version.pk)
    ).all()
    return [VersionRecord(*row) for row in rows]


def import_version(session: Session, prompt: Prompt, content: PromptContent, *,
                   parent: Version | None, author: str, message: str,
                   created_at: datetime) -> SaveOutcome:
    """Add a version exactly as recorded elsewhere (author, message and time kept).

    Like `save_version`, content the prompt already has creates nothing. Unlike it, the time is
    the one given and the head does not move: import adds history, it never changes which
    version is current (see `desktop.core.exchange`).
    """
    vid = version_id(content)
    existing = session.scalar(
        select(Version).where(Version.prompt_id == prompt.id, Version.version_id == vid)
    )
    if existing is not None:
        return SaveOutcome(existing, created=False)
    version = Version(
        prompt_id=prompt.id, version_id=vid, content=canonical_bytes(content).decode("utf-8"),
        parent_pk=parent.pk if parent is not None else None, author=author, message=message,
        created_at=created_at,
    )
    session.add(version)
    if prompt.updated_at is None or created_at > prompt.updated_at:
        prompt.updated_at = created_at
    session.flush()
    return SaveOutcome(version, created=True)


def find_version(session: Session, prompt: Prompt, vid: str) -> Version | None:
    return session.scalar(
        select(Version).where(Version.prompt_id == prompt.id, Version.version_id == vid)
    )


def create_prompt(session: Session, name: str, *, description: str = "") -> Prompt:
    """A new, empty prompt (and its folders). Refuses a name already in use."""
    validate_prompt_name(name)
    if get_prompt(session, name) is not None:
        raise PromptError(f"A prompt named {name!r} already exists.")
    prompt = Prompt(name=name, description=description, created_at=utcnow(), updated_at=utcnow())
    session.add(prompt)
    ensure_folders(session, name)
    session.flush()
    return prompt


def versions_by_pk(session: Session, pks: Iterable[int]) -> dict[int, Version]:
    """The versions with these primary keys that exist, by pk."""
    wanted = set(pks)
    if not wanted:
        return {}
    return {v.pk: v for v in session.scalars(select(Version).where(Version.pk.in_(wanted)))}


def is_ancestor(session: Session, ancestor: Version, version: Version) -> bool:
    """Whether `ancestor` is `version` or one of its parents, grandparents...: one query."""
    found = session.execute(text(
        "WITH RECURSIVE chain(pk, parent_pk) AS ("
        " SELECT pk, parent_pk FROM versions WHERE pk = :tip"
        " UNION SELECT v.pk, v.parent_pk FROM versions v JOIN chain c ON v.pk = c.parent_pk)"
        " SELECT 1 FROM chain WHERE pk = :ancestor LIMIT 1"
    ), {"tip": version.pk, "ancestor": ancestor.pk}).first()
    return found is not None


@dataclass(frozen=True, slots=True)
class VersionHeader:
    """A version without its content: enough to list it and pick it."""

    pk: int
    version_id: str
    created_at: datetime
    author: str
    message: str


def live_prompts(session: Session, *, under: str | None = None) -> list[Prompt]:
    """Prompts not in the trash, by name; with `under`, only those inside that folder."""
    condition = Prompt.deleted_at.is_(None)
    if under is not None:
        condition = condition & Prompt.name.startswith(under.strip("/") + "/", autoescape=True)
    return list(session.scalars(select(Prompt).where(condition).order_by(Prompt.name)))


def live_prompts_with_versions(session: Session) -> list[tuple[Prompt, list[VersionHeader]]]:
    """Every live prompt that has saved versions, by name, with its versions newest first."""
    prompts = {p.id: p for p in live_prompts(session)}
    by_prompt: dict[int, list[VersionHeader]] = {}
    rows = session.execute(
        select(Version.prompt_id, Version.pk, Version.version_id, Version.created_at,
               Version.author, Version.message)
        .where(Version.prompt_id.in_(prompts))
        .order_by(Version.created_at.desc(), Version.pk.desc()))
    for prompt_id, *header in rows:
        by_prompt.setdefault(prompt_id, []).append(VersionHeader(*header))
    return [(prompts[i], by_prompt[i]) for i in prompts if i in by_prompt]


def ref_of(session: Session, version_pk: int) -> str:
    """`name@version_id` of the version with this primary key."""
    version = session.get(Version, version_pk)
    if version is None:
        raise PromptError("That version is gone from the workspace.")
    return f"{version.prompt.name}@{version.version_id}"
