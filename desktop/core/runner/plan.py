"""What a run is made of: the request a caller makes and the plan the Runner carries out.

`EvalRequest` names versions, a test set, providers and evaluator specs; `Plan` is everything a
`Runner` needs, detached from any database session. `desktop.core.runner.prepare` checks a
request and turns it into a plan.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.releases.content import PromptContent
from storage.workspace import runs as run_repo
from storage.workspace import testsets

from desktop.core.errors import UserError
from desktop.core.evaluators import Evaluator, SpecError, parse_spec
from desktop.core.providers import ProviderSettings

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 120.0


class EvalError(UserError):
    """A run that cannot start (or resume) as asked; the message says what to change."""


@dataclass(frozen=True, slots=True)
class EvalRequest:
    """What to run: versions x providers x the test set's rows.

    `versions` are refs ("NAME", "NAME@latest", "NAME@<4+ hex digits>"); `providers` are
    provider names; `evaluators` are specs (see evaluators/spec.py), None for the test set's
    own. `fail_under` replaces the test set's minimum score as the gate for this run. `cache`
    answers identical requests from the response cache (off by default: latency figures of
    cached results are the original call's).
    """

    versions: Sequence[str]
    test_set: str
    providers: Sequence[str]
    evaluators: Sequence[str] | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT
    cache: bool = False
    fail_under: float | None = None
    max_attempts: int = 3
    base_dir: str | os.PathLike[str] | None = None  # for @file values in specs
    batch: bool = False  # submit through the providers' batch APIs (half price, within a day)


@dataclass(frozen=True, slots=True)
class PlannedVersion:
    pk: int
    version_id: str
    prompt: str
    content: PromptContent


@dataclass(frozen=True, slots=True)
class PlannedCase:
    row: int
    case_id: int
    data: testsets.CaseData


@dataclass(slots=True)
class Plan:
    """Everything the Runner needs, detached from any database session."""

    run_id: int
    versions: list[PlannedVersion]
    providers: list[ProviderSettings]
    api_keys: dict[str, str | None]
    cases: list[PlannedCase]
    evaluators: list[Evaluator]
    cells: list[run_repo.Cell]  # what to run now, row by row
    concurrency: int
    timeout: float
    cache: bool
    max_attempts: int
    judge_providers: dict[str, ProviderSettings | None] = field(default_factory=dict)
    resumed: bool = False
    batch: bool = False


def parse_evaluators(specs: Sequence[str], base_dir: Any = None) -> list[Evaluator]:
    out = []
    for spec in specs:
        try:
            out.append(parse_spec(spec, base_dir=base_dir))
        except SpecError as exc:
            raise EvalError(f"The evaluator {spec!r} cannot be used: {exc}.") from None
    return out
