"""Search prompts by name, description, message text (any version) and version notes."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from ..models import Prompt, Version


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
    for field, exact in (("text", and_(Version.content.like(qj, escape="\\"), in_text)),
                         ("note", Version.message.like(q, escape="\\"))):
        narrowed = _indexed(session, query, field)
        if narrowed is None:  # most versions may match: newest first, stop at `limit` prompts
            rows = _newest_first(session, exact, limit)
        else:
            rows = _ranked(session, and_(narrowed, exact), limit)
        if not rows:
            continue
        pks = [r[1] for r in rows]
        values = dict(session.execute(
            select(Version.pk, Version.content if field == "text" else Version.message)
            .where(Version.pk.in_(pks))
        ).all())
        ids = [r[0] for r in rows]
        names = dict(session.execute(
            select(Prompt.id, Prompt.name).where(Prompt.id.in_(ids))).tuples().all())
        current = _current_pks(session, ids)
        for prompt_id, pk, vid, at, n in rows:
            value = values[pk]
            if field == "text":
                # Only the messages' texts are needed: plain JSON, not the whole PromptContent.
                value = next((m["content"] for m in json.loads(value).get("messages", ())
                              if _like_match(m["content"], query)), "")
            hits.append(SearchHit(names[prompt_id], field, _snippet(value, query), vid, at,
                                  current.get(prompt_id) == pk, n))
    return hits[:limit]


SELECTIVE = 2_000  # candidates above which reading them by pk costs more than one scan


def _indexed(session: Session, query: str, field: str):
    """Versions whose `field` may contain `query`, from the trigram index (migration
    0008_search): a superset of the LIKE matches, which the caller still applies. None when the
    index does not narrow the search: a query shorter than a trigram, or one that many
    versions contain (the caller then walks the versions newest first)."""
    if len(query) < 3:
        return None
    match = f"{field} : " + '"' + query.replace('"', '""') + '"'
    candidates = session.execute(text(
        "SELECT count(*) FROM (SELECT rowid FROM versions_fts WHERE versions_fts MATCH :match "
        "LIMIT :most)"), {"match": match, "most": SELECTIVE}).scalar_one()
    if candidates >= SELECTIVE:
        return None
    return text(
        "versions.pk IN (SELECT rowid FROM versions_fts WHERE versions_fts MATCH :match)"
    ).bindparams(match=match)


Row = tuple[int, int, str, datetime, int]  # prompt id, version pk, version id, created, matches


def _ranked(session: Session, condition, limit: int) -> list[Row]:
    """Per prompt, its newest version that meets `condition` and how many do, newest first:
    one query over the (few) matching versions."""
    ranked = (
        select(Version.prompt_id, Version.pk, Version.version_id, Version.created_at,
               func.row_number().over(partition_by=Version.prompt_id,
                                      order_by=(Version.created_at.desc(),
                                                Version.pk.desc())).label("rank"),
               func.count().over(partition_by=Version.prompt_id).label("n"))
        .join(Prompt, Prompt.id == Version.prompt_id)
        .where(Prompt.deleted_at.is_(None), condition)
        .subquery()
    )
    return [tuple(r) for r in session.execute(
        select(ranked.c.prompt_id, ranked.c.pk, ranked.c.version_id, ranked.c.created_at,
               ranked.c.n)
        .where(ranked.c.rank == 1).order_by(ranked.c.created_at.desc(), ranked.c.pk.desc())
        .limit(limit))]


def _newest_first(session: Session, condition, limit: int) -> list[Row]:
    """The same rows as `_ranked` for a query many versions match: walk the versions newest
    first (index ix_versions_created) and stop once `limit` prompts have their newest match;
    then count the matches of just those prompts."""
    deleted = set(session.scalars(select(Prompt.id).where(Prompt.deleted_at.is_not(None))))
    found: dict[int, tuple[int, str, datetime]] = {}
    walk = session.execute(
        select(Version.prompt_id, Version.pk, Version.version_id, Version.created_at)
        .with_hint(Version, "INDEXED BY ix_versions_created", "sqlite")
        .where(condition).order_by(Version.created_at.desc(), Version.pk.desc())
        .execution_options(yield_per=256))
    try:
        for prompt_id, pk, vid, at in walk:
            if prompt_id not in found and prompt_id not in deleted:
                found[prompt_id] = (pk, vid, at)
                if len(found) == limit:
                    break
    finally:
        walk.close()
    if not found:
        return []
    counts = {pid: n for pid, n in session.execute(
        select(Version.prompt_id, func.count()).where(Version.prompt_id.in_(list(found)),
                                                      condition)
        .group_by(Version.prompt_id)).all()}
    return [(pid, pk, vid, at, counts[pid]) for pid, (pk, vid, at) in found.items()]


def _like_match(value: str, query: str) -> bool:
    """Python's view of SQLite's LIKE '%query%': ASCII letters fold case, nothing else does."""
    return _like_pattern(query).search(value) is not None


@functools.lru_cache(maxsize=64)
def _like_pattern(query: str) -> re.Pattern:
    return re.compile(re.escape(query), re.IGNORECASE | re.ASCII)


def _current_pks(session: Session, prompt_ids: list[int]) -> dict[int, int]:
    """Each prompt's current version (its head, else its newest), in one query that walks the
    (prompt_id, created_at) index once per prompt."""
    newest = (select(Version.pk).where(Version.prompt_id == Prompt.id)
              .order_by(Version.created_at.desc(), Version.pk.desc()).limit(1)
              .scalar_subquery())
    return {pid: head if head is not None else pk for pid, head, pk in session.execute(
        select(Prompt.id, Prompt.head_pk, newest).where(Prompt.id.in_(prompt_ids))).tuples()}
