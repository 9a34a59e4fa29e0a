"""The run grid at scale, in small: pages come back in order, sorting by score and the
failures filter run off the GUI thread and match an in-memory sort, cancelling leaves the grid
as it was, and the frozen case column stays aligned while the grid scrolls both ways."""

from __future__ import annotations

import asyncio
import threading

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtTest import QTest
from sqlalchemy import text

from desktop.core.ops.runs import RunGrid
from desktop.ui.evaluation.grid_model import GridRowRole, RunGridModel
from desktop.ui.evaluation.run_grid import RunGridView
from storage.workspace import runs
from tests.ui.test_evaluation_grid import python_threads, stored_run  # noqa: F401

ROWS = 1200


def scored_run(workspace) -> int:
    """`ROWS` cases x 2 columns with scores spread over [0, 1], ties and a few errors."""
    run_id = stored_run(workspace, ROWS - 1)  # the helper adds a case without variables
    with workspace.session() as s:
        s.execute(text("UPDATE results SET score = ((row * 37 + version_pk * 11) % 23) / 22.0, "
                       "passed = ((row * 37 + version_pk * 11) % 23) >= 8 WHERE run_id = :r"),
                  {"r": run_id})
        s.execute(text("UPDATE results SET score = NULL, passed = NULL, error_kind = 'timeout', "
                       "output = NULL, error_message = 'took too long' WHERE run_id = :r AND "
                       "row % 97 = 5"), {"r": run_id})
    return run_id


def in_memory(workspace, run_id, column, descending, failures_only=False):
    with workspace.session() as s:
        cells = s.execute(text("SELECT row, version_pk, provider, score, passed, error_kind "
                               "FROM results WHERE run_id = :r"), {"r": run_id}).all()
    keep = range(ROWS)
    if failures_only:
        keep = sorted({c[0] for c in cells if c[4] == 0 or c[5] is not None})
    score = {c[0]: c[3] for c in cells if (c[1], c[2]) == column}
    with_score = [r for r in keep if score.get(r) is not None]
    without = [r for r in keep if score.get(r) is None]
    sign = -1 if descending else 1
    return sorted(with_score, key=lambda r: (sign * score[r], r)) + without


@pytest.fixture
def grid(aio, workspace, python_threads):  # noqa: F811
    run_id = scored_run(workspace)
    view = RunGridView(workspace)
    view.resize(1400, 900)
    view.show()
    view.open_run(run_id)
    aio.run(view.tasks.wait())
    yield view
    view.shutdown()
    aio.run(view.tasks.wait())
    view.close()
    view.deleteLater()


def shown_rows(model) -> list[int]:
    return [model.row_number(p) for p in range(model.rowCount())]


def click_header(aio, view, section):
    header = view.header
    x = header.sectionViewportPosition(section) + 20
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 20))
    aio.run(view.tasks.wait())


def test_paging_returns_the_right_rows_in_order(workspace):
    run_id = scored_run(workspace)
    model = RunGridModel(workspace, run_id, page_size=50, max_pages=3)
    for position in (0, 49, 50, 51, 777, ROWS - 2, 333, 0):
        row = model.index(position, 0).data(GridRowRole)
        assert row.row == position and row.variables == {"name": f"n{position}"}
    order = in_memory(workspace, run_id, (model.columns[1].key), True)
    model.set_rows(order)
    for position in (0, 1, 60, 500, 1100, ROWS - 1):
        assert model.index(position, 1).data(GridRowRole).row == order[position]
    assert len(model._pages) <= 3


def test_sorting_by_a_header_click_matches_an_in_memory_sort(aio, grid, workspace):
    model = grid.model
    second = model.columns[1].key
    click_header(aio, grid, 2)
    assert shown_rows(model) == in_memory(workspace, model.run_id, second, False)
    assert "lowest first" in grid.count_label.text()
    click_header(aio, grid, 2)
    assert shown_rows(model) == in_memory(workspace, model.run_id, second, True)
    assert grid.header.sort == (second, True)
    assert not grid.progress.isVisible()  # progress went away when the work ended
    # Sorted, then filtered to failures: still the same order as in memory.
    grid.filter_buttons["failures"].click()
    aio.run(grid.tasks.wait())
    assert shown_rows(model) == in_memory(workspace, model.run_id, second, True, True)
    # The case column goes back to the run's order, keeping the filter.
    click_header(aio, grid, 0)
    assert shown_rows(model) == in_memory(workspace, model.run_id, None, False, True)
    first = model.index(0, 2).data(GridRowRole)
    assert first.row == shown_rows(model)[0]


def test_failures_filter_in_steps_matches_one_query(workspace):
    run_id = scored_run(workspace)
    with workspace.session() as s:
        steps = []
        stepwise = runs.filter_rows_stepwise(s, run_id, "failures", step_rows=100,
                                             progress=lambda d, t: steps.append((d, t)) or True)
        whole = sorted({r[0] for r in s.execute(text(
            "SELECT row FROM results WHERE run_id = :r AND (passed = 0 OR error_kind IS NOT "
            "NULL)"), {"r": run_id})})
    assert stepwise == whole and len(whole) > 100
    assert steps[0] == (0, ROWS) and steps[-1] == (ROWS, ROWS) and len(steps) == 13


