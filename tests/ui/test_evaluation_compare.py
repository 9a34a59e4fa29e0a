"""Blind A/B sessions and comparing runs, on runs written straight to the workspace."""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt

from desktop.ui.evaluation.blind_ab import BlindABView
from desktop.core.ops.runs import RunComparison as Comparison
from desktop.core.ops.runs import compare
from desktop.ui.evaluation.compare_view import CompareView, DeltaModel, DeltaRole
from storage.workspace import runs, testsets
from storage.workspace.models import Version
from tests.ui.conftest import save_prompt


@pytest.fixture
def python_threads(aio):
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="eval-test")
    aio.loop.set_default_executor(pool)
    yield pool
    pool.shutdown(wait=True)


def two_runs(workspace):
    """Run 1 and run 2 of `greet` v1/v2 on provider "p": in run 2, v2 regresses on case 2
    and improves on case 3."""
    save_prompt(workspace, "greet", ("user", "Hi {{ name }}"))
    save_prompt(workspace, "greet", ("user", "Hello {{ name }}"))
    with workspace.session() as s:
        ts = testsets.create_test_set(s, "gold")
        testsets.append_cases(s, ts, [testsets.CaseData({"name": n}) for n in
                                      ("Ann", "Bob", "Cy", "مريم")])
        cases = testsets.cases(s, ts)
        versions = list(s.query(Version).order_by(Version.pk))
    scores = {1: {0: [1, 1], 1: [1, 1], 2: [0, 0], 3: [1, 1]},
              2: {0: [1, 1], 1: [1, 0], 2: [0, 1], 3: [1, 1]}}
    ids = []
    for run_no in (1, 2):
        with workspace.session() as s:
            ts = testsets.require_test_set(s, "gold")
            vs = list(s.query(Version).order_by(Version.pk))
            run = runs.create_run(s, test_set=ts, case_ids=[c.id for c in cases],
                                  test_set_hash="same", versions=vs,
                                  providers=[{"name": "p", "model": "m"}])
            ids.append(run.id)
        writer = runs.ResultWriter(workspace.engine, ids[-1])
        for row, case in enumerate(cases):
            for i, version in enumerate(versions):
                value = scores[run_no][row][i]
                writer.put(runs.ResultRecord(
                    row=row, case_id=case.id, version_pk=version.pk, provider="p",
                    output=f"{'Hi' if i == 0 else 'Hello'} {case.variables['name']} ({run_no})",
                    score=float(value), passed=bool(value)))
        writer.close()
        with workspace.session() as s:
            runs.finish_run(s, ids[-1])
    return ids, [v.pk for v in versions]


def test_delta_model_passes_qtmodeltester(qtmodeltester, workspace):
    (run1, run2), (v1, v2) = two_runs(workspace)
    model = DeltaModel()
    model.set_comparison(compare(workspace, (run1, v2, "p"), (run2, v2, "p")))
    qtmodeltester.check(model, force_py=True)


def test_compare_shows_the_regression_first(aio, workspace, python_threads):
    (run1, run2), (v1, v2) = two_runs(workspace)
    view = CompareView(workspace)
    view.resize(1400, 900)
    view.show()
    try:
        aio.run(view.load_async("greet", run2), timeout=30)
        view.choose((run1, v2, "p"), (run2, v2, "p"))
        comparison = aio.run(view.compare_async())
        assert isinstance(comparison, Comparison)
        assert comparison.counts == {"same": 2, "regressed": 1, "improved": 1}
        first = view.proxy.index(0, 0).data(DeltaRole)
        assert first.change == "regressed" and first.row == 1 and first.delta == -1.0
        assert view.proxy.index(0, 1).data() == "name: Bob"
        assert view.proxy.index(0, 2).data() == "▼ worse"
        assert "1</b> got worse" in view.summary.text()
        view.only_changes.setChecked(True)
        assert view.proxy.rowCount() == 2
        assert view.proxy.index(1, 0).data(DeltaRole).change == "improved"
        assert view.plot is not None  # the chart across versions was drawn
        items = view.plot.getPlotItem().listDataItems()
        assert len(items) == 1 and list(items[0].getData()[0]) == [0, 1]
    finally:
        aio.run(view.tasks.wait())
        view.close()
        view.deleteLater()


def test_blind_ab_records_the_unblinded_preference(aio, workspace, python_threads):
    (run1, run2), (v1, v2) = two_runs(workspace)
    view = BlindABView(workspace, rater="lin")
    view.resize(1400, 900)
    view.show()
    recorded = []
    view.preference_recorded.connect(recorded.append)
    try:
        n = aio.run(view.start_async(run2, (v1, "p"), (v2, "p"), rng=random.Random(4)))
        assert n == 4
        pair = view.pair
        left_text = view.left.text.toPlainText()
        assert view.left.reveal.text() == "" and view.right.reveal.text() == ""  # blind
        record = aio.run(view.choose_async("left"))
        expected_winner = "a" if pair.a_on_left else "b"
        assert record.winner == expected_winner and record.choice == "left"
        assert record.rater == "lin"
        assert ("Hi" in left_text) == pair.a_on_left  # A is v1 ("Hi ...")
        assert view.left.reveal.text().startswith("was A" if pair.a_on_left else "was B")
        assert recorded == [record]
        with workspace.session() as s:
            stored = runs.list_preferences(s, run2)
        assert [(p.choice, p.winner) for p in stored] == [("left", expected_winner)]
        aio.run(view.next_async())
        assert view.position == 1 and not view.revealed
        for _ in range(3):
            aio.run(view.choose_async("tie"))
            aio.run(view.next_async())
        assert "won" in view.result_label.text() and "3 about the same" in view.result_label.text()
    finally:
        aio.run(view.tasks.wait())
        view.close()
        view.deleteLater()


def test_blind_ab_refuses_the_same_column_twice(aio, workspace, python_threads):
    (_run1, run2), (v1, _v2) = two_runs(workspace)
    view = BlindABView(workspace)
    try:
        assert aio.run(view.start_async(run2, (v1, "p"), (v1, "p"))) == 0
        assert "two different columns" in view.message.text()
    finally:
        view.close()
        view.deleteLater()


def test_compare_header_sort_keeps_regressions_on_top(workspace):
    (run1, run2), (v1, v2) = two_runs(workspace)
    from desktop.ui.evaluation.compare_view import ChangesProxy

    model = DeltaModel()
    model.set_comparison(compare(workspace, (run1, v2, "p"), (run2, v2, "p")))
    proxy = ChangesProxy()
    proxy.setSourceModel(model)
    proxy.sort(5, Qt.SortOrder.AscendingOrder)
    changes = [proxy.index(r, 0).data(DeltaRole).change for r in range(proxy.rowCount())]
    assert changes[0] == "regressed" and changes[-1] == "improved"
