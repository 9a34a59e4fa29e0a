"""Prompts and their versions: the repository functions everything else calls."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from storage.releases.content import PromptContent, canonical_bytes, from_canonical, version_id

from .models import Folder, Prompt, PromptEvent, Version, utcnow

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
        .where(Prompt.deleted_at.is_(None))
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


# -- Restore ----------------------------------------------------------------------------------
#
# A version's id is the hash of its content and a prompt holds each content once, so restoring
# an old version cannot add a copy of it. It moves the prompt's head to that version instead and
# records a "restored" event (author, time, the version that was current before). The next save
# then has the restored version as its parent.


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


# -- History ----------------------------------------------------------------------------------


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


def history_rows(session: Session, prompt: Prompt, *, events: bool = True) -> list[HistoryRow]:
    """A prompt's versions and events, newest first, without loading any version's content."""
    parent = aliased(Version)
    rows = session.execute(
        select(Version.pk, Version.version_id, Version.author, Version.created_at,
               Version.message, parent.version_id)
        .outerjoin(parent, parent.pk == Version.parent_pk)
        .where(Version.prompt_id == prompt.id)
        .order_by(Version.created_at.desc(), Version.pk.desc())
    ).all()
    current = latest_version(session, prompt) if rows else None
    current_pk = current.pk if current is not None else None
    out = [HistoryRow("saved", pk, vid, author, at, message, parent_id, {}, pk == current_pk)
           for pk, vid, author, at, message, parent_id in rows]
    if events:
        found = _events(session, prompt)
        if found:
            out += found
            # Newest first; at the same instant an event (a restore) shows above the save.
            out.sort(key=lambda r: (r.created_at, r.kind != "saved", r.version_pk or 0),
                     reverse=True)
    return out


def _events(session: Session, prompt: Prompt) -> list[HistoryRow]:
    out = []
    for kind, pk, vid, author, at, message, detail in session.execute(
        select(PromptEvent.kind, PromptEvent.version_pk, Version.version_id,
               PromptEvent.author, PromptEvent.created_at, PromptEvent.message,
               PromptEvent.detail)
        .outerjoin(Version, Version.pk == PromptEvent.version_pk)
        .where(PromptEvent.prompt_id == prompt.id)
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


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """A version as export writes it: content plus where it came from."""

    version_id: str
    content: str  # canonical JSON text, exactly what was hashed
    parent_id: str | None
    author: str
    message: str
    created_at: datetime


def version_records(session: Session, prompt: Prompt) -> list[VersionRecord]:
    """Every version of a prompt with its content, oldest first (parents before children)."""
    parent = aliased(Version)
    rows = session.execute(
        select(Version.version_id, Version.content, parent.version_id, Version.author,
               Version.message, Version.created_at)
        .outerjoin(parent, parent.pk == Version.parent_pk)
        .where(Version.prompt_id == prompt.id)
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


# -- Organise: rename, move, folders ----------------------------------------------------------


def _basename(name: str) -> str:
    return name.rpartition("/")[2]


def _join(folder: str, base: str) -> str:
    return f"{folder}/{base}" if folder else base


def rename_prompt(session: Session, old: str, new: str, *, author: str = "") -> Prompt:
    """Give a prompt a new name (with folders). Its versions, drafts and runs stay with it."""
    prompt = require_prompt(session, old)
    validate_prompt_name(new)
    if new == old:
        return prompt
    if get_prompt(session, new) is not None:
        raise PromptError(f"A prompt named {new!r} already exists; choose another name.")
    prompt.name = new
    ensure_folders(session, new)
    add_event(session, prompt, "renamed", author=author, message=f"Renamed from {old} to {new}",
              detail={"from": old, "to": new})
    session.flush()
    return prompt


def move_prompt(session: Session, name: str, folder: str, *, author: str = "") -> Prompt:
    """Move a prompt into a folder ("" is the top level), keeping its own name."""
    folder = folder.strip("/")
    if folder:
        validate_prompt_name(folder)
    return rename_prompt(session, name, _join(folder, _basename(name)), author=author)


def _under(column, folder: str):
    prefix = folder + "/"
    return func.substr(column, 1, len(prefix)) == prefix


def folder_exists(session: Session, path: str) -> bool:
    if session.scalar(select(Folder.id).where(Folder.path == path)) is not None:
        return True
    return session.scalar(
        select(Prompt.id).where(_under(Prompt.name, path), Prompt.deleted_at.is_(None)).limit(1)
    ) is not None


def create_folder(session: Session, path: str) -> str:
    """An explicit (possibly empty) folder, with its parents."""
    path = path.strip("/")
    validate_prompt_name(path)
    ensure_folders(session, path + "/x")  # a prompt and a folder may share a path
    session.flush()
    return path


def list_folders(session: Session) -> list[str]:
    """Every folder: the explicit ones and those implied by live prompts' names."""
    paths = set(session.scalars(select(Folder.path)))
    for name in session.scalars(select(Prompt.name).where(Prompt.deleted_at.is_(None))):
        parts = name.split("/")[:-1]
        paths.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(paths)


