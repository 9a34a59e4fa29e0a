"""Test sets and their cases: rows of variable values, expected output, notes and tags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Prompt, TestCase, TestSet, utcnow


class TestSetError(Exception):
    """A request about test sets the user can fix."""

    __test__ = False


@dataclass(frozen=True, slots=True)
class CaseData:
    """One row as plain data: what import, export, the grid editor and the runner exchange."""

    variables: Mapping[str, Any] = field(default_factory=dict)
    expected: str | None = None
    notes: str = ""
    tags: Sequence[str] = ()

    @classmethod
    def of(cls, case: TestCase) -> "CaseData":
        return cls(dict(case.variables or {}), case.expected, case.notes or "", tuple(case.tags or ()))


def list_test_sets(session: Session) -> list[tuple[TestSet, int]]:
    counts = (select(TestCase.test_set_id, func.count(TestCase.id).label("n"))
              .group_by(TestCase.test_set_id).subquery())
    rows = session.execute(
        select(TestSet, counts.c.n).outerjoin(counts, counts.c.test_set_id == TestSet.id)
        .order_by(TestSet.name)
    ).all()
    return [(ts, n or 0) for ts, n in rows]


def all_test_sets(session: Session) -> dict[int, TestSet]:
    """Every test set, by id."""
    return {s.id: s for s in session.scalars(select(TestSet))}


def get_test_set(session: Session, name: str) -> TestSet | None:
    return session.scalar(select(TestSet).where(TestSet.name == name))


def require_test_set(session: Session, name: str) -> TestSet:
    test_set = get_test_set(session, name)
    if test_set is None:
        raise TestSetError(
            f"There is no test set named {name!r}. `promptpress testset list` shows them."
        )
    return test_set


def create_test_set(
    session: Session,
    name: str,
    *,
    prompt: Prompt | None = None,
    description: str = "",
    min_score: float | None = None,
    evaluators: Sequence[str] = (),
) -> TestSet:
    name = name.strip()
    if not name:
        raise TestSetError("A test set needs a name.")
    if get_test_set(session, name) is not None:
        raise TestSetError(f"A test set named {name!r} exists already.")
    check_min_score(min_score)
    test_set = TestSet(name=name, prompt_id=prompt.id if prompt else None, description=description,
                       min_score=min_score, evaluators=list(evaluators))
    session.add(test_set)
    session.flush()
    return test_set


def check_min_score(min_score: float | None) -> None:
    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise TestSetError(f"A minimum score is between 0 and 1, not {min_score}.")


def cases(session: Session, test_set: TestSet) -> list[TestCase]:
    return list(session.scalars(
        select(TestCase).where(TestCase.test_set_id == test_set.id).order_by(TestCase.position)
    ))


def cases_by_id(session: Session, case_ids: Iterable[int]) -> dict[int, TestCase]:
    """The cases with these ids (of any test set) that still exist, by id."""
    ids = list(case_ids)
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(TestCase).where(TestCase.id.in_(ids)))}


def replace_cases(session: Session, test_set: TestSet, rows: Iterable[CaseData]) -> int:
    """Replace every case with `rows`, in the caller's transaction: all of them or none."""
    for case in cases(session, test_set):
        session.delete(case)
    session.flush()
    n = append_cases(session, test_set, rows)
    return n


def append_cases(session: Session, test_set: TestSet, rows: Iterable[CaseData]) -> int:
    start = session.scalar(
        select(func.coalesce(func.max(TestCase.position), -1)).where(TestCase.test_set_id == test_set.id)
    ) + 1
    n = 0
    for n, row in enumerate(rows, 1):
        session.add(TestCase(
            test_set_id=test_set.id, position=start + n - 1, variables=dict(row.variables),
            expected=row.expected, notes=row.notes, tags=list(row.tags),
        ))
    test_set.updated_at = utcnow()
    session.flush()
    return n


def content_hash(rows: Iterable[CaseData]) -> str:
    """A hash of what a run's results depend on: each case's variables and expected output."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(
            {"variables": dict(row.variables), "expected": row.expected},
            sort_keys=True, ensure_ascii=False, separators=(",", ":"),
        ).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
