"""Deterministic text checks: equals, contains (any/all), starts/ends-with, regex, length.

Comparison is exact, code point by code point: no trimming and no Unicode normalisation (a model
that adds a final newline does not "equal" a value without one). The `ignore_case` variants
compare `str.casefold()` of both sides, which also folds `ß`/`ss` and similar.
Values may refer to the case with `{{ expected }}` or `{{ variable }}` (see values.py).
"""

from __future__ import annotations

import functools
import json
import operator
from dataclasses import dataclass

import regex

from .base import CaseLike, EvaluationError, Evaluator, Measurement, SpecError
from .notation import format_list
from .values import fill, references, substitute_for_check

# A regex search that runs longer than this is stopped and reported (catastrophic backtracking).
REGEX_TIMEOUT_SECONDS = 1.0


def show(text: str, limit: int = 60) -> str:
    """A short, quoted rendering of `text` for reasons."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def _fold(text: str, ignore_case: bool) -> str:
    return text.casefold() if ignore_case else text


@dataclass(frozen=True, kw_only=True)
class _OneValue(Evaluator):
    value: str
    ignore_case: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.value, str) or self.value == "":
            raise SpecError(f"{self.spec_kind} needs a non-empty value, "
                            f"e.g. {self.spec_kind}:refund")

    @property
    def spec_kind(self) -> str:
        return ("i" if self.ignore_case else "") + self.kind

    def argument(self) -> str:
        return self.value

    def measure(self, output: str, case: CaseLike) -> Measurement:
        value = fill(self.value, case)
        ok = self.test(_fold(output, self.ignore_case), _fold(value, self.ignore_case))
        verb = self.verb if ok else self.negative_verb
        return Measurement(1.0 if ok else 0.0, f"output {verb} {show(value)}")

    verb = negative_verb = ""

    def test(self, output: str, value: str) -> bool:
        """Whether the (case-folded) output passes against the value; each kind names its own."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Equals(_OneValue):
    kind = "equals"
    verb, negative_verb = "equals", "does not equal"

    test = staticmethod(operator.eq)


@dataclass(frozen=True, kw_only=True)
class Contains(_OneValue):
    kind = "contains"
    verb, negative_verb = "contains", "does not contain"

    test = staticmethod(operator.contains)  # value in output


@dataclass(frozen=True, kw_only=True)
class StartsWith(_OneValue):
    kind = "starts-with"
    verb, negative_verb = "starts with", "does not start with"

    test = staticmethod(str.startswith)


@dataclass(frozen=True, kw_only=True)
class EndsWith(_OneValue):
    kind = "ends-with"
    verb, negative_verb = "ends with", "does not end with"

    test = staticmethod(str.endswith)


@dataclass(frozen=True, kw_only=True)
class _ManyValues(Evaluator):
    values: tuple[str, ...]
    ignore_case: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if (not isinstance(self.values, tuple) or not self.values
                or not all(isinstance(v, str) and v for v in self.values)):
            raise SpecError(f"{self.spec_kind} needs one or more non-empty values, "
                            f"e.g. {self.spec_kind}:refund,money back")

    @property
    def spec_kind(self) -> str:
        return ("i" if self.ignore_case else "") + self.kind

    def argument(self) -> str:
        return format_list(self.values)

    def found(self, output: str, case: CaseLike) -> tuple[list[str], list[str]]:
        haystack = _fold(output, self.ignore_case)
        values = [fill(v, case) for v in self.values]
        found = [v for v in values if _fold(v, self.ignore_case) in haystack]
        missing = [v for v in values if _fold(v, self.ignore_case) not in haystack]
        return found, missing


@dataclass(frozen=True, kw_only=True)
class ContainsAny(_ManyValues):
    """1 when the output contains at least one of the values, else 0."""

    kind = "contains-any"

    def measure(self, output: str, case: CaseLike) -> Measurement:
        found, missing = self.found(output, case)
        if found:
            return Measurement(1.0, f"output contains {show(found[0])}", {"found": found})
        return Measurement(0.0, f"output contains none of {len(missing)} values",
                           {"missing": missing})


