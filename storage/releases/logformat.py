"""The log record format: what the reader writes to a log sink and the workspace reads back.

A sink is a folder or an http(s) URL that accepts PUT, never inside the signed release tree.
It holds finished segments, each written whole and never changed again:

    <sink>/<project>/<YYYY-MM-DD>/<YYYYMMDDTHHMMSSffffffZ>-<writer>-<seq>.jsonl

`writer` is 16 hex digits drawn at random by each process (again after a fork), `seq` counts
that writer's segments, so two processes never pick the same name. A folder segment is written
to a dot-named temporary file and renamed; an HTTP segment is one PUT. A segment is UTF-8 JSON
Lines, split on "\\n" only (U+2028 may appear raw inside strings):

    {"kind":"segment","format":"promptpress-logs/1","project":..,"writer":..,"seq":..,"created":..}
    {"kind":"call","id":..,"time":..,"project":..,"channel":..,"release":..,"prompt":..,
     "version":..,"variables":{..},"output":..,"model":..,"latency_ms":..,"tokens":{..},
     "error":..,"metadata":{..}}
    {"kind":"feedback","id":..,"log":<call id>,"time":..,"project":..,"rating":..,"label":..,
     "comment":..,"corrected_output":..,"metadata":{..}}
    {"kind":"end","records":<lines between the first and this one>,"sha256":<of those bytes>}

Ids are `<writer>-<counter in hex>`; the workspace stores a record once per id however often
it is read. Times are UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`. Only the standard library here: the
reader writes with it and the app checks what it reads with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

FORMAT = "promptpress-logs/1"
FORMAT_PREFIX = "promptpress-logs/"
SUFFIX = ".jsonl"
MAX_LINE_BYTES = 1 << 20  # a record the writer would not write; the puller skips longer lines
MAX_SEGMENT_BYTES = 8 << 20  # the writer starts a new segment before this
MAX_SEGMENT_RECORDS = 20_000

SEGMENT_NAME = re.compile(r"^(\d{8}T\d{12}Z)-([0-9a-f]{16})-(\d{6,12})\.jsonl\Z")
DAY_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}\Z")  # as names.check_project
RECORD_ID = re.compile(r"^[0-9a-f]{16}-[0-9a-f]{1,16}\Z")
WRITER_ID = re.compile(r"^[0-9a-f]{16}\Z")
SHA256 = re.compile(r"^[0-9a-f]{64}\Z")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")

POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"
_WORDS = {
    POSITIVE: {"positive", "good", "up", "thumbs_up", "thumbs-up", "yes", "like", "+1", "👍"},
    NEGATIVE: {"negative", "bad", "down", "thumbs_down", "thumbs-down", "no", "dislike", "-1",
               "👎"},
    NEUTRAL: {"neutral", "0", "meh"},
}


class RecordError(ValueError):
    """A line that is not a valid record of this format (the message says which field)."""


def format_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """A record's time (as TIME matches) as an aware datetime; ValueError if no such date."""
    if not TIME.match(text):
        raise ValueError(f"not a log time: {text[:40]!r}")
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)


def segment_name(seconds: float, writer: str, seq: int) -> str:
    stamp = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{writer}-{seq:06d}{SUFFIX}"


def segment_path(project: str, seconds: float, name: str) -> str:
    """`<project>/<UTC day>/<name>`, relative to the sink, with forward slashes."""
    day = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d")
    return f"{project}/{day}/{name}"


def polarity(rating: Any) -> str | None:
    """positive / negative / neutral for a rating, or None when it says neither (a bare comment).

    True/False; a number whose sign decides (-1..1); or a word: positive, good, up, 👍 ...
    negative, bad, down, 👎 ... neutral."""
    if isinstance(rating, bool):
        return POSITIVE if rating else NEGATIVE
    if isinstance(rating, (int, float)):
        if isinstance(rating, float) and math.isnan(rating):
            return None
        return POSITIVE if rating > 0 else NEGATIVE if rating < 0 else NEUTRAL
    if isinstance(rating, str):
        word = rating.strip().lower()
        for kind, words in _WORDS.items():
            if word in words:
                return kind
    return None


# --- checking what a sink holds (the app's side) --------------------------------------------


def _text(obj: Mapping[str, Any], name: str, *, optional: bool = True,
          pattern: re.Pattern[str] | None = None) -> str | None:
    value = obj.get(name)
    if value is None:
        if optional:
            return None
        raise RecordError(f"the field {name!r} is missing")
    if not isinstance(value, str):
        raise RecordError(f"the field {name!r} must be text, found {type(value).__name__}")
    if pattern is not None and not pattern.match(value):
        raise RecordError(f"the field {name!r} is not valid: {value[:80]!r}")
    return value


