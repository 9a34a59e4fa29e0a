"""Repository functions that took over SQL from desktop/core and (for later) desktop/ui."""

from __future__ import annotations

import pytest

from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, release_log, runs, testsets
from storage.workspace.db import Workspace
from storage.workspace.runs import ResultRecord

from .test_runs import make_run, record


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "reads.promptpress")
    yield workspace
    workspace.close()


def content(text: str) -> PromptContent:
    return PromptContent(messages=(Message("user", text),))


def test_prompt_reads(ws):
    with ws.session() as s:
        a = prompts.save_version(s, "support/greet", content("a")).version
        b = prompts.save_version(s, "support/greet", content("b")).version
        other = prompts.save_version(s, "supportive", content("x")).version
        prompts.save_version(s, "gone", content("g"))
        prompts.delete_prompt(s, "gone")
        prompts.create_prompt(s, "empty")
        prompts.create_folder(s, "drafts/later")
        assert [p.name for p in prompts.live_prompts(s)] == ["empty", "support/greet",
                                                              "supportive"]
        assert [p.name for p in prompts.live_prompts(s, under="support")] == ["support/greet"]
        assert [p.name for p in prompts.live_prompts(s, under="support/")] == ["support/greet"]
        listed = prompts.live_prompts_with_versions(s)
        assert [(p.name, [v.version_id for v in vs]) for p, vs in listed] == [
            ("support/greet", [b.version_id, a.version_id]), ("supportive", [other.version_id])]
        assert prompts.versions_by_pk(s, [a.pk, b.pk, 10_000]) == {a.pk: a, b.pk: b}
        assert prompts.versions_by_pk(s, []) == {}
        assert prompts.is_ancestor(s, a, b) and prompts.is_ancestor(s, b, b)
        assert not prompts.is_ancestor(s, b, a) and not prompts.is_ancestor(s, other, b)
        assert prompts.explicit_folders(s) == ["drafts", "drafts/later", "support"]


def test_test_set_reads_and_sync(ws):
    with ws.session() as s:
        ts = testsets.create_test_set(s, "gold")
        testsets.append_cases(s, ts, [testsets.CaseData({"q": "1"}, "one", "n", ("t",)),
                                      testsets.CaseData({"q": "2"})])
        (first, one), (second, two) = testsets.case_rows(s, ts)
        assert one == testsets.CaseData({"q": "1"}, "one", "n", ("t",))
        assert two == testsets.CaseData({"q": "2"}, None, "", ())
        assert testsets.case_variables(s, [second, first, 999]) == {first: {"q": "1"},
                                                                    second: {"q": "2"}}
        assert testsets.first_rows(s, 1) == [("gold", [(0, {"q": "1"})])]
        assert set(testsets.all_test_sets(s)) == {ts.id}
        assert testsets.cases_by_id(s, [second]) == {second: testsets.cases(s, ts)[1]}
        ids = testsets.sync_cases(s, ts.id, [(second, testsets.CaseData({"q": "2!"})),
                                             (None, testsets.CaseData({"q": "new"}, "e"))])
        assert ids[0] == second and ids[1] not in (first, second)
        assert [(i, d.variables) for i, d in testsets.case_rows(s, ts)] == [
            (second, {"q": "2!"}), (ids[1], {"q": "new"})]
        with pytest.raises(testsets.TestSetError, match="deleted"):
            testsets.sync_cases(s, 10_000, [])


def test_run_reads(ws):
    run_id, case_ids, (pk,) = make_run(ws, n_cases=3)
    writer = runs.ResultWriter(ws.engine, run_id)
    writer.put(record(0, case_ids[0], pk))
    writer.put(ResultRecord(row=1, case_id=case_ids[1], version_pk=pk, provider="fast",
                            model="m", error_kind="timeout", error_message="slow"))
    writer.close()
    with ws.session() as s:
        run = runs.read_run(s, run_id)
        assert (run.id, run.status, run.settings["case_ids"]) == (run_id, "running", case_ids)
        with pytest.raises(runs.RunError):
            runs.read_run(s, 10_000)
        assert runs.result_id(s, run_id, 0, pk, "fast") is not None
        assert runs.result_id(s, run_id, 2, pk, "fast") is None
        assert runs.errored_cells(s, run_id) == [runs.Cell(1, pk, "fast")]
        assert runs.finished_runs(s) == []
        runs.finish_run(s, run_id)
        assert [r.id for r in runs.finished_runs(s)] == [run_id]
        prompt_id = prompts.require_prompt(s, "greet").id
        assert runs.version_scores(s, prompt_id) == {pk: (1.0, 1)}
        assert [p.run_id for p in runs.score_trend(s, "greet")] == [run_id]


def test_release_log(ws):
    with ws.session() as s:
        release_log.record_release(s, destination="/r", project="p", number=1,
                                   channels=["staging"], manifest_sha256="ab",
                                   prompts={"greet": "v1"}, author="ann", created=1)
        release_log.record_release(s, destination="/r", project="p", number=2,
                                   pending_on=["production"], manifest_sha256="cd",
                                   prompts={"greet": "v2"}, author="ann", created=2)
        assert [r.number for r in release_log.releases_newest_first(s)] == [2, 1]
        assert release_log.releases_newest_first(s)[0].channel == "production (pending)"
        assert release_log.recent_destinations(s) == ["/r"]
