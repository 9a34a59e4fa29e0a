"""The run panel and the run grid: a real run against the loopback model server fills the grid
cell by cell; filters, totals, human ratings, cancel and resume."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.ui.evaluation.grid_model import CellRole, RunGridModel, StatusRole, TotalsRole
from desktop.ui.evaluation.run_grid import RunGridView
from desktop.ui.evaluation.run_panel import RunPanel
from storage.workspace import prompts, runs, testsets
from storage.workspace.models import Score
from tests.ui.conftest import save_prompt

NAMES = ["Ann", "Bob", "Cy", "Dee"]


@pytest.fixture
def python_threads(aio):
    """The runner's `asyncio.to_thread` calls on Python threads rather than qasync's QThreads:
    `threading.current_thread()` on a QThread registers a _DummyThread that never goes away,
    which the leak check would report."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="eval-test")
    aio.loop.set_default_executor(pool)
    yield pool
    pool.shutdown(wait=True)


def make_eval_workspace(workspace, *, cases=NAMES, specs=("regex:Hi|Ann",)):
    save_prompt(workspace, "greet", ("user", "Hi {{ name }}"))
    save_prompt(workspace, "greet", ("user", "Hello {{ name }}"))
    with workspace.session() as s:
        ts = testsets.create_test_set(s, "gold", prompt=prompts.get_prompt(s, "greet"),
                                      evaluators=specs)
        rows = [testsets.CaseData({"name": n}, f"Echo: Hi {n}") for n in cases]
        rows.append(testsets.CaseData({}, None, "no name: the template cannot render"))
        testsets.append_cases(s, ts, rows)


@pytest.fixture
def screens(aio, workspace, provider, python_threads):
    make_eval_workspace(workspace)
    panel = RunPanel(workspace)
    grid = RunGridView(workspace, rater="tester")
    panel.started.connect(grid.open_run)
    panel.result_arrived.connect(grid.apply_result)
    panel.finished.connect(lambda outcome: grid.run_finished(outcome.run_id))
    panel.resize(900, 700)
    grid.resize(1400, 900)
    panel.show()
    grid.show()
    aio.run(panel.load_async("greet"))
    yield panel, grid
    panel.shutdown()
    grid.shutdown()
    aio.run(panel.tasks.wait())
    aio.run(grid.tasks.wait())
    for w in (panel, grid):
        w.close()
        w.deleteLater()


def check_all_versions(panel):
    for i in range(panel.versions.count()):
        panel.versions.item(i).setCheckState(Qt.CheckState.Checked)


def test_grid_fills_live_from_a_real_run(aio, screens, workspace):
    panel, grid = screens
    check_all_versions(panel)
    assert panel.start_button.isEnabled()
    changes, resets = [], []

    def watch(run_id):
        grid.model.dataChanged.connect(lambda a, b, roles=(): changes.append((a.row(), a.column(),
                                                                             b.row(), b.column())))
        grid.model.modelReset.connect(lambda: resets.append(1))
        grid.model.rowCount()
        for r in range(grid.model.rowCount()):  # pages on screen get live updates
            grid.model.grid_row(r)

    panel.started.connect(watch)
    outcome = aio.run(panel.start_async(panel.request()), timeout=60)
    assert outcome is not None and outcome.status == "finished"
    live = [c for c in changes if c[0] == c[2] and c[1] == c[3]]
    assert len(live) == 10  # one dataChanged per cell: 5 cases x 2 columns
    assert resets == []  # results arrive cell by cell, never by resetting the table
    model = grid.model
    assert model.rowCount() == 5 and model.columnCount() == 3
    aio.wait(lambda: all(model.totals()), what="column totals")
    totals = model.totals()
    assert [t.passed for t in totals] == [4, 1] and [t.errors for t in totals] == [1, 1]
    statuses = [[model.index(r, c).data(StatusRole) for c in (1, 2)] for r in range(5)]
    assert statuses[0] == ["pass", "pass"] and statuses[1] == ["pass", "fail"]
    assert statuses[4] == ["error", "error"]
    assert "Hi Ann" in model.index(0, 1).data()
    header = model.headerData(1, Qt.Orientation.Horizontal)
    assert "pass 80%" in header and "typical" in header and "slow" in header
    assert "Finished" in panel.progress_label.text()


def test_filters_failures_errors_disagree_and_search(aio, screens):
    panel, grid = screens
    check_all_versions(panel)
    aio.run(panel.start_async(panel.request()), timeout=60)
    model = grid.model

    def shown():
        return [model.index(r, 0).data(Qt.ItemDataRole.DisplayRole) for r in
                range(model.rowCount())]

    grid.set_filter("failures")
    aio.run(grid.refilter_async())
    assert shown() == ["name: Bob", "name: Cy", "name: Dee", "(no variables)"]
    grid.set_filter("errors")
    aio.run(grid.refilter_async())
    assert shown() == ["(no variables)"]
    grid.set_filter("disagree")
    aio.run(grid.refilter_async())
    assert shown() == ["name: Bob", "name: Cy", "name: Dee"]
    assert "3 of 5 cases" in grid.count_label.text()
    grid.search.setText("cy")
    aio.run(grid.refilter_async())
    assert shown() == ["name: Cy"]
    grid.set_filter(None)
    grid.search.setText("")
    aio.run(grid.refilter_async())
    assert model.rowCount() == 5


