"""What a monitor checks in one logged call: an evaluator that needs no expected output, or the
call's feedback. Each check turns a call into (value, status, reason) before any threshold.

    regex:..., contains:..., not:contains:..., length:..280, is-json, json-schema:...,
    judge:MODEL:RUBRIC         evaluator specs (desktop.core.evaluators), scored on the output
    feedback:thumbs-down       1 when the call's feedback has no thumbs-down, else 0
    feedback:corrected         1 when no feedback corrected the output, else 0

A monitor's window value is the mean of its scored calls: for the feedback checks, one minus
the share of thumbs-down (or corrected) calls among those with feedback.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.core.errors import UserError
from desktop.core.evaluators import Case, Evaluator, Judge, SpecError, parse_spec

FEEDBACK_CHECKS = {"feedback:thumbs-down": "negative", "feedback:corrected": "corrected"}
_NEEDS_EXPECTED = ("edit-similarity", "bleu", "chrf", "rouge-l")


class MonitorError(UserError):
    """A monitor that cannot be made or run as asked; the message says what to change."""


@dataclass(frozen=True)
class Check:
    spec: str
    evaluator: Evaluator | None  # None for the feedback checks
    feedback: str | None  # "negative" or "corrected"

    @property
    def reads_variables(self) -> bool:
        """Whether scoring needs the call's variables (a judge, or a {{ name }} in the spec)."""
        return self.is_judge or "{{" in self.spec

    @property
    def is_judge(self) -> bool:
        return isinstance(self.evaluator, Judge)

    @property
    def default_threshold(self) -> float:
        if self.feedback is not None:
            return 0.8
        return self.evaluator.threshold if self.is_judge else 0.95


def parse_check(spec: str) -> Check:
    """The check a monitor's spec names; MonitorError when it cannot run on logs."""
    spec = spec.strip()
    if not spec:
        raise MonitorError("Say what the monitor checks, e.g. is-json, regex:^\\d+$, "
                           "length:..280, judge:MODEL:RUBRIC or feedback:thumbs-down.")
    if spec in FEEDBACK_CHECKS:
        return Check(spec, None, FEEDBACK_CHECKS[spec])
    if spec.startswith("feedback:"):
        raise MonitorError(f"{spec} is not a feedback check: use "
                           f"{' or '.join(FEEDBACK_CHECKS)}.")
    if "{{ expected }}" in spec or "{{expected}}" in spec:
        raise MonitorError("A logged call has no expected output: a monitor's check cannot "
                           "use {{ expected }}.")
    try:
        evaluator = parse_spec(spec)
    except SpecError as exc:
        raise MonitorError(str(exc)) from None
    if evaluator.kind in _NEEDS_EXPECTED and evaluator.argument() is None:
        raise MonitorError(f"{evaluator.kind} compares with an expected output, which logged "
                           "calls do not have; use regex, contains, length, is-json, "
                           "json-schema, a judge or a feedback check.")
    return Check(spec, evaluator, None)


def sampled(log_id: str, rate: float) -> bool:
    """Whether a call is in a judge's sample: the same calls whatever the order of checks."""
    if rate >= 1:
        return True
    digest = hashlib.sha256(log_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def score_call(check: Check, output: str | None, error: str | None, variables: str, *,
               negative: bool = False, corrected: bool = False
               ) -> tuple[float | None, str, str]:
    """(value, status, reason) of one call: status "scored", "error" (could not check: never a
    pass) or "skipped" (nothing to check)."""
    if check.feedback is not None:
        bad = negative if check.feedback == "negative" else corrected
        return (0.0 if bad else 1.0), "scored", ("thumbs-down" if negative and bad else
                                                 "corrected" if bad else "")
    if output is None:
        return None, "skipped", f"the call failed: {error or 'no output'}"
    assert check.evaluator is not None
    case = _case(variables) if check.reads_variables else _NO_VARIABLES
    score = check.evaluator.evaluate(output, case)
    if score.error is not None:
        return None, "error", score.error
    return score.value, "scored", "" if score.passed else score.reason


_NO_VARIABLES = Case(variables={}, expected=None)


def _case(variables: str) -> Case:
    try:
        values: Any = json.loads(variables)
    except ValueError:
        values = {}
    return Case(variables=values if isinstance(values, dict) else {}, expected=None)


def bind_judge(check: Check, ask_for_model: Callable[[str], Any] | None) -> Check:
    """The check with its judge connected; MonitorError when it has no way to ask."""
    if not check.is_judge:
        return check
    judge = check.evaluator
    assert isinstance(judge, Judge)
    if judge.ask is not None:
        return check
    if ask_for_model is None:
        raise MonitorError(f"The judge monitor needs its model {judge.model}: add it as a "
                           "provider.")
    return Check(check.spec, judge.with_ask(ask_for_model(judge.model)), None)
