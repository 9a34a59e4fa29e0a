"""Search prompts by name, description, message text (any version) and version notes."""

from __future__ import annotations

import functools
import heapq
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from ..db import raw_cursor
from ..search_chars import distinct_chars
from ..models import Prompt, Version


@dataclass(frozen=True, slots=True)
class SearchHit:
    name: str
    field: str  # "name", "description", "text" (a message's text), "note" (a version's message)
    snippet: str
    version_id: str | None = None
    created_at: datetime | None = None
    in_current: bool = False  # the match is in the prompt's current version
    matching_versions: int = 0  # how many of its versions match (see more_versions)
    more_versions: bool = False  # at least that many: its oldest versions were not all tested


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
        .order_by(Prompt.name).limit(limit)  # each row is at least one hit
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
    rows = _streamed(session, _indexed(query, field), query, field, limit)
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
    for prompt_id, pk, vid, at, n, at_least in rows:
        value = values[pk]
        if field == "text":
            # Only the messages' texts are needed: plain JSON, not the whole PromptContent.
            value = next((m["content"] for m in json.loads(value).get("messages", ())
                          if _like_match(m["content"], query)), "")
        hits.append(SearchHit(names[prompt_id], field, _snippet(value, query), vid, at,
                              current.get(prompt_id) == pk, n, at_least))
    return hits


def _contains(query: str, field: str):
    """The exact test, SQLite's LIKE '%query%', on a version's note or on each of its message
    texts (see `_exact`), as a condition on `versions`."""
    sql, params = _exact(query, field)
    return text(sql).bindparams(**params)


def _exact(query: str, field: str) -> tuple[str, dict]:
    """The exact test as SQL on `versions` and its parameters: a LIKE on `version_texts`, with
    no JSON to parse. A query that holds the separator itself is tested message by message on
    the stored JSON instead."""
    q = _like(query)
    if field == "text" and SEPARATOR in query:
        # The escaped form of the query finds candidates in the JSON with LIKE, and json_each
        # then checks the match is inside a message's text, not a key or the model name.
        qj = _like(json.dumps(query, ensure_ascii=False)[1:-1])
        return ("versions.content LIKE :qj ESCAPE '\\' AND EXISTS (SELECT 1 FROM "
                "json_each(versions.content, '$.messages') AS m "
                "WHERE json_extract(m.value, '$.content') LIKE :q ESCAPE '\\')",
                {"q": q, "qj": qj})
    column = "texts" if field == "text" else "note"
    return (f"EXISTS (SELECT 1 FROM version_texts AS t WHERE t.pk = versions.pk "
            f"AND t.{column} LIKE :q ESCAPE '\\')"), {"q": q}


Source = tuple[str, str, dict]  # FROM (a table named `src`, rowid the version pk), WHERE, params


def _indexed(query: str, field: str) -> Source:
    """Where to read the versions whose `field` may contain `query`: a superset of the LIKE
    matches, which the caller still applies. A trigram index for a query of three characters or
    more (message text: `versions_fts`, 0008_search; notes: `versions_note_fts`,
    0011_search_notes), else each version's distinct characters (`_by_chars`)."""
    if len(query) < 3:
        return _by_chars(query, field)
    phrase = '"' + query.replace('"', '""') + '"'
    table, match = (("versions_fts", f"text : {phrase}") if field == "text"
                    else ("versions_note_fts", phrase))
    return f"{table} AS src", f"src.{table} MATCH :match", {"match": match}


def _by_chars(query: str, field: str) -> Source:
    """The versions that hold each of the query's characters in `field`, from
    `version_chars` (0013_search_chars); a row not worked out yet (NULL) may hold anything."""
    column = "texts" if field == "text" else "note"
    chars = distinct_chars(query)
    every = " AND ".join(f"instr(src.{column}, :c{i}) > 0" for i in range(len(chars)))
    return ("version_chars AS src", f"(src.{column} IS NULL OR ({every}))",
            {f"c{i}": c for i, c in enumerate(chars)})


