"""Storing what a pull read: one segment's records and its bookkeeping row, in one transaction.

A record is stored once per id (`INSERT OR IGNORE` on the unique log and feedback ids), so
reading a segment again, or the same record in two segments, changes nothing. A segment's row
says what became of it: "done" and "foreign" and "damaged" are never read again; "partial"
(no end line yet, e.g. still syncing) is read again when its size changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from storage.releases.logformat import parse_time, polarity

from ..models import LogCall, LogFeedback, LogSegment, utcnow

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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def variables_hash(variables: Mapping[str, Any]) -> str:
    """sha256 of the variables in canonical JSON: equal values, equal hash (to match calls)."""
    return hashlib.sha256(_json(dict(variables)).encode("utf-8", "surrogatepass")).hexdigest()


def _tokens(tokens: Mapping[str, int] | None) -> tuple[int | None, int | None]:
    if not tokens:
        return None, None
    first = lambda *names: next((tokens[n] for n in names if n in tokens), None)  # noqa: E731
    return (first("input", "prompt_tokens", "input_tokens", "prompt"),
            first("output", "completion_tokens", "output_tokens", "completion"))


def call_row(record: Mapping[str, Any], *, cost: float | None = None) -> dict[str, Any]:
    """The log_calls row for a checked call record (storage.releases.logformat.check_record)."""
    variables = record.get("variables") or {}
    tokens_in, tokens_out = _tokens(record.get("tokens"))
    details = {k: record[k] for k in ("tokens", "metadata") if record.get(k) is not None}
    return {
        "log_id": record["id"], "project": record["project"], "channel": record.get("channel"),
        "release": record.get("release"), "prompt": record["prompt"],
        "version_id": record["version"], "time": parse_time(record["time"]),
        "model": record.get("model"),
        "variables": json.dumps(variables, ensure_ascii=False, separators=(",", ":")),
        "variables_hash": variables_hash(variables), "output": record.get("output"),
        "error": record.get("error"), "latency_ms": record.get("latency_ms"),
        "tokens_in": tokens_in, "tokens_out": tokens_out, "cost": cost,
        "details": _json(details),
    }


def feedback_row(record: Mapping[str, Any]) -> dict[str, Any]:
    rating = record.get("rating")
    return {
        "feedback_id": record["id"], "log_id": record["log"], "project": record["project"],
        "time": parse_time(record["time"]),
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
    now = utcnow()
    added_calls = _insert(session, LogCall, calls, segment.id, now)
    added_feedback = _insert(session, LogFeedback, feedback, segment.id, now)
    return Stored(added_calls, added_feedback,
                  len(calls) + len(feedback) - added_calls - added_feedback)


def _insert(session: Session, model: type, rows: Sequence[Mapping[str, Any]], segment_id: int,
            now: Any) -> int:
    if not rows:
        return 0
    values = [{**row, "segment_id": segment_id, "imported_at": now} for row in rows]
    # Core, not the ORM's bulk insert: executemany, and rowcount counts the rows not ignored.
    result = session.connection().execute(insert(model.__table__).prefix_with("OR IGNORE"),
                                          values)
    return max(result.rowcount, 0)


def integrity_check(session: Session) -> None:
    """Raise if a search index no longer matches its table (used by tests and `doctor`)."""
    for table in ("log_calls_fts", "log_feedback_fts"):
        session.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))
