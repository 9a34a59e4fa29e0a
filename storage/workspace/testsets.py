"""Test sets and their cases: rows of variable values, expected output, notes and tags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from .db import raw_cursor
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


def case_rows(session: Session, test_set: TestSet) -> list[tuple[int, CaseData]]:
    """(case id, its data) for every case in order, read as plain columns (no ORM objects)."""
    rows = session.execute(
        select(TestCase.id, TestCase.variables, TestCase.expected, TestCase.notes, TestCase.tags)
        .where(TestCase.test_set_id == test_set.id).order_by(TestCase.position)).all()
    return [(i, CaseData(dict(v or {}), e, n or "", tuple(g or ()))) for i, v, e, n, g in rows]


def case_count(session: Session, test_set_id: int) -> int:
    return session.scalar(text("SELECT count(*) FROM test_cases WHERE test_set_id = :s"),
                          {"s": test_set_id}) or 0


def variable_names(session: Session, test_set_id: int) -> list[str]:
    """Every variable name the set's cases use, in order of first appearance, without reading
    the cases into Python (SQLite's json_each over the stored JSON: ~200 ms at 100,000 cases,
    so the editor asks for it after opening)."""
    firsts = session.execute(text(
        "SELECT j.key, MIN(c.position) FROM test_cases AS c, json_each(c.variables) AS j "
        "WHERE c.test_set_id = :s GROUP BY j.key"), {"s": test_set_id}).all()
    by_position: dict[int, set[str]] = {}
    for key, position in firsts:
        by_position.setdefault(position, set()).add(key)
    names: list[str] = []
    for position in sorted(by_position):
        keys = by_position[position]
        if len(keys) > 1:  # several first seen in one case: that case's own order
            stored = session.scalar(text(
                "SELECT variables FROM test_cases WHERE test_set_id = :s AND position = :p"),
                {"s": test_set_id, "p": position})
            order = list(json.loads(stored or "{}"))
            names.extend(sorted(keys, key=lambda k: order.index(k) if k in order else len(order)))
        else:
            names.extend(keys)
    return names


def case_page(session: Session, test_set_id: int, start: int,
              count: int) -> list[tuple[int, CaseData]]:
    """(case id, data) of the cases ranked start..start+count in the set's order: a page of
    the editor, read from the (test set, position) index without reading the ones before."""
    rows = session.execute(text(
        "SELECT id, variables, expected, notes, tags FROM test_cases WHERE test_set_id = :s "
        "ORDER BY position LIMIT :n OFFSET :o"), {"s": test_set_id, "n": count, "o": start})
    return [(i, _decoded(v, e, n, g)) for i, v, e, n, g in rows]


def _decoded(variables: str | None, expected: str | None, notes: str | None,
             tags: str | None) -> CaseData:
    """A case from its stored columns, read as text (JSON decoded here, no ORM objects)."""
    return CaseData(json.loads(variables or "{}"), expected, notes or "",
                    tuple(json.loads(tags or "[]")))


def case_ids(session: Session, test_set_id: int) -> list[int]:
    """Every case's id in the set's order, read from the (test set, position) index alone:
    what the editor holds for the cases it has not read (100,000 ids, a few megabytes)."""
    cursor = raw_cursor(session)
    cursor.execute("SELECT id FROM test_cases WHERE test_set_id = ? ORDER BY position",
                   (test_set_id,))
    return [case_id for (case_id,) in cursor.fetchall()]


def cases_data(session: Session, test_set_id: int,
               ids: Sequence[int]) -> dict[int, CaseData]:
    """The data of these cases of the set, by id (one query per 500); a case deleted meanwhile
    is missing from the answer."""
    statement = text("SELECT id, variables, expected, notes, tags FROM test_cases "
                     "WHERE test_set_id = :s AND id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    out: dict[int, CaseData] = {}
    for i in range(0, len(ids), 500):
        for case_id, v, e, n, g in session.execute(
                statement, {"s": test_set_id, "ids": list(ids[i:i + 500])}):
            out[case_id] = _decoded(v, e, n, g)
    return out


def case_variables(session: Session, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The variables of these cases, by id: one light query per 500 ids (the compare view)."""
    ids = sorted(set(case_ids))
    statement = text("SELECT id, variables FROM test_cases WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    out: dict[int, dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        for case_id, variables in session.execute(statement, {"ids": ids[i:i + 500]}):
            out[case_id] = json.loads(variables or "{}")
    return out


def first_rows(session: Session, limit: int) -> list[tuple[str, list[tuple[int, dict]]]]:
    """Each test set's name with the position and variables of its first `limit` cases."""
    out = []
    for test_set in session.scalars(select(TestSet).order_by(TestSet.name)):
        rows = session.execute(
            select(TestCase.position, TestCase.variables)
            .where(TestCase.test_set_id == test_set.id)
            .order_by(TestCase.position).limit(limit)).all()
        out.append((test_set.name, [(p, dict(v or {})) for p, v in rows]))
    return out


def sync_cases(session: Session, test_set_id: int,
               rows: Sequence[tuple[int | None, CaseData]]) -> list[int]:
    """Make the stored cases exactly `rows` (case id or None for a new case, and its data), in
    order, in the caller's transaction. Cases not listed are deleted; unchanged ones are not
    written. Returns each row's case id."""
    test_set = session.get(TestSet, test_set_id)
    if test_set is None:
        raise TestSetError("This test set was deleted; nothing was saved.")
    existing = {c.id: c for c in session.scalars(
        select(TestCase).where(TestCase.test_set_id == test_set_id))}
    keep = {case_id for case_id, _ in rows if case_id in existing}
    for case_id, case in existing.items():
        if case_id not in keep:
            session.delete(case)
    session.flush()
    cases: list[TestCase] = []
    for position, (case_id, data) in enumerate(rows):
        case = existing.get(case_id) if case_id is not None else None
        values = dict(data.variables)
        if case is None:
            case = TestCase(test_set_id=test_set_id, position=position, variables=values,
                            expected=data.expected, notes=data.notes, tags=list(data.tags))
            session.add(case)
        else:
            if case.position != position:
                case.position = position
            if case.variables != values:
                case.variables = values
            if case.expected != data.expected:
                case.expected = data.expected
            if case.notes != data.notes:
                case.notes = data.notes
            if list(case.tags or ()) != list(data.tags):
                case.tags = list(data.tags)
        cases.append(case)
    session.flush()
    test_set.updated_at = utcnow()
    return [case.id for case in cases]


# One entry of `arrange_cases`: a stored case's id (it stays as it is, only its place may
# change), or (its id or None, data): a case to write, added when it is not stored (new, or put
# back by an undo after its delete was saved).
Arranged = int | tuple[int | None, CaseData]


def arrange_cases(session: Session, test_set_id: int,
                  order: Sequence[Arranged]) -> list[int]:
    """Make the set's cases `order`, in the caller's transaction, without reading the cases:
    stored cases not in `order` are deleted, the data of the entries given with data is
    written, and a case's position changes only where it moved (a stretch of cases that moved
    together is one UPDATE, so an insert above 100,000 cases writes their positions in SQLite,
    not one by one). A stored case another window deleted meanwhile stays deleted. Returns
    the ids of the entries given with data, in order."""
    test_set = session.get(TestSet, test_set_id)
    if test_set is None:
        raise TestSetError("This test set was deleted; nothing was saved.")
    cursor = raw_cursor(session)
    cursor.execute("SELECT id, position FROM test_cases WHERE test_set_id = ?", (test_set_id,))
    position_of: dict[int, int] = dict(cursor.fetchall())
    # An id no longer stored was deleted elsewhere (unread here, so unchanged): it stays gone.
    kept = [item for item in order if isinstance(item, int)]
    written = {item[0] for item in order if not isinstance(item, int) and item[0] is not None}
    keep = set(kept) | written
    gone = [case_id for case_id in position_of if case_id not in keep]
    if gone:
        session.execute(text("DELETE FROM test_cases WHERE id = :i"), [{"i": i} for i in gone])
    # Data first (by id), then positions in raw SQL: the ORM never writes a position.
    updates = [(item[0], item[1]) for item in order
               if not isinstance(item, int) and item[0] in position_of]
    if updates:
        update_cases(session, test_set_id, updates)
        session.flush()
    _move(session, test_set_id, position_of, order)
    new = [(p, item[1]) for p, item in enumerate(order)
           if not isinstance(item, int) and item[0] not in position_of]
    added = [TestCase(test_set_id=test_set_id, position=p, variables=dict(data.variables),
                      expected=data.expected, notes=data.notes, tags=list(data.tags))
             for p, data in new]
    session.add_all(added)
    session.flush()
    ids = iter(case.id for case in added)
    test_set.updated_at = utcnow()
    return [item[0] if item[0] in position_of else next(ids)  # type: ignore[index]
            for item in order if not isinstance(item, int)]


def _move(session: Session, test_set_id: int, position_of: Mapping[int, int],
          order: Sequence[Arranged]) -> None:
    """Give every stored case in `order` its index as position. A stretch of cases that moved
    together (consecutive here and in the stored order) is one UPDATE of a range of positions;
    with several stretches each goes to `-1 - position` first, below every real position, so
    no range matches a case already moved, and one UPDATE flips them all back."""
    in_order = [item if type(item) is int else item[0] for item in order]
    moves = [(new, case_id) for new, case_id in enumerate(in_order)
             if position_of.get(case_id, new) != new]  # type: ignore[arg-type]
    if not moves:
        return
    unique = len(set(position_of.values())) == len(position_of)
    stretches: list[tuple[int, int, int]] = []  # (first new position, first old, length)
    one_by_one: list[dict[str, int]] = []
    start = 0
    while start < len(moves):
        end = start + 1
        if unique:
            delta = moves[start][0] - position_of[moves[start][1]]
            while (end < len(moves) and moves[end][0] == moves[end - 1][0] + 1
                   and moves[end][0] - position_of[moves[end][1]] == delta):
                end += 1
        if end - start >= 16:
            first_new = moves[start][0]
            stretches.append((first_new, first_new - delta, end - start))
        else:
            one_by_one += [{"p": new, "i": case_id} for new, case_id in moves[start:end]]
        start = end
    cursor = raw_cursor(session)
    flip = len(stretches) > 1
    for new, old, length in stretches:
        target = "-1 - (position + ?)" if flip else "position + ?"
        cursor.execute(f"UPDATE test_cases SET position = {target} WHERE test_set_id = ? "
                       "AND position BETWEEN ? AND ?", (new - old, test_set_id, old,
                                                        old + length - 1))
    if flip:
        cursor.execute("UPDATE test_cases SET position = -1 - position "
                       "WHERE test_set_id = ? AND position < 0", (test_set_id,))
    if one_by_one:  # by id, to the final place: no range above can match them any more
        cursor.executemany("UPDATE test_cases SET position = :p WHERE id = :i", one_by_one)


def update_cases(session: Session, test_set_id: int,
                 rows: Sequence[tuple[int, CaseData]]) -> int:
    """Write these stored cases' data (by case id) and nothing else: an edit of one case in
    100,000 touches one row. Returns how many were written."""
    test_set = session.get(TestSet, test_set_id)
    if test_set is None:
        raise TestSetError("This test set was deleted; nothing was saved.")
    ids = [case_id for case_id, _ in rows]
    found = {c.id: c for c in cases_by_id(session, ids).values()
             if c.test_set_id == test_set_id}
    missing = [i for i in ids if i not in found]
    if missing:
        raise TestSetError(f"{len(missing):,} edited case(s) were deleted elsewhere; nothing "
                           "was saved. Open the test set again to see it as stored.")
    for case_id, data in rows:
        case = found[case_id]
        case.variables = dict(data.variables)
        case.expected, case.notes, case.tags = data.expected, data.notes, list(data.tags)
    test_set.updated_at = utcnow()
    return len(rows)


def append_at_end(session: Session, test_set_id: int, rows: Sequence[CaseData]) -> list[int]:
    """Add `rows` after the last case (the others are not read); their ids, in order."""
    test_set = session.get(TestSet, test_set_id)
    if test_set is None:
        raise TestSetError("This test set was deleted; nothing was saved.")
    start = session.scalar(select(func.coalesce(func.max(TestCase.position), -1))
                           .where(TestCase.test_set_id == test_set_id)) + 1
    added = [TestCase(test_set_id=test_set_id, position=start + n, variables=dict(row.variables),
                      expected=row.expected, notes=row.notes, tags=list(row.tags))
             for n, row in enumerate(rows)]
    session.add_all(added)
    test_set.updated_at = utcnow()
    session.flush()
    return [case.id for case in added]


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


def owner_name(session: Session, test_set: TestSet) -> str | None:
    """The name of the prompt the set belongs to, if any."""
    if test_set.prompt_id is None:
        return None
    return session.scalar(select(Prompt.name).where(Prompt.id == test_set.prompt_id))


def _by_id(session: Session, test_set_id: int) -> TestSet:
    test_set = session.get(TestSet, test_set_id)
    if test_set is None:
        raise TestSetError("This test set was deleted; nothing was saved.")
    return test_set


def name_of(session: Session, test_set_id: int) -> str:
    return _by_id(session, test_set_id).name


def set_settings(session: Session, test_set_id: int, min_score: float | None,
                 evaluators: Sequence[str]) -> str:
    """The set's pass mark and default evaluators; returns its name."""
    check_min_score(min_score)
    test_set = _by_id(session, test_set_id)
    test_set.min_score = min_score
    test_set.evaluators = list(evaluators)
    test_set.updated_at = utcnow()
    return test_set.name