# prompt id, version pk, version id, created, matching versions, and whether that is "at least"
Row = tuple[int, int, str, datetime, int, bool]


def _ranked(session: Session, condition, limit: int) -> list[Row]:
    """Per prompt, its newest version that meets `condition` and how many do, newest first:
    one query over every version. The plain definition that `_streamed` must agree with (the
    tests and benchmarks/search.py compare the two)."""
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
    return [(*r, False) for r in session.execute(
        select(ranked.c.prompt_id, ranked.c.pk, ranked.c.version_id, ranked.c.created_at,
               ranked.c.n)
        .where(ranked.c.rank == 1).order_by(ranked.c.created_at.desc(), ranked.c.pk.desc())
        .limit(limit))]


READ = 256  # index entries read between two checks whether the stream can stop (each entry
# costs 5-15 us to read and test, a check about as much as 100 of them)
BUDGET = 1_024  # entries read before the stream gives way to probing every prompt, if few
PROBED = 400  # live prompts up to which probing each one is the quicker way to finish
WALKED = 50  # versions of a prompt tested to count its matches beyond those read (a count of
# "at least" when it has more): 200 prompts of 10,000 versions each cost what 200 of 50 do


def _streamed(session: Session, source: Source, query: str, field: str,
              limit: int) -> list[Row]:
    """The same rows as `_ranked`, read from `source` newest version first, each with True
    when its count is "at least" (`_count`).

    The source (a trigram index, or the versions' characters) gives its candidates by version
    pk, highest first, without reading the rest, and each is checked with the exact test as it
    comes. Versions are saved in time order, so the stream is close to newest first; it can
    stop once `limit` prompts are found and no version it has not reached is newer than the
    `limit`-th of them (versions whose times are out of pk order, as an imported history's
    can be, just keep the stream going until that holds). A common word is then settled by a
    few thousand entries, a rare one by all of its few, and a query of one or two characters
    that no text holds by one pass over the narrow table of characters.

    A workspace of few prompts with long histories has fewer prompts than `limit`, so the
    stream would read every match of a common word (96,000 for 'refund' in 100 prompts of
    1,000 versions). After `BUDGET` entries it gives way to probing: each live prompt's
    versions walked newest first to the first match (`_probe`), when there are at most
    `PROBED` of them."""
    table, narrowed, found_by = source
    exact, params = _exact(query, field)
    skip = set(session.scalars(select(Prompt.id).where(Prompt.deleted_at.is_not(None))))
    cursor, check = raw_cursor(session), raw_cursor(session)
    best: dict[int, tuple[str, int]] = {}  # prompt id: (created, pk) of its newest match so far
    counts: dict[int, int] = {}  # prompt id: how many of its versions matched so far
    reached = None  # the lowest pk read from the stream
    read, probe = 0, None  # probe: None until asked whether the prompts are few
    try:
        cursor.execute(
            f"SELECT versions.prompt_id, versions.created_at, versions.pk FROM {table} "
            f"JOIN versions ON versions.pk = src.rowid WHERE {narrowed} AND {exact} "
            f"ORDER BY src.rowid DESC", {**found_by, **params})
        while rows := cursor.fetchmany(READ):
            reached = rows[-1][2]
            read += len(rows)
            for prompt_id, created, pk in rows:
                if prompt_id in skip:
                    continue
                counts[prompt_id] = counts.get(prompt_id, 0) + 1
                if (created, pk) > best.get(prompt_id, ("", 0)):
                    best[prompt_id] = (created, pk)
            if len(best) >= limit:
                newest = heapq.nlargest(limit, best.values())
                if check.execute(
                        "SELECT 1 FROM versions INDEXED BY ix_versions_created_prompt "
                        "WHERE created_at > ? AND pk < ? LIMIT 1",
                        (newest[-1][0], reached)).fetchone() is None:
                    break  # nothing left to read is newer than the limit-th prompt found
            elif read >= BUDGET and probe is None:  # asked once, only when it may matter
                probe = check.execute("SELECT count(*) <= ? FROM prompts WHERE deleted_at IS "
                                      "NULL", (PROBED,)).fetchone()[0] == 1
                if probe:
                    break
        else:
            reached = None  # read to the end: every count is complete
    finally:
        cursor.close()
        check.close()
    beyond: set[int] = set()
    if probe:  # every live prompt's newest match, and its matches counted from the start
        best = _probe(session, exact, params, set(session.scalars(
            select(Prompt.id).where(Prompt.deleted_at.is_(None)))))
        found = sorted(((c, pk, pid) for pid, (c, pk) in best.items()), reverse=True)[:limit]
        counts, beyond = _count(session, exact, params, [pid for *_, pid in found], {},
                                below=None)
    else:
        found = sorted(((c, pk, pid) for pid, (c, pk) in best.items()), reverse=True)[:limit]
        if reached is not None and found:  # the rest of these prompts' versions, tested
            counts, beyond = _count(session, exact, params, [pid for *_, pid in found], counts,
                                    below=reached)
    return [(*row, row[0] in beyond) for row in _rows(session, found, counts)]


