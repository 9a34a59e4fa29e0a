"""Pulling logs from a sink into the workspace: incremental, idempotent, resumable.

Only segments the workspace has not finished with are read (the bookkeeping is a row per
segment: storage.workspace.logs.store). Each segment is stored in a transaction of its own with
its bookkeeping row, so a pull that stops (cancelled, killed, the network gone) keeps what it
stored and the next pull goes on from there. Records are stored once per id, so reading a
segment twice, or two copies of a record, stores nothing twice.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storage.workspace import logs as repo
from storage.workspace.db import Workspace

from .errors import Problem
from .segments import ParsedSegment, parse_segment
from .sources import Entry, LogSource, normalise, open_source

Progress = Callable[[str, int, int], None]  # (what is happening, done, total)


@dataclass
class PullReport:
    """What one pull did."""

    source: str
    projects: list[str] = field(default_factory=list)
    segments: int = 0  # segments read in this pull
    known: int = 0  # segments pulled before and not read again
    calls: int = 0  # new calls stored
    feedback: int = 0  # new feedback stored
    duplicates: int = 0  # records read that were stored already
    skipped: int = 0  # segments skipped whole (another project, damaged)
    partial: int = 0  # segments without their end line yet
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False  # cancelled before the end

    def summary(self) -> str:
        new = (f"{self.calls:,} new call{'s' if self.calls != 1 else ''} and "
               f"{self.feedback:,} new feedback")
        parts = [f"Pulled {new} from {self.source} ({self.segments:,} segment"
                 f"{'s' if self.segments != 1 else ''} read, {self.known:,} already pulled"]
        if self.duplicates:
            parts.append(f", {self.duplicates:,} record(s) already stored")
        parts.append(")")
        text = "".join(parts) + "."
        if self.skipped or self.problems:
            text += (f" {len(self.problems):,} problem(s): {self.skipped:,} segment(s) skipped "
                     "whole, the rest imported.")
        if self.partial:
            text += f" {self.partial:,} segment(s) not complete yet; pulled again next time."
        if self.stopped:
            text += " Stopped before the end: pull again to go on."
        return text


def pull(workspace: Workspace, source: str, *, project: str | None = None,
         progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
         client: Any = None) -> PullReport:
    """Read every new segment of `source` (a folder or URL, as the applications' `log_to`)
    into the workspace. `project`: only that project's logs (default: every project found)."""
    location = normalise(source)
    report = PullReport(location)
    with open_source(location, **({"client": client} if client is not None else {})) as sink:
        if project is not None:
            projects = [project]
        else:
            projects, problems = sink.projects()
            report.problems += problems
        report.projects = projects
        with workspace.session() as session:
            known = repo.known_segments(session, location)
        todo: list[tuple[str, Entry]] = []
        for name in projects:
            entries, problems = sink.segments(name)
            report.problems += problems
            for entry in entries:
                state = known.get(entry.path)
                if state is not None and (state.status in repo.store.FINAL or
                                          (entry.size is not None and entry.size == state.size)):
                    report.known += 1
                    continue
                todo.append((name, entry))
        _read_and_store(workspace, sink, location, todo, report, progress, should_stop)
        with workspace.session() as session:
            repo.mark_pulled(session, location)
    return report


_END = object()


def _read_and_store(workspace: Workspace, sink: LogSource, location: str,
                    todo: list[tuple[str, Entry]], report: PullReport,
                    progress: Progress | None, should_stop: Callable[[], bool] | None) -> None:
    """Store each segment as a thread reads and parses the next ones: SQLite lets go of the
    GIL while it writes, so reading and writing overlap."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()
    reader = threading.Thread(target=_prepare, args=(sink, todo, ready, stop), daemon=True,
                              name="promptpress-logs-pull")
    reader.start()
    try:
        for done in itertools.count():
            item = ready.get()
            if item is _END:
                if progress is not None:
                    progress("Reading the logs", len(todo), len(todo))
                return
            if isinstance(item, BaseException):
                raise item
            if should_stop is not None and should_stop():
                report.stopped = True
                return
            if progress is not None:
                progress("Reading the logs", done, len(todo))
            entry, parsed, rows = item
            if isinstance(parsed, Problem):
                report.problems.append(parsed)
            else:
                _store(workspace, location, entry, parsed, rows, report)
    finally:
        stop.set()
        while reader.is_alive():  # let it finish a put it is blocked in
            try:
                ready.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.join()


def _prepare(sink: LogSource, todo: list[tuple[str, Entry]], ready: "queue.Queue[Any]",
             stop: threading.Event) -> None:
    try:
        for name, entry in todo:
            if stop.is_set():
                return
            parsed = _read(sink, entry, name)
            rows = None if isinstance(parsed, Problem) else _rows(parsed)
            ready.put((entry, parsed, rows))
    except BaseException as exc:  # handed to the pulling thread, which raises it
        ready.put(exc)
    finally:
        ready.put(_END)


def _rows(parsed: ParsedSegment) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    calls, call_row = [], repo.call_row
    costs: dict[tuple[Any, Any, Any], float | None] = {}  # the price table does not change
    for record in parsed.calls:
        row = call_row(record)
        key = row["model"], row["tokens_in"], row["tokens_out"]
        cost = costs.get(key, _UNKNOWN)
        if cost is _UNKNOWN:
            cost = costs[key] = _cost(*key)
        row["cost"] = cost
        calls.append(row)
    return calls, [repo.feedback_row(record) for record in parsed.feedback]


_UNKNOWN: Any = object()


def _read(sink: LogSource, entry: Entry, project: str) -> ParsedSegment | Problem:
    try:
        with sink.open(entry.path) as chunks:
            return parse_segment(chunks, entry.path, project=project)
    except OSError as exc:  # vanished, unreadable, the download broke: tried again next pull
        return Problem(entry.path, None, f"could not be read ({exc}); it is read again on the "
                                         "next pull")


def _cost(model: str | None, tokens_in: int | None, tokens_out: int | None) -> float | None:
    """What the call cost, from the packaged price table (litellm's names: "openai/gpt-4o"; a
    bare name as an OpenAI client reports it is looked up as the table lists it)."""
    if not model or tokens_in is None or tokens_out is None:
        return None
    from desktop.core.gateway import pricing  # a packaged table: no litellm

    provider, _, name = model.partition("/")
    if not name:
        row = pricing.table()["models"].get(model)
        if not row:
            return None
        provider, name = row[0], model
    return pricing.cost_of(provider, name, tokens_in, tokens_out)


def _store(workspace: Workspace, location: str, entry: Entry, parsed: ParsedSegment,
           rows: tuple[list[dict[str, Any]], list[dict[str, Any]]], report: PullReport) -> None:
    calls, feedback = rows
    size = entry.size if entry.size is not None else parsed.size
    with workspace.session() as session:
        stored = repo.store_segment(session, source=location, path=entry.path,
                                    status=parsed.status, size=size, calls=calls,
                                    feedback=feedback, problems=[str(p) for p in parsed.problems])
    report.segments += 1
    report.calls += stored.calls
    report.feedback += stored.feedback
    report.duplicates += stored.duplicates
    report.problems += parsed.problems
    if parsed.status in ("foreign", "damaged"):
        report.skipped += 1
    elif parsed.status == "partial":
        report.partial += 1
