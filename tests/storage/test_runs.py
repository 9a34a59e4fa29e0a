"""Run storage: the writer thread, resume bookkeeping, and the grid's reads (no model calls)."""

from __future__ import annotations

import sqlite3

import pytest

from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, runs, testsets
from storage.workspace.db import Workspace
from storage.workspace.runs import ResultRecord, ScoreRecord


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "runs.promptpress")
    yield workspace
    workspace.close()


def make_run(ws, n_cases=10, versions=1, providers=("fast",), gate=None):
    with ws.session() as s:
        made = [prompts.save_version(s, "greet", PromptContent(
            messages=(Message("user", f"v{i} Hello {{{{ name }}}}"),))).version
            for i in range(versions)]
        ts = testsets.create_test_set(s, "gold")
        testsets.append_cases(s, ts, [testsets.CaseData({"name": f"n{i}"}, expected=f"e{i}")
                                      for i in range(n_cases)])
        cases = testsets.cases(s, ts)
        run = runs.create_run(
            s, test_set=ts, case_ids=[c.id for c in cases],
            test_set_hash=testsets.content_hash(testsets.CaseData.of(c) for c in cases),
            versions=made, providers=[{"name": p, "model": f"openai/{p}"} for p in providers],
            evaluators=["contains:e"], options={"gate": gate})
        return run.id, [c.id for c in cases], [v.pk for v in made]


def record(row, case_id, pk, provider="fast", **kw):
    base = dict(row=row, case_id=case_id, version_pk=pk, provider=provider, model="m",
                output=f"out {row}", latency_ms=100.0 + row, score=1.0, passed=True,
                scores=(ScoreRecord("contains:e", 1.0, True, "ok", details={"n": row}),))
    base.update(kw)
    return ResultRecord(**base)


def test_writer_commits_as_results_arrive_and_upserts_on_the_cell(ws):
    run_id, case_ids, (pk,) = make_run(ws)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pk, output="first"))
    writer.flush()
    # Another connection sees it before the writer is closed: it is committed.
    con = sqlite3.connect(ws.path)
    assert con.execute("SELECT output FROM results").fetchall() == [("first",)]
    writer.put(record(0, case_ids[0], pk, output="again", scores=()))
    writer.put(record(1, case_ids[1], pk))
    writer.close()
    assert con.execute("SELECT row, output FROM results ORDER BY row").fetchall() == [
        (0, "again"), (1, "out 1")]
    # The overwritten cell lost its old automatic score; the new one has its own.
    assert con.execute("SELECT count(*) FROM scores").fetchone() == (1,)
    con.close()
    with ws.session() as s:
        detail = runs.result_detail(s, runs.load_rows(s, run_id, 1, 2)[0].cells[(pk, "fast")]
                                    .result_id)
        assert detail.scores[0].details == {"n": 1} and detail.scores[0].weight == 1.0


def test_a_failed_commit_surfaces_as_writer_error_and_keeps_what_was_saved(ws):
    run_id, case_ids, (pk,) = make_run(ws)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pk))
    writer.flush()
    writer.put(record(1, 999_999, pk))  # no such case: the foreign key refuses it
    with pytest.raises(runs.WriterError, match="could not be saved.*1 results saved"):
        writer.flush()
    with pytest.raises(runs.WriterError):
        writer.put(record(2, case_ids[2], pk))
    with pytest.raises(runs.WriterError):
        writer.close()
    with ws.session() as s:
        assert [c.row for r in runs.load_rows(s, run_id, 0, 10) for c in r.cells.values()] == [0]


def test_missing_cells_and_interrupted_status(ws):
    run_id, case_ids, pks = make_run(ws, n_cases=3, versions=2, providers=("a", "b"))
    writer = runs.ResultWriter(ws.engine, run_id)
    with ws.session() as s:
        runs.mark_active(s, run_id)
        assert runs.status_of(s, runs.get_run(s, run_id)) == "running"
    writer.put(record(0, case_ids[0], pks[0], "a"))
    writer.put(record(2, case_ids[2], pks[1], "b"))
    writer.close()
    with ws.session() as s:
        run = runs.get_run(s, run_id)
        missing = runs.missing_cells(s, run)
        assert len(missing) == 3 * 4 - 2
        assert runs.Cell(0, pks[0], "a") not in missing and runs.Cell(0, pks[0], "b") in missing
        runs.mark_inactive(s, run_id)
        # Left "running" by a process that is gone: shown as interrupted, resumable.
        assert runs.status_of(s, run) == "interrupted"
        assert runs.list_runs(s)[0].status == "interrupted"
        runs.reopen_run(s, run_id)
        finished = runs.finish_run(s, run_id, runs.CANCELLED)
        assert finished.status == "cancelled" and finished.finished_at is not None


