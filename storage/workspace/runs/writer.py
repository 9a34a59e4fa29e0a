"""The ResultWriter: a thread that commits a run's results as they arrive, in groups.

The runner calls `put` for each finished cell (it never blocks: a queue). The thread takes
whatever is queued (waiting `linger`, 5 ms, for company) and commits it in one transaction,
with Core statements compiled once and run by the DBAPI cursor (no ORM unit of work): results
upserted on their cell, their automatic scores replaced, cache entries added. So a crash
loses at most the calls in flight and results younger than a few milliseconds.

A failed commit (disk full, workspace gone) stops the writer: the next `put` or `flush`
raises WriterError, and the runner stops the run rather than compute results it cannot keep.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.workspace.models import ResponseCache, Result, Score, utcnow
from storage.workspace.runs.records import ResultRecord

_RESULTS = Result.__table__
_CELL = ("run_id", "case_id", "version_pk", "provider")
_RESULT_KEYS = ("run_id", "case_id", "version_pk", "provider", "model", "output", "error_kind",
                "error_message", "tokens_in", "tokens_out", "cost", "latency_ms", "ttft_ms",
                "finish_reason", "score", "passed", "created_at", "row", "cached", "attempts")
_SCORE_KEYS = ("result_id", "evaluator", "kind", "value", "passed", "reason", "error", "weight",
               "details", "rater", "created_at")
_CACHE_KEYS = ("key", "model", "response", "created_at")


def _compiled(statement: Any, keys: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A Core statement as SQLite SQL and the order of its parameters, compiled once."""
    compiled = statement.compile(dialect=sqlite.dialect(), column_keys=list(keys))
    return compiled.string, tuple(compiled.positiontup or ())


_upsert = sqlite_insert(_RESULTS)
UPSERT_RESULT = _compiled(_upsert.on_conflict_do_update(
    index_elements=list(_CELL),
    set_={name: _upsert.excluded[name] for name in _RESULT_KEYS if name not in _CELL},
).returning(_RESULTS.c.id), _RESULT_KEYS)
INSERT_SCORE = _compiled(insert(Score.__table__), _SCORE_KEYS)
INSERT_CACHE = _compiled(sqlite_insert(ResponseCache.__table__).on_conflict_do_nothing(),
                         _CACHE_KEYS)
DELETE_AUTO_SCORES = "DELETE FROM scores WHERE result_id = ? AND kind != 'human'"


def _stamp(moment: datetime) -> str:
    """A UTC time as SQLAlchemy's SQLite DateTime stores it (what UTCDateTime reads back)."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class WriterError(Exception):
    """Results could not be saved; the message says why. Results already committed are kept."""


class _Flush:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()


class ResultWriter:
    """Commits `ResultRecord`s of one run from a thread of its own. Use `close()` when done."""

    def __init__(self, engine: Engine, run_id: int, *, linger: float = 0.005) -> None:
        self.engine = engine
        self.run_id = run_id
        # After the first result arrives, wait this long for others to share its transaction:
        # fewer, larger commits and fewer wake-ups of this thread (which competes with the
        # event loop for the GIL). A crash may lose results this young, besides calls in flight.
        self.linger = linger
        self.committed = 0  # results committed so far
        self.transactions = 0
        self.error: BaseException | None = None
        self._connection: Any = None  # the DBAPI connection, used by the writer thread only
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=f"run-{run_id}-writer",
                                        daemon=True)
        self._thread.start()

    def put(self, record: ResultRecord | None,
            cache: tuple[str, str, Mapping[str, Any]] | None = None) -> None:
        """Queue a result and/or the cache entry an answer makes (key, model, response)."""
        self._check()
        if self._closed:
            raise WriterError("the run's writer is closed")
        self._queue.put((record, cache))

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued so far is committed (raises WriterError if it failed)."""
        marker = _Flush()
        if self._thread.is_alive():
            self._queue.put(marker)
            marker.done.wait(timeout)
        self._check()

    def close(self, timeout: float | None = None) -> None:
        """Commit what is queued, stop the thread, and raise WriterError if anything failed."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join(timeout)
        self._check()

    def _check(self) -> None:
        if self.error is not None:
            raise WriterError(f"Results could not be saved to the workspace: {self.error}. "
                              f"The {self.committed} results saved before are kept.") from self.error

    def _loop(self) -> None:
        stop = False
        while not stop:
            batch = [self._queue.get()]
            if self.linger > 0 and isinstance(batch[0], tuple):
                time.sleep(self.linger)
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [item for item in batch if isinstance(item, tuple)]
            if records and self.error is None:
                try:
                    self._commit(records)
                except BaseException as exc:  # reported to the runner by put/flush/close
                    self.error = exc
            for item in batch:
                if isinstance(item, _Flush):
                    item.done.set()
                elif item is _STOP:
                    stop = True
        if self._connection is not None:
            self._connection.close()  # back to the engine's pool
            self._connection = None

    def _commit(self, items: list[tuple[ResultRecord | None, Any]]) -> None:
        # Statements compiled from the Core tables once, executed by the DBAPI cursor: at
        # hundreds of results a second, per-statement overhead is what this thread costs.
        now = _stamp(utcnow())
        latest: dict[tuple[int, int, str], ResultRecord] = {}
        entries = []
        for record, cache in items:
            if record is not None:
                latest[(record.row, record.version_pk, record.provider)] = record
            if cache is not None:
                entries.append(_row(_CACHE_KEYS, {"key": cache[0], "model": cache[1],
                                                  "response": json.dumps(dict(cache[2])),
                                                  "created_at": now}))
        records = list(latest.values())
        if self._connection is None:
            self._connection = self.engine.raw_connection()
        connection = self._connection
        cursor = connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            upsert_sql, upsert_keys = UPSERT_RESULT
            scores = []
            for r in records:
                cursor.execute(upsert_sql, _row(upsert_keys, _result_params(self.run_id, r, now)))
                result_id = cursor.fetchone()[0]
                # A cell run again (resume with retries) drops its old automatic scores.
                cursor.execute(DELETE_AUTO_SCORES, (result_id,))
                for score in r.scores:
                    scores.append(_row(INSERT_SCORE[1], {
                        "result_id": result_id, "evaluator": score.evaluator, "kind": score.kind,
                        "value": score.value, "passed": _int(score.passed),
                        "reason": score.reason, "error": score.error, "weight": score.weight,
                        "details": json.dumps(dict(score.details), default=repr),
                        "rater": score.rater,
                        "created_at": now}))
            if scores:
                cursor.executemany(INSERT_SCORE[0], scores)
            if entries:
                cursor.executemany(INSERT_CACHE[0], entries)
            cursor.execute("COMMIT")
        except BaseException:
            try:
                cursor.execute("ROLLBACK")
            except Exception:
                pass
            raise
        finally:
            cursor.close()
        self.committed += len(records)
        self.transactions += 1


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _row(keys: Sequence[str], values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values[k] for k in keys)


def _result_params(run_id: int, r: ResultRecord, now: str) -> dict[str, Any]:
    return {"run_id": run_id, "case_id": r.case_id, "version_pk": r.version_pk,
            "provider": r.provider, "model": r.model, "output": r.output,
            "error_kind": r.error_kind, "error_message": r.error_message,
            "tokens_in": r.tokens_in, "tokens_out": r.tokens_out, "cost": r.cost,
            "latency_ms": r.latency_ms, "ttft_ms": r.ttft_ms, "finish_reason": r.finish_reason,
            "score": r.score, "passed": _int(r.passed), "created_at": now, "row": r.row,
            "cached": int(r.cached), "attempts": r.attempts}
