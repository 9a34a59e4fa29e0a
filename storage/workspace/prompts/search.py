"""Search prompts by name, description, message text (any version) and version notes."""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, bindparam, func, or_, select, text, type_coerce
from sqlalchemy.orm import Session

from ..db import raw_cursor
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
    `query` (case-insensitive for ASCII letters). One hit per prompt and field, newest first;
    at most `limit` names and descriptions, `limit` texts and `limit` notes (so common words
    in the texts never crowd out the notes)."""
    if not query:
        return []
    q = _like(query)
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
    del hits[limit:]

    for field in ("text", "note"):
        hits.extend(_version_hits(session, query, field, limit))
    return hits


SEPARATOR = "\x1f"  # between a version's message texts in `version_texts` (0012_search_texts)


def _version_hits(session: Session, query: str, field: str, limit: int) -> list[SearchHit]:
    """Per prompt, the newest version whose message text (`field` "text") or note ("note")
    contains `query`, with how many of its versions do; newest first, at most `limit`."""
    exact = _contains(query, field)
    narrowed = _indexed(session, query, field)
    if narrowed is None:  # most versions may match: newest first, stop at `limit` prompts
        rows = _newest_first(session, exact, limit)
    else:
        rows = _ranked(session, and_(narrowed, exact), limit)
    if not rows:
        return []
    pks = [r[1] for r in rows]
    values = dict(session.execute(
        select(Version.pk, Version.content if field == "text" else Version.message)
        .where(Version.pk.in_(pks))).all())
    ids = [r[0] for r in rows]
    names = dict(session.execute(
        select(Prompt.id, Prompt.name).where(Prompt.id.in_(ids))).tuples().all())
    current = _current_pks(session, ids)
    hits = []
    for prompt_id, pk, vid, at, n in rows:
        value = values[pk]
        if field == "text":
            # Only the messages' texts are needed: plain JSON, not the whole PromptContent.
            value = next((m["content"] for m in json.loads(value).get("messages", ())
                          if _like_match(m["content"], query)), "")
        hits.append(SearchHit(names[prompt_id], field, _snippet(value, query), vid, at,
                              current.get(prompt_id) == pk, n))
    return hits


def _contains(query: str, field: str):
    """The exact test, SQLite's LIKE '%query%', on a version's note or on each of its message
    texts, from `version_texts`: no JSON to parse. A query that holds the separator itself is
    tested message by message on the stored JSON instead."""
    q = _like(query)
    if field == "text" and SEPARATOR in query:
        # The escaped form of the query finds candidates in the JSON with LIKE, and json_each
        # then checks the match is inside a message's text, not a key or the model name.
        qj = _like(json.dumps(query, ensure_ascii=False)[1:-1])
        return and_(Version.content.like(qj, escape="\\"), text(
            "EXISTS (SELECT 1 FROM json_each(versions.content, '$.messages') AS m "
            "WHERE json_extract(m.value, '$.content') LIKE :q ESCAPE '\\')").bindparams(q=q))
    column = "texts" if field == "text" else "note"
    return text(f"EXISTS (SELECT 1 FROM version_texts AS t WHERE t.pk = versions.pk "
                f"AND t.{column} LIKE :q ESCAPE '\\')").bindparams(q=q)


SELECTIVE = 2_000  # candidates above which reading them by pk costs more than `_newest_first`


def _indexed(session: Session, query: str, field: str):
    """Versions whose `field` may contain `query`, from a trigram index (message text:
    `versions_fts`, 0008_search; notes: `versions_note_fts`, 0011_search_notes): a superset of
    the LIKE matches, which the caller still applies. None when the index does not narrow the
    search: a query shorter than a trigram, or one that many versions contain (the caller then
    probes the prompts newest first)."""
    if len(query) < 3:
        return None
    phrase = '"' + query.replace('"', '""') + '"'
    table, match = (("versions_fts", f"text : {phrase}") if field == "text"
                    else ("versions_note_fts", phrase))
    pks = session.execute(text(
        f"SELECT rowid FROM {table} WHERE {table} MATCH :match LIMIT :most"),
        {"match": match, "most": SELECTIVE}).scalars().all()
    if len(pks) >= SELECTIVE:
        return None
    return text("versions.pk IN (SELECT value FROM json_each(:pks))").bindparams(
        pks=json.dumps(pks))


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


def _prompts_newest_first(session: Session) -> Iterator[tuple[int, str]]:
    """Live prompts in the order of their newest version, newest first, with its time (ISO
    text), read lazily from the index (created_at, prompt_id) alone."""
    skip = set(session.scalars(select(Prompt.id).where(Prompt.deleted_at.is_not(None))))
    cursor = raw_cursor(session)
    try:
        cursor.execute("SELECT prompt_id, created_at FROM versions "
                       "INDEXED BY ix_versions_created_prompt ORDER BY created_at DESC")
        while rows := cursor.fetchmany(1024):
            for prompt_id, created in rows:
                if prompt_id not in skip:
                    skip.add(prompt_id)
                    yield prompt_id, created
    finally:
        cursor.close()


def _newest_first(session: Session, condition, limit: int) -> list[Row]:
    """The same rows as `_ranked` for a query many versions match, without testing them all.

    Prompts are probed in the order of their newest version, in batches: a probe walks one
    prompt's versions newest first on (prompt_id, created_at) and stops at its first match,
    which is its newest. No prompt whose newest version is older than the `limit`-th match
    found so far can rank, so probing stops there: a common word is settled by about `limit`
    probes of one version each. Then the matches of just the prompts found are counted."""
    ids = func.json_each(bindparam("ids", type_=String)).table_valued("value")
    first = (select(type_coerce(Version.created_at, String).concat(" ").concat(Version.pk))
             .where(Version.prompt_id == ids.c.value, condition)
             .order_by(Version.created_at.desc(), Version.pk.desc()).limit(1).scalar_subquery())
    probe = select(ids.c.value, first).compile(dialect=session.get_bind().dialect)
    # Run on the driver's cursor: going through the session would cost more than a probe.
    cursor = raw_cursor(session)
    prompts = _prompts_newest_first(session)
    found: list[tuple[str, int, int]] = []  # created (ISO text), pk, prompt id: newest first
    size = 32
    try:
        while batch := list(itertools.islice(prompts, size)):
            if len(found) >= limit and batch[0][1] < found[limit - 1][0]:
                break  # every prompt left is older than the limit-th match
            values = probe.construct_params({"ids": json.dumps([pid for pid, _ in batch])})
            for prompt_id, hit in cursor.execute(probe.string,
                                                 [values[name] for name in probe.positiontup]):
                if hit is not None:
                    created, pk = hit.rsplit(" ", 1)
                    found.append((created, int(pk), prompt_id))
            found.sort(reverse=True)
            size = min(size * 2, 128)
    finally:
        prompts.close()
        cursor.close()
    del found[limit:]
    if not found:
        return []
    about = {pk: (vid, created) for pk, vid, created in session.execute(
        select(Version.pk, Version.version_id, Version.created_at)
        .where(Version.pk.in_([pk for _, pk, _ in found]))).tuples()}
    counts = {pid: n for pid, n in session.execute(
        select(Version.prompt_id, func.count()).where(
            Version.prompt_id.in_([pid for _, _, pid in found]), condition)
        .group_by(Version.prompt_id)).all()}
    return [(pid, pk, *about[pk], counts[pid]) for _, pk, pid in found]


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
