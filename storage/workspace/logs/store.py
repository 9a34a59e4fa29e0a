"""Storing what a pull read: one segment's records and its bookkeeping row, in one transaction.

A record is stored once per id (`INSERT OR IGNORE` on the unique log and feedback ids), so
reading a segment again, or the same record in two segments, changes nothing. A segment's row
says what became of it: "done" and "foreign" and "damaged" are never read again; "partial"
(no end line yet, e.g. still syncing) is read again when its size changes.
"""

from __future__ import annotations

import hashlib
from hashlib import sha256
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from operator import itemgetter

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage.releases.logformat import polarity

from ..models import LogSegment, utcnow

MAX_STORED_PROBLEMS = 20
FINAL = ("done", "foreign", "damaged")  # statuses never read again


@dataclass(frozen=True, slots=True)
class SegmentState:
    status: str
    size: int


@dataclass(frozen=True, slots=True)
class Stored:
    calls: int  # new calls stored
    feedback: int  # new feedback stored
    duplicates: int  # records that were stored already


CALL_COLUMNS = ("log_id", "project", "channel", "release", "prompt", "version_id", "time",
                "model", "variables", "variables_hash", "output", "error", "latency_ms",
                "tokens_in", "tokens_out", "cost", "details")
FEEDBACK_COLUMNS = ("feedback_id", "log_id", "project", "time", "rating", "polarity", "label",
                    "comment", "corrected_output", "details")


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _make_dumps() -> Callable[[Any], str]:
    """`_CANONICAL.encode`, without building its C encoder again for every value (half the
    cost of encoding a record's variables). The very encoder `encode` builds, with the same
    arguments, so the text is the same byte for byte (tests/storage/test_logs_store.py)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return _CANONICAL.encode
    c = _CANONICAL
    encoder = make(None, c.default, json.encoder.encode_basestring, None, c.key_separator,
                   c.item_separator, c.sort_keys, c.skipkeys, c.allow_nan)
    join, encode = "".join, _CANONICAL.encode

    def dumps(value: Any) -> str:
        if type(value) is dict:  # what is stored: objects (and lists, ratings) go the long way
            return join(encoder(value, 0))
        return encode(value)

    return dumps


_dumps = _make_dumps()
_INPUT = ("input", "prompt_tokens", "input_tokens", "prompt")
_OUTPUT = ("output", "completion_tokens", "output_tokens", "completion")


def _json(value: Any) -> str:
    return _dumps(value)


def variables_text(variables: Mapping[str, Any]) -> str:
    """The variables as stored: canonical JSON (sorted keys, text not escaped)."""
    return _dumps(dict(variables))


def variables_hash(variables: Mapping[str, Any]) -> str:
    """sha256 of the variables in canonical JSON: equal values, equal hash (to match calls)."""
    return _hash(variables_text(variables))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _tokens(tokens: Mapping[str, int] | None) -> tuple[int | None, int | None]:
    if not tokens:
        return None, None
    found_in = found_out = None
    for name in _INPUT:
        if name in tokens:
            found_in = tokens[name]
            break
    for name in _OUTPUT:
        if name in tokens:
            found_out = tokens[name]
            break
    return found_in, found_out


def db_time(record_time: str) -> str:
    """A checked record's time as UTCDateTime stores it: "YYYY-MM-DD HH:MM:SS.ffffff", UTC."""
    return f"{record_time[:10]} {record_time[11:26]}"


def call_row(record: Mapping[str, Any], *, cost: float | None = None) -> dict[str, Any]:
    """The log_calls row for a checked call record (storage.releases.logformat.check_record),
    its values as SQLite stores them."""
    get = record.get
    variables = get("variables")
    variables = _dumps(variables if type(variables) is dict else dict(variables or {}))
    tokens, metadata = get("tokens"), get("metadata")
    if tokens is None:
        tokens_in = tokens_out = None
        details = "{}" if metadata is None else _dumps({"metadata": metadata})
    else:
        tokens_in, tokens_out = _tokens(tokens)
        details = _dumps({"tokens": tokens} if metadata is None else
                         {"tokens": tokens, "metadata": metadata})
    when = record["time"]
    return {
        "log_id": record["id"], "project": record["project"], "channel": get("channel"),
        "release": get("release"), "prompt": record["prompt"],
        "version_id": record["version"], "time": f"{when[:10]} {when[11:26]}",
        "model": get("model"),
        "variables": variables,
        "variables_hash": sha256(variables.encode("utf-8", "surrogatepass")).hexdigest(),
        "output": get("output"),
        "error": get("error"), "latency_ms": get("latency_ms"),
        "tokens_in": tokens_in, "tokens_out": tokens_out, "cost": cost,
        "details": details,
    }


