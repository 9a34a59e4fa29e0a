"""Plain data that runs exchange with the runner and the grid: no sessions, no ORM objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RUNNING = "running"
FINISHED = "finished"
CANCELLED = "cancelled"
# Shown for a run left "running" by a process that is gone (killed, crashed): resume it.
INTERRUPTED = "interrupted"


class RunError(Exception):
    """A request about runs the user can fix (unknown run, nothing to resume...)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the grid: a version on a provider."""

    index: int
    version_pk: int
    version_id: str
    prompt: str
    provider: str
    model: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.version_pk, self.provider)

    @property
    def label(self) -> str:
        return f"{self.prompt}@{self.version_id[:8]} · {self.provider}"


@dataclass(frozen=True, slots=True)
class Cell:
    """Where a result goes: the row (case index in the run) and the column."""

    row: int
    version_pk: int
    provider: str


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One evaluator's score, as stored. `kind` is "auto", "judge" or "human"."""

    evaluator: str
    value: float | None
    passed: bool | None
    reason: str = ""
    error: str | None = None
    weight: float = 1.0
    kind: str = "auto"
    details: Mapping[str, Any] = field(default_factory=dict)
    rater: str = ""


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One cell's outcome as the runner hands it to the writer."""

    row: int
    case_id: int
    version_pk: int
    provider: str
    model: str = ""
    output: str | None = None
    error_kind: str | None = None
    error_message: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    finish_reason: str | None = None
    score: float | None = None
    passed: bool | None = None
    cached: bool = False
    attempts: int = 1
    scores: tuple[ScoreRecord, ...] = ()

    @property
    def cell(self) -> Cell:
        return Cell(self.row, self.version_pk, self.provider)


@dataclass(frozen=True, slots=True)
class ScoreView:
    """A score as the grid shows it (details load with `result_detail`)."""

    id: int
    evaluator: str
    kind: str
    value: float | None
    passed: bool | None
    reason: str
    error: str | None
    weight: float
    rater: str = ""
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CellView:
    """A stored result. `output` is a preview of `output_chars` characters at most when loaded
    for the grid (`truncated` says so); `result_detail` loads it whole, with score details."""

    result_id: int
    row: int
    version_pk: int
    provider: str
    model: str
    output: str | None
    output_chars: int
    truncated: bool
    error_kind: str | None
    error_message: str | None
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    latency_ms: float | None
    ttft_ms: float | None
    finish_reason: str | None
    score: float | None
    passed: bool | None
    cached: bool
    attempts: int
    scores: tuple[ScoreView, ...] = ()

    @property
    def key(self) -> tuple[int, str]:
        return (self.version_pk, self.provider)


@dataclass(frozen=True, slots=True)
class GridRow:
    """One row of the grid: the case and its cells by column key (version_pk, provider).

    A case deleted from the test set after the run keeps its row with `case_id` None and no
    variables."""

    row: int
    case_id: int | None
    variables: Mapping[str, Any]
    expected: str | None
    notes: str
    tags: tuple[str, ...]
    cells: Mapping[tuple[int, str], CellView]


@dataclass(frozen=True, slots=True)
class ColumnTotals:
    """A column's figures, computed in SQL.

    - `done` results stored of `total` cells; `errors` of them failed (call or template);
    - `pass_rate` = passed / results with a pass or fail (errors count as fails), None if none;
    - `mean_score` = mean case score (an error scores 0), None when nothing was scored;
    - `cost` = USD of the calls whose price is known; `cost_unknown` calls had no price;
    - `p50_ms`/`p95_ms`: nearest-rank percentiles of latency over successful calls that were
      not answered from the cache (turn the cache off when measuring latency).
    """

    column: Column
    total: int
    done: int
    errors: int
    passed: int
    failed: int
    cached: int
    pass_rate: float | None
    mean_score: float | None
    cost: float
    cost_unknown: int
    tokens_in: int
    tokens_out: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class GateOutcome:
    """The gate: every column's mean score must reach `threshold` (None: no gate)."""

    threshold: float | None
    mean_score: float | None
    passed: bool | None
    failing: tuple[tuple[Column, float | None], ...] = ()

    def reason(self) -> str:
        if self.threshold is None or self.passed is None and not self.failing:
            return "no gate"
        if self.passed:
            return f"every column's mean score reaches {self.threshold:g}"
        parts = [f"{c.label} {'no score' if m is None else f'{m:.3f}'}" for c, m in self.failing]
        return f"mean score below {self.threshold:g}: " + "; ".join(parts)


@dataclass(frozen=True, slots=True)
class RunSummary:
    id: int
    status: str  # effective: "interrupted" for a dead "running" run
    created_at: datetime
    finished_at: datetime | None
    test_set: str | None
    prompt: str
    columns: int
    total: int
    done: int
    errors: int
    mean_score: float | None
    pass_rate: float | None
    gate_passed: bool | None