def _object(obj: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, dict):
        raise RecordError(f"the field {name!r} must be an object, found {type(value).__name__}")
    return value


def _number(obj: Mapping[str, Any], name: str, *, integer: bool = False) -> float | int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
        raise RecordError(f"the field {name!r} must be a{'n integer' if integer else ' number'}")
    if not integer and not math.isfinite(value):
        raise RecordError(f"the field {name!r} must be a finite number")
    return value


def check_header(obj: Any) -> dict[str, Any]:
    """The first line of a segment; RecordError if it is not one of ours, or of a newer format."""
    if not isinstance(obj, dict) or obj.get("kind") != "segment":
        raise RecordError("the first line is not a Promptpress log segment header")
    fmt = _text(obj, "format", optional=False)
    if fmt != FORMAT:
        newer = fmt.startswith(FORMAT_PREFIX)  # type: ignore[union-attr]
        raise RecordError(f"the segment is in the format {fmt!r}"
                          + (", written by a newer promptpress-reader: update Promptpress"
                             if newer else ", not a Promptpress log"))
    _text(obj, "project", optional=False, pattern=PROJECT_NAME)
    _text(obj, "writer", optional=False, pattern=WRITER_ID)
    _number(obj, "seq", integer=True)
    return obj


_CALL_TEXT = ("channel", "output", "model", "error")
_FEEDBACK_TEXT = ("label", "comment", "corrected_output")


# Project names and version ids found valid: the same few are in every record of a segment.
_PROJECTS: set[str] = set()
_VERSIONS: set[str] = set()


def _valid(found: set[str], value: str) -> None:
    if len(found) >= 4096:
        found.clear()
    found.add(value)


def check_record(obj: Any) -> dict[str, Any]:
    """A call or feedback line, its fields checked; unknown fields are ignored (newer readers
    may add some). Returns the object (kind "call" or "feedback")."""
    if type(obj) is not dict:
        raise RecordError("the line is not a JSON object")
    get = obj.get
    kind = get("kind")
    if kind != "call" and kind != "feedback":
        raise RecordError(f"unknown record kind {str(kind)[:40]!r}")
    value = get("id")
    if type(value) is not str or not RECORD_ID.match(value):
        _text(obj, "id", optional=False, pattern=RECORD_ID)
    when = get("time")
    if type(when) is not str or not TIME.match(when):
        _text(obj, "time", optional=False, pattern=TIME)
    try:
        datetime.fromisoformat(when[:-1])
    except ValueError:
        raise RecordError(f"the field 'time' is not a date: {when!r}") from None
    value = get("project")
    if type(value) is not str or value not in _PROJECTS:
        _text(obj, "project", optional=False, pattern=PROJECT_NAME)
        _valid(_PROJECTS, value)
    metadata = get("metadata")
    if metadata is not None and type(metadata) is not dict:
        _object(obj, "metadata")
    if kind == "call":
        if type(get("prompt")) is not str:
            _text(obj, "prompt", optional=False)
        value = get("version")
        if type(value) is not str or value not in _VERSIONS:
            _text(obj, "version", optional=False, pattern=SHA256)
            _valid(_VERSIONS, value)
        for name in _CALL_TEXT:
            value = get(name)
            if value is not None and type(value) is not str:
                _text(obj, name)
        release = get("release")
        if release is not None and type(release) is not int:
            _number(obj, "release", integer=True)
        if type(get("variables", {})) is not dict:
            raise RecordError("the field 'variables' must be an object")
        latency = get("latency_ms")
        if latency is not None and (type(latency) not in (int, float) or
                                    not math.isfinite(latency)):
            _number(obj, "latency_ms")
        tokens = get("tokens")
        if tokens is not None:
            if type(tokens) is not dict:
                _object(obj, "tokens")
            for key, value in tokens.items():
                if type(value) is not int or value < 0:
                    raise RecordError(f"tokens.{key} must be a whole number of tokens")
    else:
        _text(obj, "log", optional=False, pattern=RECORD_ID)
        rating = get("rating")
        if rating is not None and (not isinstance(rating, (bool, int, float, str)) or
                                   (isinstance(rating, float) and not math.isfinite(rating))):
            raise RecordError("the field 'rating' must be a boolean, a number or a word")
        for name in _FEEDBACK_TEXT:
            value = get(name)
            if value is not None and type(value) is not str:
                _text(obj, name)
    return obj


def check_end(obj: Any) -> dict[str, Any] | None:
    """The trailer line, or None when `obj` is not one."""
    if not isinstance(obj, dict) or obj.get("kind") != "end":
        return None
    _number(obj, "records", integer=True)
    _text(obj, "sha256", optional=False, pattern=SHA256)
    return obj