def test_column_totals_percentiles_costs_and_gate(ws):
    run_id, case_ids, pks = make_run(ws, n_cases=20, versions=2, gate=0.6)
    writer = runs.ResultWriter(ws.engine, run_id)
    for row in range(20):
        # Version 0: latencies 101..120 ms, every case passes, each costs 0.01.
        writer.put(record(row, case_ids[row], pks[0], cost=0.01))
        # Version 1: half fail, one error, one cached (cached latency is not measured).
        failing = row % 2 == 1
        writer.put(record(row, case_ids[row], pks[1], score=0.0 if failing else 1.0,
                          passed=not failing, cost=None, cached=row == 0,
                          **({"output": None, "error_kind": "timeout", "error_message": "slow",
                              "latency_ms": None} if row == 19 else {})))
    writer.close()
    with ws.session() as s:
        first, second = runs.column_totals(s, run_id)
        assert (first.done, first.errors, first.passed, first.pass_rate) == (20, 0, 20, 1.0)
        assert first.cost == pytest.approx(0.2) and first.cost_unknown == 0
        # Nearest rank: p50 is the 10th of 20 values, p95 the 19th.
        assert (first.p50_ms, first.p95_ms) == (109.0, 118.0)
        assert second.errors == 1 and second.passed == 10 and second.pass_rate == 0.5
        assert second.cached == 1 and second.cost_unknown == 18  # 20 - 1 error - 1 cached
        assert second.mean_score == pytest.approx(0.5)
        measured = sorted(100.0 + r for r in range(1, 19))  # rows 1..18: not cached, no error
        assert second.p50_ms == measured[8] and second.p95_ms == measured[17]
        gate = runs.gate_outcome(s, runs.get_run(s, run_id))
        assert gate.passed is False and [c.version_pk for c, _ in gate.failing] == [pks[1]]
        assert "below 0.6" in gate.reason()
        assert runs.gate_outcome(s, runs.get_run(s, run_id), threshold=0.5).passed is True
        run = runs.finish_run(s, run_id)
        assert run.gate_passed is False and run.mean_score == pytest.approx(0.75)


def test_gate_fails_an_incomplete_run(ws):
    run_id, case_ids, (pk,) = make_run(ws, n_cases=3, gate=0.5)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pk))
    writer.close()
    with ws.session() as s:
        assert runs.gate_outcome(s, runs.get_run(s, run_id)).passed is False


def test_rows_load_by_range_with_previews_and_filters(ws):
    run_id, case_ids, pks = make_run(ws, n_cases=30, versions=2)
    writer = runs.ResultWriter(ws.engine, run_id)
    for row in range(30):
        writer.put(record(row, case_ids[row], pks[0], output="x" * 5000 if row == 3 else "same"))
        if row != 7:  # one cell still missing
            output = None if row == 9 else "Ünïcode naïve" if row == 4 else "same"
            writer.put(record(row, case_ids[row], pks[1], passed=row % 10 != 5 and row != 9,
                              output=output,
                              error_kind="timeout" if row == 9 else None))
    writer.close()
    with ws.session() as s:
        page = runs.load_rows(s, run_id, 2, 8, preview_chars=100)
        assert [r.row for r in page] == [2, 3, 4, 5, 6, 7]
        assert page[0].variables == {"name": "n2"} and page[0].expected == "e2"
        big = page[1].cells[(pks[0], "fast")]
        assert big.truncated and len(big.output) == 100 and big.output_chars == 5000
        assert runs.result_detail(s, big.result_id).output == "x" * 5000
        assert list(page[5].cells) == [(pks[0], "fast")]  # row 7: second cell missing
        assert runs.load_rows(s, run_id, 28, 100)[-1].row == 29
        assert runs.filter_rows(s, run_id, "errors") == [9]
        assert runs.filter_rows(s, run_id, "failures") == [5, 9, 15, 25]
        assert runs.filter_rows(s, run_id, "disagree") == [5, 9, 15, 25]
        assert runs.filter_rows(s, run_id, None, "NAÏVE") == [4]
        assert runs.filter_rows(s, run_id, None, "n1") == [1] + list(range(10, 20))
        assert runs.filter_rows(s, run_id, "failures", "n1") == [15]
        assert [r.row for r in runs.load_rows_at(s, run_id, [25, 5, 400])] == [25, 5]


