"""The reader's call log: `Reader.log()` and `Reader.feedback()` write here, off the hot path.

The calling thread only appends a tuple to a bounded deque (no lock, no I/O, no encoding) and
gets the record's id back. One daemon thread drains the deque, applies `redact`, encodes each
record as one JSON line, and finishes a segment every `flush_interval` seconds (or sooner when
it is full): a folder segment is written to a dot-named temporary file and renamed, an HTTP
segment is PUT whole (the release targets do both). A process killed with -9 thus loses what
it had not finished yet and never leaves a half-written segment under a segment's name.

Nothing here raises into the application: a full queue, a failing `redact`, a value JSON cannot
encode, a sink that is down are counted in `stats()` (and a segment that could not be written is
tried again, with a pause that grows, while it fits in `max_pending_bytes`). At exit (atexit, and
when the Reader is closed or collected) what is queued is written, for at most `exit_timeout`.
After a fork the child starts afresh: new writer id, empty queue, its own thread.
"""

from __future__ import annotations

import atexit
import collections
import hashlib
import itertools
import json
import logging
import math
import os
import random
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import logformat

log = logging.getLogger("promptpress_reader")

Redact = Callable[[dict[str, Any]], "dict[str, Any] | None"]

CALL, FEEDBACK = 0, 1
POLL_SECONDS = 0.05  # how often the writer looks at the queue


@dataclass(frozen=True, slots=True)
class LogStats:
    """What the call log did so far in this process (a snapshot)."""

    enabled: bool = False
    logged: int = 0  # calls and feedback accepted by log() / feedback()
    written: int = 0  # records in segments that are finished and written
    dropped: int = 0  # refused because the queue was full
    sampled_out: int = 0  # calls not logged because of sample_rate
    skipped: int = 0  # redact returned None
    rejected: int = 0  # redact raised, a value could not be encoded, or a record was too big
    failed: int = 0  # records in segments that could not be written (sink down too long)
    pending: int = 0  # accepted, not yet written
    segments: int = 0  # segments written
    last_error: str | None = None  # the most recent problem, if there was one


class _Segment:
    __slots__ = ("lines", "size", "started", "created")

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.size = 0
        self.started = time.monotonic()
        self.created = time.time()


