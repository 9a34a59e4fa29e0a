"""What every evaluator shares: the case it reads, the Score it returns, and how scores combine.

Sync and async. Every evaluator has `evaluate(output, case) -> Score` and
`async aevaluate(output, case) -> Score`, and neither ever raises: a problem becomes a Score with
`error` set and `passed=False`. Deterministic evaluators do their work in `evaluate`; `aevaluate`
runs it inline, or in a worker thread (`asyncio.to_thread`) for the slower ones (`offload`) and
for any output over `OFFLOAD_CHARS`, so the event loop never stalls on a big output. The LLM judge
is async at heart and overrides `aevaluate`; its `evaluate` runs it with `asyncio.run` when no
loop is running in the calling thread.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from .notation import format_spec  # the grammar's writing side; evaluators supply parts

log = logging.getLogger(__name__)

# Outputs longer than this are scored in a worker thread by `aevaluate`.
OFFLOAD_CHARS = 200_000


class SpecError(ValueError):
    """An evaluator that cannot be built as written: the message names the problem and the fix."""


class EvaluationError(Exception):
    """Raised inside an evaluator when it cannot evaluate this output; becomes an error Score."""


class CaseLike(Protocol):
    """What an evaluator reads from a test case (a test-set row satisfies it)."""

    @property
    def expected(self) -> str | None: ...

    @property
    def variables(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Case:
    """A plain case: the row's variable values and its expected output, if any."""

    variables: Mapping[str, Any] = field(default_factory=dict)
    expected: str | None = None


def expected_of(case: CaseLike) -> str:
    """The case's expected output, or an EvaluationError when it has none (None or empty)."""
    expected = case.expected
    if expected is None or expected == "":
        raise EvaluationError("this case has no expected output to compare with")
    return expected


@dataclass(frozen=True, slots=True)
class Score:
    """One evaluator's verdict on one output.

    `value` is in [0, 1], or None when the evaluator could not evaluate (then `error` says why and
    `passed` is False) or when a human has not rated yet (then `passed` is None too). `weight` is
    the evaluator's weight, kept so a stored score can be combined again without the evaluator.
    """

    evaluator: str
    value: float | None
    passed: bool | None
    reason: str
    error: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"evaluator": self.evaluator, "value": self.value, "passed": self.passed,
                "reason": self.reason, "error": self.error, "details": dict(self.details),
                "weight": self.weight}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        return cls(evaluator=data["evaluator"], value=data["value"], passed=data["passed"],
                   reason=data["reason"], error=data.get("error"),
                   details=dict(data.get("details") or {}), weight=data.get("weight", 1.0))


@dataclass(frozen=True, slots=True)
class Measurement:
    """What an evaluator measured, before threshold and negation are applied.

    `verdict` is the evaluator's own pass/fail where it has one (the judge's "pass"); the final
    pass needs both the verdict and `value >= threshold`.
    """

    value: float
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)
    verdict: bool | None = None


def is_number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_unit(name: str, number: float) -> None:
    if not is_number(number):
        raise SpecError(f"{name} must be a number, got {number!r}")
    if not 0 <= number <= 1:
        raise SpecError(f"{name} must be between 0 and 1, got {number}")