def test_human_scores_replace_per_rater_and_preferences_are_kept(ws):
    run_id, case_ids, pks = make_run(ws, n_cases=2, versions=2)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pks[0]))
    writer.put(record(0, case_ids[0], pks[1]))
    writer.put(record(1, case_ids[1], pks[1], output=None, error_kind="timeout"))
    writer.close()
    with ws.session() as s:
        cells = runs.load_rows(s, run_id, 0, 2)
        a, b = cells[0].cells[(pks[0], "fast")], cells[0].cells[(pks[1], "fast")]
        human = ScoreRecord("human", 0.0, False, "thumbs down", kind="human", rater="ann")
        runs.save_human_score(s, a.result_id, human)
        runs.save_human_score(s, a.result_id, ScoreRecord("human", 1.0, True, "up", kind="human",
                                                          rater="ann"))
        runs.save_human_score(s, a.result_id, ScoreRecord("human", 0.5, True, "", kind="human",
                                                          rater="bob"))
        kinds = [(x.kind, x.rater, x.value) for x in runs.result_scores(s, a.result_id)]
        assert kinds == [("auto", "", 1.0), ("human", "ann", 1.0), ("human", "bob", 0.5)]
        failed = cells[1].cells[(pks[1], "fast")]
        with pytest.raises(runs.RunError, match="no output to rate"):
            runs.save_human_score(s, failed.result_id, human)
        pref = runs.record_preference(s, run_id=run_id, result_a_id=a.result_id,
                                      result_b_id=b.result_id, a_on_left=False, choice="left",
                                      winner="b", rater="ann")
        assert runs.list_preferences(s, run_id) == [pref]
        with pytest.raises(runs.RunError, match="same case"):
            runs.record_preference(s, run_id=run_id, result_a_id=a.result_id,
                                   result_b_id=failed.result_id, a_on_left=True, choice="tie",
                                   winner="tie")


def test_compare_columns_across_runs_finds_regressions(ws):
    base_id, case_ids, (pk,) = make_run(ws, n_cases=4)
    with ws.session() as s:
        run = runs.get_run(s, base_id)
        ts = s.get(runs.lifecycle.TestSet, run.test_set_id)
        new = runs.create_run(s, test_set=ts, case_ids=case_ids, test_set_hash=run.test_set_hash,
                              versions=[s.get(runs.lifecycle.Version, pk)],
                              providers=[{"name": "fast", "model": "m"}])
        new_id = new.id
    writer = runs.ResultWriter(ws.engine, base_id)
    for row, (score, passed) in enumerate([(1.0, True), (0.5, False), (0.8, True), (1.0, True)]):
        writer.put(record(row, case_ids[row], pk, score=score, passed=passed))
    writer.close()
    writer = runs.ResultWriter(ws.engine, new_id)
    for row, (score, passed) in enumerate([(0.0, False), (1.0, True), (0.7, True)]):
        writer.put(record(row, case_ids[row], pk, score=score, passed=passed))
    writer.close()
    with ws.session() as s:
        deltas = runs.compare_columns(s, (base_id, pk, "fast"), (new_id, pk, "fast"))
    assert [(d.row, d.change) for d in deltas] == [
        (0, "regressed"), (1, "improved"), (2, "regressed"), (3, "missing")]
    assert deltas[2].delta == pytest.approx(-0.1)


def test_response_cache_keeps_the_first_answer(ws):
    run_id, case_ids, (pk,) = make_run(ws)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(None, ("k1", "m", {"text": "first"}))
    writer.put(None, ("k1", "m", {"text": "second"}))
    writer.close()
    with ws.session() as s:
        assert runs.cache_get_many(s, ["k1", "k2"]) == {"k1": {"text": "first"}}
        assert runs.clear_cache(s) == 1


def test_a_stopped_runs_totals_are_stored_and_refreshed_when_scores_change(ws):
    run_id, case_ids, (pk,) = make_run(ws, n_cases=2, gate=0.9)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pk))
    writer.put(record(1, case_ids[1], pk))
    writer.close()
    with ws.session() as s:
        run = runs.finish_run(s, run_id)
        assert run.gate_passed is True and run.settings["totals"][0]["mean_score"] == 1.0
        result_id = runs.load_rows(s, run, 0, 1)[0].cells[(pk, "fast")].result_id
        runs.set_result_score(s, result_id, 0.0, False)
        assert runs.column_totals(s, run)[0].mean_score == 1.0  # read as stored
        assert runs.column_totals(s, run, fresh=True)[0].mean_score == 0.5
        run = runs.refresh_figures(s, run_id)
        assert runs.column_totals(s, run)[0].mean_score == 0.5 and run.gate_passed is False
        run = runs.reopen_run(s, run_id)
        assert "totals" not in run.settings