def _probe(session: Session, exact: str, params: dict, prompt_ids: set[int]
           ) -> dict[int, tuple[str, int]]:
    """Each prompt's newest version that passes the exact test, (created, pk), by walking its
    versions newest first on (prompt_id, created_at): one step for a word most versions
    hold."""
    found: dict[int, tuple[str, int]] = {}
    for prompt_id, hit in session.execute(text(
            f"SELECT p.value, (SELECT versions.created_at || ' ' || versions.pk FROM versions "
            f"WHERE versions.prompt_id = p.value AND {exact} "
            f"ORDER BY versions.created_at DESC, versions.pk DESC LIMIT 1) "
            f"FROM json_each(:ids) AS p"), {"ids": json.dumps(sorted(prompt_ids)), **params}):
        if hit is not None:
            created, pk = hit.rsplit(" ", 1)
            found[prompt_id] = (created, int(pk))
    return found


def _count(session: Session, exact: str, params: dict, prompt_ids: list[int],
           counts: dict[int, int], *, below: int | None) -> tuple[dict[int, int], set[int]]:
    """`counts` plus, for each prompt, how many of its newest `WALKED` versions (below pk
    `below`, if given) pass the exact test; and the prompts with versions beyond those, not
    looked at (their count is "at least"). A prompt with 10,000 versions costs no more than
    one with 50."""
    bound = "" if below is None else "AND v.pk < :below "
    total, beyond = dict(counts), set()
    for prompt_id, n, more in session.execute(text(
            f"SELECT p.value, (SELECT count(*) FROM versions WHERE versions.pk IN ("
            f"SELECT v.pk FROM versions AS v WHERE v.prompt_id = p.value {bound}"
            f"ORDER BY v.created_at DESC, v.pk DESC LIMIT :walked) AND {exact}), "
            f"(SELECT count(*) > :walked FROM (SELECT 1 FROM versions AS v "
            f"WHERE v.prompt_id = p.value {bound}LIMIT :walked + 1)) "
            f"FROM json_each(:ids) AS p"),
            {"ids": json.dumps(prompt_ids), "below": below, "walked": WALKED, **params}):
        total[prompt_id] = total.get(prompt_id, 0) + n
        if more:
            beyond.add(prompt_id)
    return total, beyond


def _rows(session: Session, found: list[tuple[str, int, int]], counts: dict[int, int]
          ) -> list[tuple[int, int, str, datetime, int]]:
    """`found` (created, pk, prompt id), newest first, as rows with each version's id and time
    and its prompt's count of matching versions."""
    if not found:
        return []
    about = {pk: (vid, created) for pk, vid, created in session.execute(
        select(Version.pk, Version.version_id, Version.created_at)
        .where(Version.pk.in_([pk for _, pk, _ in found]))).tuples()}
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