def rename_folder(session: Session, old: str, new: str, *,
                  author: str = "") -> list[tuple[str, str]]:
    """Rename a folder: every prompt and folder under it moves, in this one transaction.

    Returns (old name, new name) for each prompt moved. Refuses, changing nothing, when a
    moved prompt would take the name of an existing one.
    """
    old, new = old.strip("/"), new.strip("/")
    validate_prompt_name(old)
    validate_prompt_name(new)
    if new == old:
        return []
    if new.startswith(old + "/"):
        raise PromptError(f"Cannot move the folder {old!r} into itself ({new!r}).")
    if not folder_exists(session, old):
        raise PromptError(f"There is no folder named {old!r}.")
    prompts = list(session.scalars(
        select(Prompt).where(_under(Prompt.name, old), Prompt.deleted_at.is_(None))
        .order_by(Prompt.name)
    ))
    moves = [(p, new + p.name[len(old):]) for p in prompts]
    taken = set(session.scalars(
        select(Prompt.name).where(Prompt.name.in_([n for _, n in moves]))
    )) if moves else set()
    if taken:
        listed = ", ".join(sorted(taken)[:5]) + ("..." if len(taken) > 5 else "")
        raise PromptError(f"Cannot rename {old!r} to {new!r}: prompts named {listed} already "
                          "exist there. Nothing was moved.")
    for prompt, new_name in moves:
        previous = prompt.name
        prompt.name = new_name
        add_event(session, prompt, "renamed", author=author,
                  message=f"Renamed from {previous} to {new_name} (folder {old} renamed to {new})",
                  detail={"from": previous, "to": new_name})
    for folder in list(session.scalars(
        select(Folder).where(or_(Folder.path == old, _under(Folder.path, old)))
    )):
        target = new + folder.path[len(old):]
        if session.scalar(select(Folder.id).where(Folder.path == target)) is not None:
            session.delete(folder)
        else:
            folder.path = target
    session.flush()
    ensure_folders(session, new + "/x")
    session.flush()
    return [(old + n[len(new):], n) for _, n in moves]


def delete_folder(session: Session, path: str, *, recursive: bool = False,
                  author: str = "") -> list[str]:
    """Remove a folder. With `recursive`, its prompts go to the trash first (each undeletable);
    without, a folder that still holds prompts is refused. Returns the prompts deleted."""
    path = path.strip("/")
    validate_prompt_name(path)
    if not folder_exists(session, path):
        raise PromptError(f"There is no folder named {path!r}.")
    names = list(session.scalars(
        select(Prompt.name).where(_under(Prompt.name, path), Prompt.deleted_at.is_(None))
        .order_by(Prompt.name)
    ))
    if names and not recursive:
        raise PromptError(f"The folder {path!r} holds {len(names)} prompt(s); delete or move "
                          "them first, or delete the folder with its prompts.")
    for name in names:
        delete_prompt(session, name, author=author)
    session.execute(delete(Folder).where(or_(Folder.path == path, _under(Folder.path, path))))
    session.flush()
    return names


# -- Delete with undo -------------------------------------------------------------------------


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
        .where(Prompt.deleted_at.is_not(None))
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
    condition = Prompt.deleted_at.is_not(None)
    if older_than is not None:
        condition = and_(condition, Prompt.deleted_at < older_than)
    ids = list(session.scalars(select(Prompt.id).where(condition)))
    if ids:
        session.execute(delete(PromptEvent).where(PromptEvent.prompt_id.in_(ids)))
        session.execute(delete(Version).where(Version.prompt_id.in_(ids)))
        session.execute(delete(Prompt).where(Prompt.id.in_(ids)))
        session.expire_all()
    return len(ids)