@dataclass(frozen=True, kw_only=True)
class ContainsAll(_ManyValues):
    """The share of the values the output contains; passes at 1.0 unless the threshold is lower."""

    kind = "contains-all"

    def measure(self, output: str, case: CaseLike) -> Measurement:
        found, missing = self.found(output, case)
        total = len(found) + len(missing)
        if not missing:
            reason = f"output contains all {total} values"
        else:
            reason = f"output lacks {len(missing)} of {total} values, e.g. {show(missing[0])}"
        return Measurement(len(found) / total, reason, {"found": found, "missing": missing})


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, regex.VERSION0)


@dataclass(frozen=True, kw_only=True)
class Regex(Evaluator):
    """1 when the pattern matches anywhere in the output (`regex.search`), else 0.

    Python regular expression syntax (the `regex` package in its `re`-compatible mode, which can
    stop a runaway search). Anchor with `^...$` for a whole-output match; flags inline, e.g.
    `(?i)` for ignore case, `(?s)` to let `.` match newlines. Case references are inserted as
    literal text (escaped). A search over REGEX_TIMEOUT_SECONDS is reported as an error.
    """

    kind = "regex"
    offload = True
    pattern: str

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.pattern, str) or self.pattern == "":
            raise SpecError("regex needs a pattern, e.g. regex:^\\d+$")
        checked = substitute_for_check(self.pattern, "x")
        try:
            compiled = _compile(checked)
        except regex.error as exc:
            raise SpecError(f"invalid regular expression {show(self.pattern)}: {exc}") from None
        # Compiled once here when the pattern refers to nothing in the case.
        object.__setattr__(self, "_compiled", None if references(self.pattern) else compiled)

    def argument(self) -> str:
        return self.pattern

    def measure(self, output: str, case: CaseLike) -> Measurement:
        compiled = self._compiled  # type: ignore[attr-defined]
        if compiled is None:
            pattern = fill(self.pattern, case, escape=regex.escape)
            try:
                compiled = _compile(pattern)
            except regex.error as exc:
                raise EvaluationError(f"the pattern with case values filled in is invalid: "
                                      f"{exc}") from None
        try:
            # concurrent=True releases the GIL: an offloaded search does not stall the event loop.
            match = compiled.search(output, concurrent=True, timeout=REGEX_TIMEOUT_SECONDS)
        except TimeoutError:
            raise EvaluationError(f"the regular expression ran longer than "
                                  f"{REGEX_TIMEOUT_SECONDS:g} s on this output ({len(output):,} "
                                  "characters) and was stopped; simplify nested repetition such "
                                  "as (a+)+") from None
        if match is None:
            return Measurement(0.0, f"output does not match {show(self.pattern)}")
        return Measurement(1.0, f"output matches {show(self.pattern)} at {match.start()}: "
                                f"{show(match.group(0), 40)}",
                           {"match_start": match.start(), "match_end": match.end()})


@dataclass(frozen=True, kw_only=True)
class Length(Evaluator):
    """1 when the output's length in characters (code points) is within [minimum, maximum]."""

    kind = "length"
    argument_is_spelled = True  # MIN..MAX never starts with @
    minimum: int | None = None
    maximum: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for bound in (self.minimum, self.maximum):
            if bound is not None and (type(bound) is not int or bound < 0):
                raise SpecError(f"length bounds must be whole numbers >= 0, got {bound!r}")
        if self.minimum is None and self.maximum is None:
            raise SpecError("length needs a minimum, a maximum or both, e.g. length:10..200")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise SpecError(f"length minimum {self.minimum} is above maximum {self.maximum}")

    def argument(self) -> str:
        low = "" if self.minimum is None else str(self.minimum)
        high = "" if self.maximum is None else str(self.maximum)
        return f"{low}..{high}"

    def measure(self, output: str, case: CaseLike) -> Measurement:
        n = len(output)
        details = {"length": n}
        if self.minimum is not None and n < self.minimum:
            reason = f"output has {n:,} characters, fewer than {self.minimum:,}"
        elif self.maximum is not None and n > self.maximum:
            reason = f"output has {n:,} characters, more than {self.maximum:,}"
        else:
            reason = f"output has {n:,} characters, within {self.argument()}"
            return Measurement(1.0, reason, details)
        return Measurement(0.0, reason, details)