class LogWriter:
    """A sink (folder or http(s) URL) and the thread that writes to it. See the module docs."""

    def __init__(self, location: str, *, project: str, channel: str,
                 redact: Redact | None = None, sample_rate: float = 1.0,
                 max_queue: int = 10_000, flush_interval: float = 1.0,
                 max_pending_bytes: int = 32 << 20, exit_timeout: float = 5.0,
                 timeout: float = 10.0, durable: bool = True) -> None:
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float)) or \
                not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be between 0 and 1, not {sample_rate!r}")
        if redact is not None and not callable(redact):
            raise ValueError("redact must be a function taking a record and returning it")
        if not (isinstance(max_queue, int) and max_queue > 0):
            raise ValueError(f"the log queue size must be a positive number, not {max_queue!r}")
        if not (isinstance(flush_interval, (int, float)) and flush_interval > 0):
            raise ValueError(f"the log flush interval must be positive, not {flush_interval!r}")
        self.location = location
        self.project, self.channel = project, channel
        self.redact = redact
        self.sample_rate = float(sample_rate)
        self.max_queue = max_queue
        self.flush_interval = float(flush_interval)
        self.max_pending_bytes = max_pending_bytes
        self.exit_timeout = exit_timeout
        self._timeout, self._durable = timeout, durable
        self._target: Any = None  # opened on the writer thread (HTTP imports httpx)
        self._closed = False
        self._fresh()
        _WRITERS.add(self)

    def _fresh(self) -> None:
        """State of a new process: also what a forked child starts with."""
        self.writer_id = secrets.token_hex(8)
        self._prefix = self.writer_id + "-"
        self._ids = itertools.count(1)
        self._queue: collections.deque[tuple[Any, ...]] = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._idle = threading.Condition(threading.Lock())
        self._stop = False
        self._flush_requested = False
        self._thread: threading.Thread | None = None
        self._segment: _Segment | None = None
        self._unsent: collections.deque[tuple[str, bytes, int]] = collections.deque()
        self._unsent_bytes = 0
        self._retry_at = 0.0
        self._backoff = 1.0
        self._seq = 0
        self._taken = 0  # records taken off the queue by the writer thread
        self._busy = False
        self._counts = dict.fromkeys(("written", "dropped", "sampled_out", "skipped", "rejected",
                                      "failed", "segments"), 0)
        self._last_error: str | None = None
        self._warned: set[str] = set()

    # --- the calling thread -------------------------------------------------------------------

    def call(self, prompt: tuple[str, str, int | None], variables: Any, output: Any, model: Any,
             latency_ms: Any, tokens: Any, error: Any, metadata: Any) -> str | None:
        """Queue one call of `prompt` (name, version id, release); its id, or None when it is
        not logged (sampled out, queue full)."""
        if self._thread is None:
            self._start()
        if self.sample_rate < 1.0 and random.random() >= self.sample_rate:
            self._count("sampled_out")
            return None
        queue = self._queue
        if len(queue) >= self.max_queue:
            self._count("dropped")
            return None
        log_id = self._prefix + format(next(self._ids), "x")
        queue.append((CALL, log_id, time.time(), prompt, variables, output, model, latency_ms,
                      tokens, error, metadata))
        return log_id

    def feedback(self, log_id: str, rating: Any, label: Any, comment: Any,
                 corrected_output: Any, metadata: Any) -> str | None:
        if self._thread is None:
            self._start()
        queue = self._queue
        if len(queue) >= self.max_queue:
            self._count("dropped")
            return None
        feedback_id = self._prefix + format(next(self._ids), "x")
        queue.append((FEEDBACK, feedback_id, time.time(), log_id, rating, label, comment,
                      corrected_output, metadata))
        return feedback_id

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def stats(self) -> LogStats:
        with self._lock:
            counts = dict(self._counts)
            taken, error = self._taken, self._last_error
        queued = len(self._queue)
        done = (counts["written"] + counts["skipped"] + counts["rejected"] + counts["failed"])
        return LogStats(True, taken + queued, counts["written"], counts["dropped"],
                        counts["sampled_out"], counts["skipped"], counts["rejected"],
                        counts["failed"], max(0, taken + queued - done), counts["segments"],
                        error)

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything queued so far; True when it is all written (or given up on)."""
        if self._thread is None or not self._thread.is_alive():
            return not self._queue and not self._unsent and self._segment is None
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            self._flush_requested = True
            self._wake.set()
            while self._queue or self._segment is not None or self._unsent or self._busy:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(0.05 if remaining is None else min(0.05, remaining))
                self._flush_requested = True
                self._wake.set()
        return True

    def close(self, timeout: float | None = None) -> None:
        """Write what is queued (for at most `timeout`, default `exit_timeout`) and stop."""
        if self._closed:
            return
        self._closed = True
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._stop = True
            self._wake.set()
            thread.join(self.exit_timeout if timeout is None else timeout)
            if thread.is_alive():
                lost = len(self._queue)
                log.warning("promptpress_reader: %d logged call(s) were not written to %s "
                            "before the process ended", lost + self._segment_records(),
                            self.location)
        _WRITERS.discard(self)

    def _segment_records(self) -> int:
        segment = self._segment
        return len(segment.lines) if segment is not None else 0

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._run, name="promptpress-log-writer",
                                            daemon=True)
            self._thread.start()

    # --- the writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
            self._busy = True
            try:
                stopping = self._stop
                flushing = stopping or self._flush_requested
                self._flush_requested = False
                self._drain()
                segment = self._segment
                if segment is not None and (flushing or time.monotonic() - segment.started >=
                                            self.flush_interval):
                    self._finish()
                self._send(final=stopping)
            except Exception as exc:  # a bug here must not stop logging for good
                self._error(f"the log writer failed: {type(exc).__name__}: {exc}", "bug")
            finally:
                self._busy = False
                with self._idle:
                    self._idle.notify_all()
            if stopping and not self._queue:
                self._close_target()
                return

    def _drain(self) -> None:
        queue, encode = self._queue, self._encode
        taken = 0
        try:
            while True:
                item = queue.popleft()
                taken += 1
                line = encode(item)
                if line is None:
                    continue
                segment = self._segment
                if segment is None:
                    segment = self._segment = _Segment()
                segment.lines.append(line)
                segment.size += len(line)
                if (segment.size >= logformat.MAX_SEGMENT_BYTES or
                        len(segment.lines) >= logformat.MAX_SEGMENT_RECORDS):
                    self._finish()
                    self._send(final=False)  # a long backlog must not pile up in memory
                if taken % 256 == 0:
                    with self._lock:
                        self._taken += taken
                    taken = 0
                    time.sleep(0)  # let the application's threads at the GIL
        except IndexError:
            pass
        finally:
            with self._lock:
                self._taken += taken

    def _encode(self, item: tuple[Any, ...]) -> bytes | None:
        try:
            record = self._record(item)
        except Exception as exc:
            self._count("rejected")
            self._error(f"a logged call could not be read: {type(exc).__name__}: {exc}",
                        "record")
            return None
        if self.redact is not None:
            try:
                record = self.redact(record)
            except Exception as exc:
                self._count("rejected")
                self._error(f"redact raised {type(exc).__name__}: {exc}; the record was not "
                            "written", "redact")
                return None
            if record is None:
                self._count("skipped")
                return None
        try:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False, default=_jsonable)
        except (TypeError, ValueError) as exc:
            self._count("rejected")
            self._error(f"a logged record could not be encoded as JSON: {exc}", "encode")
            return None
        data = line.encode("utf-8", "replace") + b"\n"  # lone surrogates become '?'
        if len(data) > logformat.MAX_LINE_BYTES:
            self._count("rejected")
            self._error(f"a logged record of {len(data)} bytes is over the "
                        f"{logformat.MAX_LINE_BYTES}-byte limit; it was not written", "size")
            return None
        return data

    def _record(self, item: tuple[Any, ...]) -> dict[str, Any]:
        if item[0] == CALL:
            _, log_id, when, prompt, variables, output, model, latency, tokens, error, meta = item
            return {
                "kind": "call", "id": log_id, "time": logformat.format_time(when),
                "project": self.project, "channel": self.channel,
                "release": prompt[2], "prompt": prompt[0], "version": prompt[1],
                "variables": {} if variables is None else {str(k): v for k, v in
                                                           variables.items()},
                "output": _text(output), "model": None if model is None else str(model),
                "latency_ms": _latency(latency), "tokens": _tokens(tokens),
                "error": _error(error), "metadata": _metadata(meta),
            }
        _, feedback_id, when, log_id, rating, label, comment, corrected, meta = item
        return {
            "kind": "feedback", "id": feedback_id, "log": str(log_id),
            "time": logformat.format_time(when), "project": self.project,
            "rating": _rating(rating), "label": None if label is None else str(label),
            "comment": None if comment is None else str(comment),
            "corrected_output": _text(corrected), "metadata": _metadata(meta),
        }

    def _finish(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None or not segment.lines:
            return
        self._seq += 1
        header = json.dumps({"kind": "segment", "format": logformat.FORMAT,
                             "project": self.project, "writer": self.writer_id,
                             "seq": self._seq, "created": logformat.format_time(segment.created)},
                            separators=(",", ":")).encode() + b"\n"
        body = b"".join(segment.lines)
        digest = hashlib.sha256(body).hexdigest()
        end = json.dumps({"kind": "end", "records": len(segment.lines), "sha256": digest},
                         separators=(",", ":")).encode() + b"\n"
        name = logformat.segment_name(segment.created, self.writer_id, self._seq)
        path = logformat.segment_path(self.project, segment.created, name)
        data = header + body + end
        self._unsent.append((path, data, len(segment.lines)))
        self._unsent_bytes += len(data)
        while self._unsent_bytes > self.max_pending_bytes and len(self._unsent) > 1:
            _, old, records = self._unsent.popleft()
            self._unsent_bytes -= len(old)
            self._count("failed", records)
            self._error(f"{records} logged records were lost: {self.location} could not be "
                        "written for too long", "lost")

    def _send(self, *, final: bool) -> None:
        if not self._unsent or (not final and time.monotonic() < self._retry_at):
            return
        while self._unsent:
            path, data, records = self._unsent[0]
            try:
                self._open_target().write(path, data)
            except Exception as exc:
                self._error(f"cannot write the call log to {self.location}: {exc}", "write")
                if final:  # no more tries: the process is ending
                    for _, _, lost in self._unsent:
                        self._count("failed", lost)
                    self._unsent.clear()
                    self._unsent_bytes = 0
                    return
                self._retry_at = time.monotonic() + self._backoff
                self._backoff = min(self._backoff * 2, 60.0)
                return
            self._unsent.popleft()
            self._unsent_bytes -= len(data)
            self._backoff = 1.0
            with self._lock:
                self._counts["written"] += records
                self._counts["segments"] += 1

    def _open_target(self) -> Any:
        if self._target is None:
            from .targets import open_target

            options: dict[str, Any] = ({"timeout": self._timeout}
                                       if self.location.startswith(("http://", "https://"))
                                       else {"durable": self._durable})
            self._target = open_target(self.location, **options)
        return self._target

    def _close_target(self) -> None:
        target, self._target = self._target, None
        if target is not None:
            try:
                target.close()
            except Exception:
                pass

    def _error(self, message: str, kind: str) -> None:
        with self._lock:
            self._last_error = message
        if kind not in self._warned:  # once per kind: a broken sink must not flood the log
            self._warned.add(kind)
            log.warning("promptpress_reader: %s", message)

    def _after_fork(self) -> None:
        self._fresh()
        self._target = None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=_jsonable)
    except (TypeError, ValueError):
        return str(value)


def _latency(value: Any) -> float | int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def _tokens(value: Any) -> dict[str, int] | None:
    """An int (total), a mapping, or an object with OpenAI/Anthropic-style usage attributes."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return {"total": value} if value >= 0 else None
    if not isinstance(value, Mapping):
        value = {name: getattr(value, name) for name in
                 ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens",
                  "output_tokens") if isinstance(getattr(value, name, None), int)}
    return {str(k): v for k, v in value.items()
            if isinstance(v, int) and not isinstance(v, bool) and v >= 0} or None


def _error(value: Any) -> str | None:
    if value is None or value is False:
        return None
    if isinstance(value, BaseException):
        text = str(value)
        return f"{type(value).__name__}: {text}" if text else type(value).__name__
    return str(value)


def _metadata(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {str(k): v for k, v in dict(value).items()}


def _rating(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _jsonable(value: Any) -> Any:
    """What JSON cannot say as such: sets and tuples as lists, anything else as its text."""
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


# --- every writer of this process: flushed at exit, reset in a forked child --------------------

_WRITERS: "weakref.WeakSet[LogWriter]" = weakref.WeakSet()


def _close_all() -> None:
    for writer in list(_WRITERS):
        try:
            writer.close()
        except Exception:
            pass


def _after_fork_in_child() -> None:
    for writer in list(_WRITERS):
        writer._after_fork()


atexit.register(_close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