def feedback_row(record: Mapping[str, Any]) -> dict[str, Any]:
    rating = record.get("rating")
    return {
        "feedback_id": record["id"], "log_id": record["log"], "project": record["project"],
        "time": db_time(record["time"]),
        "rating": None if rating is None else _json(rating), "polarity": polarity(rating),
        "label": record.get("label"), "comment": record.get("comment"),
        "corrected_output": record.get("corrected_output"),
        "details": _json({"metadata": record["metadata"]} if record.get("metadata") else {}),
    }


def known_segments(session: Session, source: str) -> dict[str, SegmentState]:
    """Every segment of `source` read before, by path."""
    rows = session.execute(select(LogSegment.path, LogSegment.status, LogSegment.size)
                           .where(LogSegment.source == source))
    return {path: SegmentState(status, size) for path, status, size in rows}


def store_segment(session: Session, *, source: str, path: str, status: str, size: int,
                  calls: Sequence[Mapping[str, Any]] = (),
                  feedback: Sequence[Mapping[str, Any]] = (),
                  problems: Sequence[str] = ()) -> Stored:
    """Record what became of one segment and store its rows (call_row / feedback_row output),
    in the caller's transaction."""
    segment = session.scalar(select(LogSegment).where(LogSegment.source == source,
                                                      LogSegment.path == path))
    if segment is None:
        segment = LogSegment(source=source, path=path, status=status, size=size)
        session.add(segment)
    segment.status, segment.size = status, size
    segment.records = len(calls) + len(feedback)
    segment.problems = _json(list(problems)[:MAX_STORED_PROBLEMS])
    segment.pulled_at = utcnow()
    session.flush()
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    added_calls = _insert(session, "log_calls", CALL_COLUMNS, calls, segment.id, now)
    added_feedback = _insert(session, "log_feedback", FEEDBACK_COLUMNS, feedback, segment.id,
                             now)
    return Stored(added_calls, added_feedback,
                  len(calls) + len(feedback) - added_calls - added_feedback)


def _insert(session: Session, table: str, columns: tuple[str, ...],
            rows: Sequence[Mapping[str, Any]], segment_id: int, now: str) -> int:
    """Insert the rows not stored yet; how many were new. The rows go to a temporary table
    first and then over in one INSERT ... SELECT: the search index's triggers then run inside
    one statement, where FTS5 buffers them, instead of flushing at each row's statement
    (five times slower)."""
    if not rows:
        return 0
    connection = session.connection()
    names = ", ".join((*columns, "segment_id", "imported_at"))
    incoming = f"temp.incoming_{table}"
    connection.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS incoming_{table} AS "
                               f"SELECT {names} FROM {table} WHERE 0")
    connection.exec_driver_sql(f"DELETE FROM {incoming}")
    values = itemgetter(*columns)
    connection.exec_driver_sql(
        f"INSERT INTO {incoming} ({names}) VALUES ({', '.join('?' * (len(columns) + 2))})",
        [(*values(row), segment_id, now) for row in rows])
    added = connection.exec_driver_sql(f"INSERT OR IGNORE INTO {table} ({names}) "
                                       f"SELECT {names} FROM {incoming} ORDER BY rowid").rowcount
    connection.exec_driver_sql(f"DELETE FROM {incoming}")
    return max(added, 0)


def integrity_check(session: Session) -> None:
    """Raise if a search index no longer matches its table (used by tests and `doctor`)."""
    for table in ("log_calls_fts", "log_feedback_fts"):
        session.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))
