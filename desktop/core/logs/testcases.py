"""Turning logged calls into test cases: the logged variables, and as expected output the
corrected output feedback gave (else the output), with a note saying where each came from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.workspace.logs import TestCaseSource
from storage.workspace.testsets import CaseData

EXPECTED = ("corrected", "output", "corrected-only")
TAG = "from-logs"


@dataclass(frozen=True)
class Converted:
    cases: list[tuple[str, CaseData]]  # (log id, case)
    duplicates: int  # the same variables and expected output are in the set already
    without_correction: int  # skipped by expected="corrected-only"


def expected_output(source: TestCaseSource, expected: str) -> tuple[bool, str | None]:
    """(use this call?, the expected output) for one call."""
    if expected == "output":
        return True, source.output
    if source.corrected_output is not None:
        return True, source.corrected_output
    return expected != "corrected-only", source.output


def to_cases(sources: Sequence[TestCaseSource], *, expected: str = "corrected",
             existing: Iterable[CaseData] = ()) -> Converted:
    """Test cases for `sources`, leaving out any whose variables and expected output are
    already in `existing` or earlier in `sources`."""
    if expected not in EXPECTED:
        raise ValueError(f"expected={expected!r}: use one of {', '.join(EXPECTED)}")
    seen = {_key(case.variables, case.expected) for case in existing}
    cases: list[tuple[str, CaseData]] = []
    duplicates = skipped = 0
    for source in sources:
        use, output = expected_output(source, expected)
        if not use:
            skipped += 1
            continue
        key = _key(source.variables, output)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        corrected = output is not None and output == source.corrected_output
        release = f"release {source.release}, " if source.release is not None else ""
        note = (f"From the logs: call {source.log_id} of {source.prompt} ({release}version "
                f"{source.version_id[:12]}, {source.time:%Y-%m-%d %H:%M} UTC)"
                + ("; expected output corrected in feedback" if corrected else ""))
        tags = (TAG, "corrected") if corrected else (TAG,)
        cases.append((source.log_id, CaseData(dict(source.variables), output, note, tags)))
    return Converted(cases, duplicates, skipped)


def _key(variables: object, expected: str | None) -> tuple[str, str | None]:
    from storage.workspace.logs import variables_hash

    return variables_hash(dict(variables)), expected  # type: ignore[call-overload]
