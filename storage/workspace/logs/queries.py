"""Reading logged calls: a filtered table, one call's detail, rates over time, comparisons.

Rows are plain dataclasses with previews cut in SQL, so a page of a 100,000-call table reads
only what it shows. Text search goes through FTS5 (log_calls_fts over variable values, output
and error; log_feedback_fts over feedback) with the user's words quoted, so no input is
ever read as FTS query syntax.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Prompt, Version

FEEDBACK_FILTERS = ("negative", "positive", "neutral", "any", "none", "corrected")
PREVIEW = 200  # characters of each variable value and of the output in a table row
_HEX = re.compile(r"^[0-9a-f]{1,64}\Z")


@dataclass(frozen=True)
class CallFilter:
    """Which calls: every field left None matches everything."""

    prompt: str | None = None
    project: str | None = None
    channel: str | None = None
    release: int | None = None
    version: str | None = None  # a version id or a prefix of one
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    feedback: str | None = None  # one of FEEDBACK_FILTERS
    errors: bool | None = None  # True: only failed calls; False: only successful ones
    text: str | None = None  # words to search for (all of them, each as a prefix)
    model: str | None = None
    pks: tuple[int, ...] | None = None  # only these calls (their rows), e.g. those an alert names

    def __post_init__(self) -> None:
        if self.feedback is not None and self.feedback not in FEEDBACK_FILTERS:
            raise ValueError(f"feedback filter {self.feedback!r}: use one of "
                             f"{', '.join(FEEDBACK_FILTERS)}")
        if self.version is not None and not _HEX.match(self.version):
            raise ValueError(f"{self.version!r} is not a version id (hex digits)")


@dataclass(frozen=True, slots=True)
class CallHeader:
    """Which call: its row, its log id and time, and the release, version and model it used."""

    pk: int
    log_id: str
    time: datetime
    project: str
    channel: str | None
    release: int | None
    prompt: str
    version_id: str
    model: str | None


@dataclass(frozen=True, slots=True)
class CallRow(CallHeader):
    """One line of the table of calls."""

    variables_preview: dict[str, str]  # each value cut to PREVIEW characters
    output_preview: str | None
    error_preview: str | None
    latency_ms: float | None
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    positive: int  # feedback counts
    negative: int
    feedback: int  # all feedback, rated or not
    corrected: bool  # some feedback gave a corrected output


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    feedback_id: str
    time: datetime
    rating: Any  # as logged: a boolean, number or word
    polarity: str | None
    label: str | None
    comment: str | None
    corrected_output: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class CallDetail(CallHeader):
    """Everything about one call, full text, byte-exact."""

    variables: dict[str, Any]
    output: str | None
    error: str | None
    latency_ms: float | None
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    tokens: dict[str, int]
    metadata: dict[str, Any]
    feedback: list[FeedbackRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RatePoint:
    """Calls of one release in one time bucket, with their errors and feedback."""

    release: int | None
    start: datetime
    calls: int
    errors: int
    rated: int  # calls with positive or negative feedback
    negative: int
    positive: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0

    @property
    def negative_rate(self) -> float | None:
        """Share of rated calls rated negative (None when none was rated)."""
        return self.negative / self.rated if self.rated else None


@dataclass(frozen=True, slots=True)
class TestCaseSource:
    """What a logged call gives a test case."""

    __test__ = False

    pk: int
    log_id: str
    prompt: str
    release: int | None
    version_id: str
    time: datetime
    variables: dict[str, Any]
    output: str | None
    corrected_output: str | None  # the latest corrected output given as feedback
    error: str | None


@dataclass(frozen=True, slots=True)
class ComparePair:
    variables: dict[str, Any]
    a: CallRow
    b: CallRow


@dataclass(frozen=True)
class Comparison:
    """Logged calls of two releases of a prompt with the same variables, side by side."""

    prompt: str
    release_a: int
    release_b: int
    pairs: list[ComparePair]
    calls_a: int  # calls of each release (matched or not)
    calls_b: int


@dataclass(frozen=True)
class LogFacets:
    """What there is to filter on."""

    prompts: list[tuple[str, int]]  # name, calls
    releases: list[int]
    versions: list[str]
    models: list[str]
    first: datetime | None
    last: datetime | None
    calls: int


def search_query(words: str) -> str | None:
    """An FTS5 query matching every word (as a prefix) of what the user typed, or None."""
    # Control characters separate words anyway, and a NUL would end the query string early.
    terms = [t for t in re.split(r"[\s\x00-\x1f\x7f]+", words) if t]
    if not terms:
        return None
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def _where(f: CallFilter, params: dict[str, Any]) -> str:
    clauses: list[str] = []

    def add(clause: str, **values: Any) -> None:
        clauses.append(clause)
        params.update(values)

    if f.prompt is not None:
        add("c.prompt = :prompt", prompt=f.prompt)
    if f.project is not None:
        add("c.project = :project", project=f.project)
    if f.channel is not None:
        add("c.channel = :channel", channel=f.channel)
    if f.release is not None:
        add("c.release = :release", release=f.release)
    if f.version is not None:
        add("c.version_id GLOB :version", version=f.version + "*")  # hex only: no wildcards
    if f.since is not None:
        add("c.time >= :since", since=_db_time(f.since))
    if f.until is not None:
        add("c.time < :until", until=_db_time(f.until))
    if f.model is not None:
        add("c.model = :model", model=f.model)
    if f.pks is not None:
        # ints only: safe inline, and no limit on how many
        clauses.append("c.pk IN (" + (", ".join(str(int(pk)) for pk in f.pks) or "NULL") + ")")
    if f.errors is True:
        clauses.append("c.error IS NOT NULL")
    elif f.errors is False:
        clauses.append("c.error IS NULL")
    if f.feedback is not None:
        exists = "EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id{})"
        clauses.append({
            "negative": exists.format(" AND f.polarity = 'negative'"),
            "positive": exists.format(" AND f.polarity = 'positive'"),
            "neutral": exists.format(" AND f.polarity = 'neutral'"),
            "any": exists.format(""),
            "none": "NOT " + exists.format(""),
            "corrected": exists.format(" AND f.corrected_output IS NOT NULL"),
        }[f.feedback])
    query = search_query(f.text or "")
    if query is not None:
        add("(c.pk IN (SELECT rowid FROM log_calls_fts WHERE log_calls_fts MATCH :q) OR "
            "c.log_id IN (SELECT f.log_id FROM log_feedback f WHERE f.pk IN "
            "(SELECT rowid FROM log_feedback_fts WHERE log_feedback_fts MATCH :q)))", q=query)
    return " AND ".join(clauses) or "1"


def _db_time(value: datetime) -> str:
    """As UTCDateTime stores it: naive UTC text that compares in order."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text_value = str(value)
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H", "%Y-%m-%d"):
        try:
            return datetime.strptime(text_value, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    raise ValueError(f"not a stored time: {text_value!r}")


_ROW_COLUMNS = f"""
    c.pk, c.log_id, c.time, c.project, c.channel, c.release, c.prompt, c.version_id, c.model,
    (SELECT json_group_object(v.key, substr(CASE WHEN v.type IN ('object', 'array')
            THEN json(v.value) ELSE CAST(v.value AS TEXT) END, 1, {PREVIEW}))
       FROM json_each(c.variables) v) AS vars,
    substr(c.output, 1, {PREVIEW}), substr(c.error, 1, {PREVIEW}), c.latency_ms, c.tokens_in,
    c.tokens_out, c.cost,
    (SELECT count(*) FROM log_feedback f WHERE f.log_id = c.log_id AND f.polarity = 'positive'),
    (SELECT count(*) FROM log_feedback f WHERE f.log_id = c.log_id AND f.polarity = 'negative'),
    (SELECT count(*) FROM log_feedback f WHERE f.log_id = c.log_id),
    EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id
            AND f.corrected_output IS NOT NULL)
"""


def _call_row(r: Any) -> CallRow:
    return CallRow(r[0], r[1], _time(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
                   json.loads(r[9]) if r[9] else {}, r[10], r[11], r[12], r[13], r[14], r[15],
                   r[16], r[17], r[18], bool(r[19]))


# A text search matching more calls than this walks the time index newest first and stops at
# the page, instead of fetching and sorting every match (common words: 260 ms -> 40 ms on 100k).
MANY_MATCHES = 2000


def _many_matches(session: Session, f: CallFilter) -> bool:
    query = search_query(f.text or "")
    if query is None:
        return False
    probe = ("SELECT count(*) FROM (SELECT 1 FROM {0} WHERE {0} MATCH :q LIMIT :n)")
    params = {"q": query, "n": MANY_MATCHES + 1}
    found = sum(session.execute(text(probe.format(table)), params).scalar_one()
                for table in ("log_calls_fts", "log_feedback_fts"))
    return found > MANY_MATCHES


def _time_index(f: CallFilter) -> str:
    """The index that yields the filtered calls already in time order."""
    if f.prompt is not None:
        return "ix_log_calls_prompt_time"
    if f.release is not None:
        return "ix_log_calls_release_time"
    return "ix_log_calls_time"


def list_calls(session: Session, f: CallFilter = CallFilter(), *, limit: int = 200,
               offset: int = 0, oldest_first: bool = False) -> list[CallRow]:
    """A page of the table of calls, newest first."""
    params: dict[str, Any] = {"limit": int(limit), "offset": int(offset)}
    order = "ASC" if oldest_first else "DESC"
    source = "log_calls c"
    if _many_matches(session, f):
        source += f" INDEXED BY {_time_index(f)}"
    rows = session.execute(text(
        f"SELECT {_ROW_COLUMNS} FROM {source} WHERE {_where(f, params)} "
        f"ORDER BY c.time {order}, c.pk {order} LIMIT :limit OFFSET :offset"), params)
    return [_call_row(r) for r in rows]


def count_calls(session: Session, f: CallFilter = CallFilter(), *,
                at_most: int | None = None) -> int:
    """How many calls match `f`; with `at_most`, counting stops there (a search for a common
    word then says "10,000 or more" at once instead of counting every match)."""
    params: dict[str, Any] = {}
    where = _where(f, params)
    if at_most is None:
        sql = f"SELECT count(*) FROM log_calls c WHERE {where}"
    else:
        params["at_most"] = int(at_most)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM log_calls c WHERE {where} LIMIT :at_most)"
    return session.execute(text(sql), params).scalar_one()


def time_span(session: Session, f: CallFilter = CallFilter()
              ) -> tuple[datetime | None, datetime | None]:
    """The first and last time of the calls matching `f` (None, None when there are none)."""
    params: dict[str, Any] = {}
    first, last = session.execute(text(
        f"SELECT min(c.time), max(c.time) FROM log_calls c WHERE {_where(f, params)}"),
        params).one()
    return (_time(first) if first else None, _time(last) if last else None)


def _feedback(session: Session, log_id: str) -> list[FeedbackRow]:
    rows = session.execute(text(
        "SELECT feedback_id, time, rating, polarity, label, comment, corrected_output, details "
        "FROM log_feedback WHERE log_id = :log ORDER BY time, pk"), {"log": log_id})
    return [FeedbackRow(r[0], _time(r[1]), None if r[2] is None else json.loads(r[2]), r[3],
                        r[4], r[5], r[6], json.loads(r[7] or "{}").get("metadata") or {})
            for r in rows]


def call_detail(session: Session, pk: int | None = None, *,
                log_id: str | None = None) -> CallDetail | None:
    """One call by its row (pk) or its log id, with all its feedback; None if there is none."""
    where, value = ("pk = :v", pk) if pk is not None else ("log_id = :v", log_id)
    r = session.execute(text(
        "SELECT pk, log_id, time, project, channel, release, prompt, version_id, model, "
        "variables, output, error, latency_ms, tokens_in, tokens_out, cost, details "
        f"FROM log_calls WHERE {where}"), {"v": value}).first()
    if r is None:
        return None
    details = json.loads(r[16] or "{}")
    return CallDetail(r[0], r[1], _time(r[2]), r[3], r[4], r[5], r[6], r[7], r[8],
                      json.loads(r[9] or "{}"), r[10], r[11], r[12], r[13], r[14], r[15],
                      details.get("tokens") or {}, details.get("metadata") or {},
                      _feedback(session, r[1]))


def rate_series(session: Session, f: CallFilter = CallFilter(), *,
                bucket: str = "day") -> list[RatePoint]:
    """Calls, errors and feedback per release per hour or day (UTC), oldest first."""
    formats = {"hour": "%Y-%m-%d %H", "day": "%Y-%m-%d"}
    if bucket not in formats:
        raise ValueError(f"bucket {bucket!r}: use hour or day")
    params: dict[str, Any] = {"fmt": formats[bucket]}
    has = "EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id AND f.polarity {})"
    rated = has.format("IN ('positive', 'negative')")
    negative, positive = has.format("= 'negative'"), has.format("= 'positive'")
    rows = session.execute(text(
        f"SELECT c.release, strftime(:fmt, c.time) AS b, count(*), sum(c.error IS NOT NULL), "
        f"sum({rated}), sum({negative}), sum({positive}) "
        f"FROM log_calls c WHERE {_where(f, params)} GROUP BY c.release, b "
        "ORDER BY b, c.release"), params)
    return [RatePoint(r[0], _time(r[1]), r[2], r[3] or 0, r[4] or 0, r[5] or 0, r[6] or 0)
            for r in rows]


def calls_for_testset(session: Session, f: CallFilter = CallFilter(), *,
                      pks: list[int] | None = None, limit: int | None = None
                      ) -> list[TestCaseSource]:
    """The calls to turn into test cases: those with `pks` (in that order), or those matching
    `f` (newest first, at most `limit`)."""
    params: dict[str, Any] = {}
    if pks is not None:
        if not pks:
            return []
        where = "c.pk IN (" + ", ".join(str(int(pk)) for pk in pks) + ")"
    else:
        where = _where(f, params)
    tail = "" if limit is None else f" LIMIT {int(limit)}"
    rows = session.execute(text(
        "SELECT c.pk, c.log_id, c.prompt, c.release, c.version_id, c.time, c.variables, "
        "c.output, (SELECT f.corrected_output FROM log_feedback f WHERE f.log_id = c.log_id "
        "AND f.corrected_output IS NOT NULL ORDER BY f.time DESC, f.pk DESC LIMIT 1), c.error "
        f"FROM log_calls c WHERE {where} ORDER BY c.time DESC, c.pk DESC{tail}"), params)
    found = {r[0]: TestCaseSource(r[0], r[1], r[2], r[3], r[4], _time(r[5]), json.loads(r[6]),
                                  r[7], r[8], r[9]) for r in rows}
    if pks is None:
        return list(found.values())
    return [found[pk] for pk in pks if pk in found]


def compare_releases(session: Session, prompt: str, release_a: int, release_b: int, *,
                     limit: int = 200) -> Comparison:
    """Calls of two releases of `prompt` that had the same variables (the newest call of each
    release for each set of values), newest first."""
    params = {"p": prompt, "a": release_a, "b": release_b, "limit": int(limit)}
    pairs_sql = text(
        "SELECT max(a.pk), max(b.pk) FROM log_calls a JOIN log_calls b "
        "ON b.prompt = a.prompt AND b.variables_hash = a.variables_hash AND b.release = :b "
        "WHERE a.prompt = :p AND a.release = :a GROUP BY a.variables_hash "
        "ORDER BY max(a.time) DESC LIMIT :limit")
    pairs = session.execute(pairs_sql, params).all()
    wanted = [pk for pair in pairs for pk in pair]
    rows: dict[int, CallRow] = {}
    variables: dict[int, dict[str, Any]] = {}
    if wanted:
        ids = ", ".join(str(int(pk)) for pk in wanted)
        for r in session.execute(text(f"SELECT {_ROW_COLUMNS}, c.variables FROM log_calls c "
                                      f"WHERE c.pk IN ({ids})")):
            rows[r[0]] = _call_row(r)
            variables[r[0]] = json.loads(r[20])
    counts = dict(session.execute(text(
        "SELECT release, count(*) FROM log_calls WHERE prompt = :p AND release IN (:a, :b) "
        "GROUP BY release"), params).all())
    return Comparison(prompt, release_a, release_b,
                      [ComparePair(variables[a], rows[a], rows[b]) for a, b in pairs],
                      counts.get(release_a, 0), counts.get(release_b, 0))


def facets(session: Session, prompt: str | None = None) -> LogFacets:
    """The prompts, releases, versions and models the logs mention (of one prompt, if given)."""
    params: dict[str, Any] = {"p": prompt}
    where = "WHERE prompt = :p" if prompt is not None else ""
    prompts = [(p, n) for p, n in session.execute(text(
        "SELECT prompt, count(*) FROM log_calls GROUP BY prompt ORDER BY prompt"))]
    releases = [r for (r,) in session.execute(text(
        f"SELECT DISTINCT release FROM log_calls {where} ORDER BY release"), params)
        if r is not None]
    versions = [v for (v,) in session.execute(text(
        f"SELECT version_id FROM log_calls {where} GROUP BY version_id ORDER BY max(time) DESC"),
        params)]
    models = [m for (m,) in session.execute(text(
        f"SELECT DISTINCT model FROM log_calls {where} ORDER BY model"), params) if m]
    first, last, calls = session.execute(text(
        f"SELECT min(time), max(time), count(*) FROM log_calls {where}"), params).one()
    return LogFacets(prompts, releases, versions, models,
                     _time(first) if first else None, _time(last) if last else None, calls)


def version_with_id(session: Session, version_id: str) -> Version | None:
    """A saved version with this id (content hash), preferring one of a prompt not deleted."""
    return session.scalar(
        select(Version).join(Prompt, Prompt.id == Version.prompt_id)
        .where(Version.version_id == version_id)
        .order_by(Prompt.deleted_at.is_not(None), Version.pk.desc()).limit(1))