@dataclass(frozen=True, kw_only=True)
class Evaluator(abc.ABC):
    """Scores one output of one case. Subclasses implement `measure` and `argument`.

    Passes when `value >= threshold` (and the evaluator's own verdict, if any, is a pass).
    `negate` reports `1 - value` and inverts the pass; an error stays an error (never a pass).
    `weight` (>= 0) is the evaluator's share of the case score; 0 records without counting.
    """

    kind: ClassVar[str]
    offload: ClassVar[bool] = False
    # True when `argument()` is already spec text (no `@` escape needed on top).
    argument_is_spelled: ClassVar[bool] = False

    threshold: float = 1.0
    weight: float = 1.0
    negate: bool = False
    # The text the user typed, when parsed from a spec; display only, not part of equality.
    label: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        _check_unit("threshold", self.threshold)
        if not is_number(self.weight) or self.weight < 0:
            raise SpecError(f"weight must be a number >= 0, got {self.weight!r}")

    @property
    def name(self) -> str:
        """What a Score calls this evaluator: the spec as typed, else the canonical spec."""
        return self.label or self.spec()

    @property
    def spec_kind(self) -> str:
        """The kind as written in a spec (case-insensitive variants add an `i`)."""
        return self.kind

    @abc.abstractmethod
    def measure(self, output: str, case: CaseLike) -> Measurement:
        """Measure `output`; raise EvaluationError when this output cannot be evaluated."""

    @abc.abstractmethod
    def argument(self) -> str | None:
        """The spec argument (after `kind:`) that rebuilds this evaluator, or None."""

    def options(self) -> dict[str, str]:
        """Spec options besides `not` and `weight` that differ from their defaults."""
        return {}

    def spec(self) -> str:
        """The canonical spec text; `parse_spec(e.spec()) == e`."""
        return format_spec(self)

    def evaluate(self, output: str, case: CaseLike) -> Score:
        """Score `output` for `case`. Never raises: problems become an error Score."""
        try:
            measured = self.measure(output, case)
        except EvaluationError as exc:
            return self.error_score(str(exc))
        except Exception as exc:  # a bug here must not end a run; log it for the crash report
            log.exception("evaluator %s failed", self.name)
            return self.error_score(f"internal error in evaluator: {type(exc).__name__}: {exc}")
        return self.finish(measured)

    async def aevaluate(self, output: str, case: CaseLike) -> Score:
        """Like `evaluate`, without blocking the event loop on slow or large work."""
        if self.offload or len(output) > OFFLOAD_CHARS:
            return await asyncio.to_thread(self.evaluate, output, case)
        return self.evaluate(output, case)

    def finish(self, measured: Measurement) -> Score:
        """Apply threshold and negation to a measurement."""
        value = measured.value
        if not is_number(value):
            return self.error_score(f"internal error in evaluator: score {value!r} is not a number")
        value = min(1.0, max(0.0, float(value)))
        passed = value >= self.threshold and measured.verdict is not False
        details = dict(measured.details)
        if self.negate:
            details["negated"] = True
            details["value_before_negation"] = value
            value, passed = 1.0 - value, not passed
        return Score(evaluator=self.name, value=value, passed=passed, reason=measured.reason,
                     details=details, weight=self.weight)

    def error_score(self, message: str, details: Mapping[str, Any] | None = None) -> Score:
        return Score(evaluator=self.name, value=None, passed=False, reason=message, error=message,
                     details=dict(details or {}), weight=self.weight)


@dataclass(frozen=True, slots=True)
class CaseScore:
    """A case's combined score: see `case_score` for the rules."""

    value: float | None
    passed: bool | None
    scores: tuple[Score, ...]


def case_score(scores: Iterable[Score]) -> CaseScore:
    """Combine one case's scores.

    - value: the weighted mean of the scores' values. An error counts as 0. Scores with weight 0
      are kept for display but count toward neither value nor pass, and so do scores with
      neither a value nor an error (a human rating not given yet).
    - passed: True when every counted score passed; an error is a failure.
    - Both are None when nothing counts (no evaluators, or all weight 0 / unrated).
    """
    scores = tuple(scores)
    total_weight = 0.0
    weighted = 0.0
    passed = True
    for score in scores:
        if score.weight <= 0 or (score.value is None and score.error is None):
            continue
        total_weight += score.weight
        weighted += score.weight * (0.0 if score.error is not None else float(score.value or 0.0))
        passed = passed and score.error is None and score.passed is True
    if total_weight == 0:
        return CaseScore(value=None, passed=None, scores=scores)
    return CaseScore(value=min(1.0, weighted / total_weight), passed=passed, scores=scores)


def evaluate_case(evaluators: Iterable[Evaluator], output: str, case: CaseLike) -> CaseScore:
    """Run every evaluator on one output (sync) and combine the scores."""
    return case_score(evaluator.evaluate(output, case) for evaluator in evaluators)


async def aevaluate_case(evaluators: Iterable[Evaluator], output: str,
                         case: CaseLike) -> CaseScore:
    """Run every evaluator on one output concurrently and combine the scores (in given order)."""
    scores = await asyncio.gather(*(e.aevaluate(output, case) for e in evaluators))
    return case_score(scores)
