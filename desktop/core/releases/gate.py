"""The gate before publishing: did each prompt version pass its test sets?

For a version, its test sets are the ones attached to its prompt plus any test set a finished
run of that version used. For each, the latest finished run that included the version decides:
passed or failed (the run's gate threshold, else the test set's minimum score, applied to this
version's columns), "no minimum" when there is no threshold, or "not run". Kept small on
purpose: the runner may later store per-version verdicts, and this is where to read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.workspace import prompts as repo_prompts
from storage.workspace import testsets
from storage.workspace.db import Session
from storage.workspace.models import Run, TestSet
from storage.workspace.runs import column_totals, finished_runs, gate_outcome


class GateStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"
    UNGATED = "no minimum"  # ran, but no minimum score was set
    NO_TESTS = "no tests"


_RANK = {GateStatus.FAILED: 0, GateStatus.NOT_RUN: 1, GateStatus.PASSED: 2,
         GateStatus.UNGATED: 3, GateStatus.NO_TESTS: 4}


@dataclass(frozen=True, slots=True)
class TestSetGate:
    __test__ = False  # not a pytest class

    test_set: str
    status: GateStatus
    run_id: int | None = None
    score: float | None = None
    threshold: float | None = None
    finished_at: datetime | None = None

    def describe(self) -> str:
        if self.status is GateStatus.NOT_RUN:
            return f"{self.test_set}: not run on this version"
        score = "no score" if self.score is None else f"{self.score:.2f}"
        if self.status is GateStatus.UNGATED:
            return f"{self.test_set}: score {score} (no minimum set), run {self.run_id}"
        sign = "≥" if self.status is GateStatus.PASSED else "<"
        return f"{self.test_set}: {self.status.value}, score {score} {sign} {self.threshold:g}, " \
               f"run {self.run_id}"


@dataclass(frozen=True, slots=True)
class Gate:
    tests: tuple[TestSetGate, ...] = ()

    @property
    def status(self) -> GateStatus:
        if not self.tests:
            return GateStatus.NO_TESTS
        return min((t.status for t in self.tests), key=_RANK.__getitem__)

    def describe(self) -> str:
        if not self.tests:
            return "No test set is attached to this prompt."
        return "\n".join(t.describe() for t in self.tests)

    @property
    def label(self) -> str:
        """Short, for a table cell."""
        status = self.status
        if status is GateStatus.NO_TESTS:
            return "No tests"
        if status is GateStatus.NOT_RUN:
            return "Tests not run"
        if status is GateStatus.UNGATED:
            return "Tested, no minimum"
        passed = sum(t.status is GateStatus.PASSED for t in self.tests)
        gated = sum(t.status in (GateStatus.PASSED, GateStatus.FAILED) for t in self.tests)
        return f"{'Passed' if status is GateStatus.PASSED else 'Failed'} {passed}/{gated}"


def gates(session: Session, version_pks: Iterable[int]) -> dict[int, Gate]:
    """The gate of each version (by its pk)."""
    pks = set(version_pks)
    if not pks:
        return {}
    versions = repo_prompts.versions_by_pk(session, pks)
    prompt_ids = {v.prompt_id for v in versions.values()}
    attached: dict[int, list[TestSet]] = {}
    sets = testsets.all_test_sets(session)
    for test_set in sets.values():
        if test_set.prompt_id in prompt_ids:
            attached.setdefault(test_set.prompt_id, []).append(test_set)
    # Latest finished run per (version, test set). Runs are few; results are many.
    latest: dict[tuple[int, int], Run] = {}
    for run in finished_runs(session):
        if run.test_set_id is None:
            continue
        for item in (run.settings or {}).get("versions", []):
            pk = item.get("pk")
            if pk in pks:
                latest.setdefault((pk, run.test_set_id), run)
    figures: dict[int, tuple] = {}

    def outcome(run: Run, pk: int, test_set: TestSet) -> TestSetGate:
        if run.id not in figures:
            gate = gate_outcome(session, run)
            totals = column_totals(session, run)
            figures[run.id] = (gate, totals)
        gate, totals = figures[run.id]
        mine = [t for t in totals if t.column.version_pk == pk]
        means = [t.mean_score for t in mine if t.mean_score is not None]
        score = sum(means) / len(means) if means else None
        if gate.threshold is None:
            status = GateStatus.UNGATED
        else:
            failing = any(c.version_pk == pk for c, _ in gate.failing)
            status = GateStatus.FAILED if failing else GateStatus.PASSED
        return TestSetGate(test_set.name, status, run.id, score, gate.threshold, run.finished_at)

    out: dict[int, Gate] = {}
    for pk, version in versions.items():
        ids = {s.id for s in attached.get(version.prompt_id, [])}
        ids |= {ts for (vpk, ts) in latest if vpk == pk}
        tests = []
        for ts_id in sorted(ids, key=lambda i: sets[i].name if i in sets else ""):
            if ts_id not in sets:
                continue
            run = latest.get((pk, ts_id))
            tests.append(outcome(run, pk, sets[ts_id]) if run is not None
                         else TestSetGate(sets[ts_id].name, GateStatus.NOT_RUN))
        out[pk] = Gate(tuple(tests))
    return out