def test_human_rating_is_stored_and_changes_the_score(aio, screens, workspace):
    panel, grid = screens
    check_all_versions(panel)
    aio.run(panel.start_async(panel.request()), timeout=60)
    grid.select_cell(1, 1)  # Bob on the first column: passed
    panel_ = grid.panel
    assert panel_.result_id is not None and panel_.save_button.isEnabled()
    panel_.down.setChecked(True)
    panel_.comment.setText("too curt")
    combined = aio.run(panel_.rate_async(panel_.result_id, panel_.rating()))
    assert combined.passed is False
    with workspace.session() as s:
        human = s.query(Score).filter_by(kind="human").one()
        assert human.rater == "tester" and human.passed is False
        assert human.details["comment"] == "too curt"
    aio.wait(lambda: grid.model.index(1, 1).data(StatusRole) == "fail", what="row reloaded")
    assert grid.model.index(1, 1).data(CellRole).score == pytest.approx(0.5)


def test_cancel_then_resume_runs_only_missing_cells(aio, screens, fake_provider, workspace):
    panel, grid = screens
    fake_provider.set_latency(0.3)
    panel.concurrency.setValue(1)
    task = panel.tasks.spawn(panel.start_async(panel.request()))
    aio.wait(lambda: panel._progress is not None and panel._progress.done >= 1, timeout=20,
             what="first result")
    panel.cancel()
    outcome = aio.run(task, timeout=20)
    assert outcome.status == "cancelled" and outcome.done < 5
    assert panel.resume_box.isVisible() and panel.resumable.count() == 1
    fake_provider.set_latency(0.0)
    resumed = aio.run(panel.resume_async(outcome.run_id), timeout=30)
    assert resumed.resumed and resumed.done == 5 - outcome.done
    with workspace.session() as s:
        assert runs.missing_cells(s, runs.get_run(s, outcome.run_id)) == []
    assert grid.model.run_id == outcome.run_id
    aio.wait(lambda: all(t is not None and t.done == 5 for t in grid.model.totals()),
             what="totals after resume")


def test_start_refused_with_a_clear_message(aio, screens, workspace):
    panel, _grid = screens
    row = panel.specs.add("regex", "([")
    assert not panel.start_button.isEnabled()
    assert not row.problem.isHidden() and "regular expression" in row.problem.text()
    panel.specs.set_text("contains:x")
    panel.specs.changed.emit()
    request = panel.request()
    from desktop.core import providers as core_providers
    core_providers.remove_provider(workspace, "fake")
    assert aio.run(panel.start_async(request)) is None
    assert "did not start" in panel.message.text() and "fake" in panel.message.text()


def stored_run(workspace, n_rows, columns=(("fast", 0),), scores=True):
    """A run written straight through the ResultWriter (no model calls)."""
    from storage.workspace.models import Version

    make_eval_workspace(workspace, cases=[f"n{i}" for i in range(n_rows)])
    with workspace.session() as s:
        ts = testsets.require_test_set(s, "gold")
        cases = testsets.cases(s, ts)
        versions = list(s.query(Version).order_by(Version.pk))
        run = runs.create_run(s, test_set=ts, case_ids=[c.id for c in cases], test_set_hash="x",
                              versions=versions, providers=[{"name": "fast", "model": "m"}])
        run_id = run.id
        pks = [v.pk for v in versions]
    writer = runs.ResultWriter(workspace.engine, run_id)
    for i, case in enumerate(cases):
        for pk in pks:
            passed = (i + pk) % 3 != 0
            writer.put(runs.ResultRecord(
                row=i, case_id=case.id, version_pk=pk, provider="fast", model="m",
                output=f"answer {i} " + "word " * 40, tokens_in=10, tokens_out=20, cost=0.0001,
                latency_ms=100 + i, score=1.0 if passed else 0.0, passed=passed,
                scores=(runs.ScoreRecord("contains:answer", 1.0 if passed else 0.0, passed),)
                if scores else ()))
    writer.close()
    return run_id


def test_grid_model_passes_qtmodeltester(qtmodeltester, workspace):
    run_id = stored_run(workspace, 30)
    model = RunGridModel(workspace, run_id, page_size=7, max_pages=2)
    qtmodeltester.check(model, force_py=True)
    model.set_rows([1, 5, 9])
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 3
    assert model.headerData(2, Qt.Orientation.Vertical) == "10"


def test_grid_reads_pages_lazily_and_keeps_few(workspace):
    run_id = stored_run(workspace, 500)
    model = RunGridModel(workspace, run_id, page_size=50, max_pages=3)
    assert model.rowCount() == 501 and model.pages_loaded == 0
    assert model.index(0, 1).data(StatusRole) in ("pass", "fail")
    assert model.pages_loaded == 1
    for r in range(0, 501, 50):
        model.index(r, 1).data(CellRole)
    assert model.pages_loaded == 11 and len(model._pages) == 3
    totals = model.load_totals()
    model.set_totals(totals)
    assert model.headerData(1, Qt.Orientation.Horizontal, TotalsRole).done == 501
