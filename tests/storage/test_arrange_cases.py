"""`arrange_cases`: the test-set editor's save after an insert, delete or move, by ids only."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event, text

from storage.workspace import testsets
from storage.workspace.db import Workspace

Data = testsets.CaseData


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "arrange.promptpress")
    yield workspace
    workspace.close()


def make_set(ws, n: int) -> tuple[int, list[int]]:
    with ws.session() as s:
        ts = testsets.create_test_set(s, "gold")
        testsets.append_cases(s, ts, [Data({"q": f"q{i}"}, f"e{i}") for i in range(n)])
        return ts.id, testsets.case_ids(s, ts.id)


def stored(ws, set_id: int) -> list[tuple[int, int, str, str | None]]:
    with ws.session() as s:
        return [(case_id, position, data.variables["q"], data.expected)
                for (case_id, data), position in zip(
                    testsets.case_page(s, set_id, 0, 10**6),
                    s.execute(text("SELECT position FROM test_cases WHERE test_set_id = :s "
                                   "ORDER BY position"), {"s": set_id}).scalars())]


def test_insert_delete_move_and_edit_by_ids(ws):
    set_id, ids = make_set(ws, 100)
    order: list[testsets.Arranged] = list(ids)
    del order[40]                                             # delete q40
    order.insert(0, (None, Data({"q": "first ✨"}, None, "new")))  # insert at the top
    order.insert(70, order.pop(10))                           # move q9 down
    order[5] = (ids[4], Data({"q": "שלום  "}, "edited"))      # edit q4 in place
    with ws.session() as s:
        written = testsets.arrange_cases(s, set_id, order)
    new_id = written[0]
    assert written == [new_id, ids[4]] and new_id not in ids
    rows = stored(ws, set_id)
    want = [f"q{i}" for i in range(100) if i != 40]
    want.remove("q9")
    want.insert(69, "q9")
    want.insert(0, "first ✨")
    want[5] = "שלום  "
    assert [q for _, _, q, _ in rows] == want
    assert [p for _, p, _, _ in rows] == list(range(100))
    assert [i for i, *_ in rows] == [item if isinstance(item, int) else
                                     (new_id if item[0] is None else item[0]) for item in order]
    assert rows[5][3] == "edited"


def test_a_large_shift_is_a_few_statements_not_one_per_case(ws):
    set_id, ids = make_set(ws, 2000)
    statements: list[tuple[str, int]] = []

    def count(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.lstrip().upper().startswith(("UPDATE", "DELETE", "INSERT")):
            statements.append((statement, len(parameters) if executemany else 1))

    event.listen(ws.engine, "before_cursor_execute", count)
    try:
        with ws.session() as s:
            testsets.arrange_cases(s, set_id, [(None, Data({"q": "top"}))] + ids[:999] + ids[1000:])
    finally:
        event.remove(ws.engine, "before_cursor_execute", count)
    assert sum(n for _, n in statements) < 10, statements
    rows = stored(ws, set_id)
    assert [q for _, _, q, _ in rows] == ["top"] + [f"q{i}" for i in range(2000) if i != 999]
    assert [p for _, p, _, _ in rows] == list(range(2000))


def test_random_arrangements_match_the_order_asked(ws):
    set_id, ids = make_set(ws, 300)
    rng = random.Random(7)
    expect = {case_id: (f"q{i}", f"e{i}") for i, case_id in enumerate(ids)}
    current: list[int] = list(ids)
    for round_ in range(12):
        order: list[testsets.Arranged] = list(current)
        for _ in range(rng.randint(1, 6)):
            kind = rng.choice(["move", "delete", "insert", "block"])
            if kind == "move" and order:
                order.insert(rng.randrange(len(order)), order.pop(rng.randrange(len(order))))
            elif kind == "delete" and order:
                del order[rng.randrange(len(order))]
            elif kind == "insert":
                order.insert(rng.randrange(len(order) + 1),
                             (None, Data({"q": f"new{round_}"}, f"n{round_}")))
            elif len(order) > 40:  # a stretch of 30 moved together
                start = rng.randrange(len(order) - 30)
                block = order[start:start + 30]
                del order[start:start + 30]
                at = rng.randrange(len(order) + 1)
                order[at:at] = block
        with ws.session() as s:
            written = iter(testsets.arrange_cases(s, set_id, order))
        current = []
        for item in order:
            if isinstance(item, int):
                current.append(item)
            else:
                case_id = next(written)
                expect[case_id] = (item[1].variables["q"], item[1].expected)
                current.append(case_id)
        rows = stored(ws, set_id)
        assert [i for i, *_ in rows] == current
        assert [(q, e) for _, _, q, e in rows] == [expect[i] for i in current]
        assert [p for _, p, _, _ in rows] == list(range(len(current)))


def test_duplicate_positions_are_still_put_in_order(ws):
    set_id, ids = make_set(ws, 60)
    with ws.session() as s:  # an older file: two cases share every position
        s.execute(text("UPDATE test_cases SET position = position / 2 WHERE test_set_id = :s"),
                  {"s": set_id})
    order = ids[1::2] + ids[0::2]  # the second of each pair first: a stretch of 30 moves
    with ws.session() as s:
        testsets.arrange_cases(s, set_id, order)
    assert [i for i, *_ in stored(ws, set_id)] == order


def test_cases_deleted_elsewhere_stay_deleted_and_an_undone_delete_comes_back(ws):
    set_id, ids = make_set(ws, 10)
    with ws.session() as s:  # another window deletes q3 and q7
        s.execute(text("DELETE FROM test_cases WHERE id IN (:a, :b)"), {"a": ids[3], "b": ids[7]})
    order: list[testsets.Arranged] = list(ids)
    order[7] = (ids[7], Data({"q": "q7"}, "e7"))  # this window still has q7, read: it is written
    with ws.session() as s:
        written = testsets.arrange_cases(s, set_id, order)
    assert written[0] not in ids
    rows = stored(ws, set_id)
    assert [q for _, _, q, _ in rows] == [f"q{i}" for i in range(10) if i != 3]
    with ws.session() as s:
        with pytest.raises(testsets.TestSetError, match="deleted"):
            testsets.arrange_cases(s, 10_000, [])
