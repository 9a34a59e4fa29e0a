"""Run reads: what the Run page offers, a run's grid page by page, one result, comparing two
runs, the score trend. Starting a run is `desktop.core.runner`; ratings are
`desktop.core.runner.ratings` (already operations: they take the workspace)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from desktop.core import providers as core_providers
from storage.workspace import prompts as prompt_repo
from storage.workspace import runs as run_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace

RESUMABLE = (run_repo.INTERRUPTED, run_repo.CANCELLED)


# -- what the Run page offers ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunChoices:
    versions: list[tuple[str, str, str, datetime]]  # (version_id, message, author, created)
    providers: list[tuple[str, str]]  # (name, model)
    test_sets: list[tuple[str, int, tuple[str, ...], bool]]  # (name, cases, specs, for prompt)
    resumable: list[run_repo.RunSummary]


def choices(workspace: Workspace, prompt: str) -> RunChoices:
    with workspace.session() as session:
        owner = prompt_repo.require_prompt(session, prompt)
        versions = [(v.version_id, v.message or "", v.author or "", v.created_at)
                    for v in prompt_repo.version_history(session, owner)]
        sets = sorted(((ts.name, n, tuple(ts.evaluators or ()), ts.prompt_id == owner.id)
                       for ts, n in testsets.list_test_sets(session)),
                      key=lambda s: (not s[3], s[0]))
        resumable = [r for r in run_repo.list_runs(session, prompt=prompt, limit=50)
                     if r.status in RESUMABLE and r.done < r.total]
    providers = [(p.name, p.model) for p in core_providers.list_providers(workspace)]
    return RunChoices(versions, providers, sets, resumable)


# -- one run's grid ------------------------------------------------------------------------------

class RunGrid:
    """A run as the grid reads it: its layout once, then rows a page at a time (milliseconds,
    fine on the GUI thread); totals and filters are heavier (call them in a thread)."""

    def __init__(self, workspace: Workspace, run_id: int) -> None:
        self.workspace = workspace
        self.run_id = run_id
        self.refresh()

    def refresh(self) -> str:
        """Read the run again; returns its status as a person should see it."""
        with self.workspace.session() as session:
            self.run = run_repo.read_run(session, self.run_id)
            self.status = run_repo.status_of(session, self.run)
        self.columns = run_repo.columns(self.run)
        self.total_rows = run_repo.row_count(self.run)
        return self.status

    def rows(self, start: int, stop: int, preview_chars: int) -> list[run_repo.GridRow]:
        with self.workspace.session() as session:
            return run_repo.load_rows(session, self.run, start, stop, preview_chars=preview_chars)

    def rows_at(self, positions: Sequence[int], preview_chars: int) -> list[run_repo.GridRow]:
        with self.workspace.session() as session:
            return run_repo.load_rows_at(session, self.run, list(positions),
                                         preview_chars=preview_chars)

    def totals(self) -> list[run_repo.ColumnTotals]:
        with self.workspace.session() as session:
            return run_repo.column_totals(session, self.run)

    def filter(self, kind: str | None, search: str | None) -> list[int] | None:
        """Row numbers for a filter; None means every row."""
        if kind is None and not search:
            return None
        with self.workspace.session() as session:
            return run_repo.filter_rows(session, self.run, kind, search or None)  # type: ignore[arg-type]

    def arrange(self, kind: str | None, search: str | None,
                sort: tuple[tuple[int, str], bool] | None = None,
                progress: run_repo.Progress | None = None) -> list[int] | None:
        """Row numbers for a filter and a sort ((version_pk, provider), descending); None
        means every row in run order. Reads in steps, calling `progress(done, total)`;
        returning False from it stops with `run_repo.Cancelled`. Call in a thread."""
        if sort is None:
            if kind is None and not search:
                return None
            with self.workspace.session() as session:
                return run_repo.filter_rows(session, self.run, kind, search or None,  # type: ignore[arg-type]
                                            progress=progress)
        steps = 2 if kind or search else 1
        with self.workspace.session() as session:
            rows = None
            if kind or search:
                rows = run_repo.filter_rows(session, self.run, kind, search or None,  # type: ignore[arg-type]
                                            progress=_half(progress, 0, steps))
            return run_repo.sort_rows(session, self.run, sort[0], descending=sort[1],
                                      rows=rows, progress=_half(progress, steps - 1, steps))

    def result_id(self, row: int, version_pk: int, provider: str) -> int | None:
        with self.workspace.session() as session:
            return run_repo.result_id(session, self.run_id, row, version_pk, provider)


def _half(progress: run_repo.Progress | None, part: int, parts: int) -> run_repo.Progress | None:
    """Progress of one of `parts` steps, as a share of the whole (out of 1,000)."""
    if progress is None:
        return None
    return lambda done, total: progress(
        (part * 1000 + (1000 * done // total if total else 1000)) // parts, 1000)


def result_detail(workspace: Workspace, result_id: int) -> run_repo.CellView:
    with workspace.session() as session:
        return run_repo.result_detail(session, result_id)


def columns(workspace: Workspace, run_id: int) -> list[run_repo.Column]:
    with workspace.session() as session:
        return run_repo.columns(run_repo.read_run(session, run_id))


def pair_detail(workspace: Workspace, run_id: int, left_id: int, right_id: int):
    """(the case's row, left result, right result) for a blind A/B pair."""
    with workspace.session() as session:
        left = run_repo.result_detail(session, left_id)
        right = run_repo.result_detail(session, right_id)
        rows = run_repo.load_rows_at(session, run_repo.read_run(session, run_id), [left.row],
                                     preview_chars=0)
    return rows[0] if rows else None, left, right


# -- comparing runs ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ColumnChoice:
    run_id: int
    version_pk: int
    provider: str
    label: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.run_id, self.version_pk, self.provider)


@dataclass(frozen=True, slots=True)
class RunComparison:
    deltas: list[run_repo.CaseDelta]
    cases: dict[int, dict]  # case id -> its variables
    counts: dict[str, int]


def comparable_columns(workspace: Workspace, prompt: str | None,
                       limit: int = 100) -> list[ColumnChoice]:
    """Every (run, version, provider) of the prompt's recent runs, newest run first."""
    with workspace.session() as session:
        out = []
        for summary in run_repo.list_runs(session, prompt=prompt, limit=limit):
            run = run_repo.read_run(session, summary.id)
            when = summary.created_at.astimezone().strftime("%d %b %H:%M")
            for column in run_repo.columns(run):
                out.append(ColumnChoice(summary.id, column.version_pk, column.provider,
                                        f"Run {summary.id} ({when}) · {column.label}"))
        return out


def compare(workspace: Workspace, base: tuple[int, int, str],
            new: tuple[int, int, str]) -> RunComparison:
    """Case by case, how column `new` did against column `base` (each (run, version, provider))."""
    with workspace.session() as session:
        deltas = run_repo.compare_columns(session, base, new)
        cases = testsets.case_variables(session, (d.case_id for d in deltas
                                                  if d.case_id is not None))
    counts: dict[str, int] = {}
    for d in deltas:
        counts[d.change] = counts.get(d.change, 0) + 1
    return RunComparison(deltas, cases, counts)


def score_trend(workspace: Workspace, prompt: str) -> list[run_repo.ScorePoint]:
    """Mean score per version and provider over the prompt's runs (the Compare page's chart)."""
    with workspace.session() as session:
        return run_repo.score_trend(session, prompt)