def test_cancelling_stops_the_work_and_keeps_the_order(aio, grid, workspace):
    model = grid.model
    source = RunGrid(workspace, model.run_id)
    calls = []

    def stop_after_two(done, total):
        calls.append(done)
        return len(calls) < 2

    with pytest.raises(runs.Cancelled):
        source.arrange("failures", None, (model.columns[0].key, False), stop_after_two)
    assert len(calls) == 2
    # Through the grid: the person presses Cancel while the sort is under way (the thread
    # waits at its first step until then), and the rows stay as they were.
    before = shown_rows(model)
    pressed = threading.Event()
    original = model.arranged_rows

    def held(kind, search, sort, progress):
        def hold(done, total):
            pressed.wait(10)
            return progress(done, total)
        return original(kind, search, sort, hold)

    model.arranged_rows = held
    grid._sort = (model.columns[0].key, False)
    task = grid.tasks.spawn(grid.refilter_async())
    aio.run(wait_for(grid.cancel_button.isVisible))
    assert grid.progress.isVisible() and "Sorting" in grid.progress_label.text()
    QTest.mouseClick(grid.cancel_button, Qt.MouseButton.LeftButton)
    pressed.set()
    aio.run(task)
    assert shown_rows(model) == before
    assert "cancelled" in grid.count_label.text() and not grid.cancel_button.isVisible()


async def wait_for(condition, timeout=5.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.01)


def test_frozen_case_column_stays_aligned(aio, grid):
    table = grid.table
    frozen = table.frozen
    assert frozen.isVisible() and frozen.columnWidth(0) == table.columnWidth(0)
    # The frozen column, its header included, is drawn above the main view's header.
    children = table.children()
    assert children.index(frozen) > children.index(table.horizontalHeader())
    assert all(frozen.isColumnHidden(c) for c in range(1, grid.model.columnCount()))
    table.horizontalScrollBar().setValue(table.horizontalScrollBar().maximum())
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum() // 2)
    QCoreApplication.processEvents()
    assert table.horizontalScrollBar().value() > 0
    assert table.columnViewportPosition(0) < 0  # the main view's case column scrolled away
    assert frozen.columnViewportPosition(0) == 0  # the frozen one did not
    assert frozen.verticalScrollBar().value() == table.verticalScrollBar().value()
    row = table.rowAt(table.viewport().height() // 2)
    assert frozen.rowAt(frozen.viewport().height() // 2) == row
    assert frozen.rowViewportPosition(row) == table.rowViewportPosition(row)
    assert frozen.viewport().height() == table.viewport().height()
    # Scrolling the frozen column (a wheel over it) moves the grid too.
    frozen.verticalScrollBar().setValue(frozen.verticalScrollBar().value() + 500)
    assert table.verticalScrollBar().value() == frozen.verticalScrollBar().value()
    # Resizing the case column resizes the frozen one; a sort keeps the columns hidden.
    table.horizontalHeader().resizeSection(0, 300)
    assert frozen.columnWidth(0) == 300 and frozen.width() == 300
    click_header(aio, grid, 1)
    assert all(frozen.isColumnHidden(c) for c in range(1, grid.model.columnCount()))
    assert frozen.columnWidth(0) == 300


def test_big_grid_screenshot_scrolled_sideways(aio, workspace, python_threads):  # noqa: F811
    """Journey 9's picture: many rows, wide result columns, scrolled right past the first result
    columns, the case column frozen at the left, Arabic cases and outputs among them."""
    from tests.ui.real_app import snap

    run_id = stored_run(workspace, 3000)
    with workspace.session() as s:
        s.execute(text("UPDATE results SET output = 'شكرا لتواصلك معنا، سنعيد المبلغ خلال خمسة "
                       "أيام عمل. الطلب رقم ' || row WHERE run_id = :r AND row % 3 = 1"),
                  {"r": run_id})
        s.execute(text("UPDATE test_cases SET variables = json_object('name', 'نور ' || "
                       "position) WHERE position % 3 = 1"))
    view = RunGridView(workspace)
    view.resize(1400, 900)
    view.show()
    view.open_run(run_id)
    aio.run(view.tasks.wait())
    click_header(aio, view, 2)  # sorted by the second column's score, lowest first
    for section in (1, 2):
        view.header.resizeSection(section, 560)
    QCoreApplication.processEvents()
    view.table.horizontalScrollBar().setValue(view.table.horizontalScrollBar().maximum())
    view.table.verticalScrollBar().setValue(24 * 1000)
    QCoreApplication.processEvents()
    assert view.table.columnViewportPosition(0) < 0 < view.table.horizontalScrollBar().value()
    snap(view, "journey9-big-grid")
    view.shutdown()
    aio.run(view.tasks.wait())
    view.close()
    view.deleteLater()