# -- Search -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    name: str
    field: str  # "name", "description", "text" (a message's text), "note" (a version's message)
    snippet: str
    version_id: str | None = None
    created_at: datetime | None = None
    in_current: bool = False  # the match is in the prompt's current version
    matching_versions: int = 0


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _snippet(haystack: str, needle: str, width: int = 40) -> str:
    at = haystack.casefold().find(needle.casefold())
    if at < 0:
        at = 0
    start, end = max(0, at - width), min(len(haystack), at + len(needle) + width)
    piece = " ".join(haystack[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(haystack) else "")


def search(session: Session, query: str, *, limit: int = 200) -> list[SearchHit]:
    """Prompts whose name, description, message text (any version) or version notes contain
    `query` (case-insensitive for ASCII letters). One hit per prompt and field, newest first."""
    if not query:
        return []
    q = _like(query)
    # The stored content is JSON: its escaped form of the query finds candidates with LIKE, and
    # json_each then checks the match is inside a message's text, not a key or the model name.
    qj = _like(json.dumps(query, ensure_ascii=False)[1:-1])
    live = Prompt.deleted_at.is_(None)
    hits: list[SearchHit] = []
    for name, description in session.execute(
        select(Prompt.name, Prompt.description)
        .where(live, or_(Prompt.name.like(q, escape="\\"), Prompt.description.like(q, escape="\\")))
        .order_by(Prompt.name)
    ):
        if _like_match(name, query):
            hits.append(SearchHit(name, "name", name))
        if description and _like_match(description, query):
            hits.append(SearchHit(name, "description", _snippet(description, query)))

    in_text = text(
        "EXISTS (SELECT 1 FROM json_each(versions.content, '$.messages') AS m "
        "WHERE json_extract(m.value, '$.content') LIKE :q ESCAPE '\\')"
    ).bindparams(q=q)
    for field, condition in (("text", and_(Version.content.like(qj, escape="\\"), in_text)),
                             ("note", Version.message.like(q, escape="\\"))):
        # Per prompt: the newest matching version and how many versions match.
        ranked = (
            select(Version.prompt_id, Version.pk, Version.version_id, Version.created_at,
                   func.row_number().over(partition_by=Version.prompt_id,
                                          order_by=(Version.created_at.desc(),
                                                    Version.pk.desc())).label("rank"),
                   func.count().over(partition_by=Version.prompt_id).label("n"))
            .join(Prompt, Prompt.id == Version.prompt_id)
            .where(live, condition)
            .subquery()
        )
        rows = session.execute(
            select(ranked.c.prompt_id, ranked.c.pk, ranked.c.version_id, ranked.c.created_at,
                   ranked.c.n)
            .where(ranked.c.rank == 1).order_by(ranked.c.created_at.desc()).limit(limit)
        ).all()
        if not rows:
            continue
        pks = [r.pk for r in rows]
        values = dict(session.execute(
            select(Version.pk, Version.content if field == "text" else Version.message)
            .where(Version.pk.in_(pks))
        ).all())
        ids = [r.prompt_id for r in rows]
        names = dict(session.execute(
            select(Prompt.id, Prompt.name).where(Prompt.id.in_(ids))).tuples().all())
        current = _current_pks(session, ids)
        for prompt_id, pk, vid, at, n in rows:
            value = values[pk]
            if field == "text":
                value = next((m.content for m in from_canonical(value).messages
                              if _like_match(m.content, query)), "")
            hits.append(SearchHit(names[prompt_id], field, _snippet(value, query), vid, at,
                                  current.get(prompt_id) == pk, n))
    return hits[:limit]


def _like_match(value: str, query: str) -> bool:
    """Python's view of SQLite's LIKE '%query%': ASCII letters fold case, nothing else does."""
    return _like_pattern(query).search(value) is not None


@functools.lru_cache(maxsize=64)
def _like_pattern(query: str) -> re.Pattern:
    return re.compile(re.escape(query), re.IGNORECASE | re.ASCII)


def _current_pks(session: Session, prompt_ids: list[int]) -> dict[int, int]:
    """Each prompt's current version (its head, else its newest), in two queries."""
    ranked = (
        select(Version.prompt_id, Version.pk,
               func.row_number().over(partition_by=Version.prompt_id,
                                      order_by=(Version.created_at.desc(),
                                                Version.pk.desc())).label("rank"))
        .where(Version.prompt_id.in_(prompt_ids)).subquery()
    )
    out = dict(session.execute(select(ranked.c.prompt_id, ranked.c.pk)
                               .where(ranked.c.rank == 1)).tuples().all())
    out.update(session.execute(select(Prompt.id, Prompt.head_pk)
                               .where(Prompt.id.in_(prompt_ids), Prompt.head_pk.is_not(None)))
               .tuples().all())
    return out
