"""The runner against a real OpenAI-compatible server on loopback: faults, limits, cancel, cache,
gate. Faults are chosen by model name or scripted replies (see tests/support/fake_provider.py)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from desktop.core import gateway
from desktop.core.evaluators import HumanRating
from desktop.core.providers import add_provider
from desktop.core.runner import EvalError, EvalRequest, RetryPolicy, prepare_resume, prepare_run
from desktop.core.runner.ratings import blind_session, prefer, preference_tally, rate
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, runs, testsets
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider, Reply

FAST_RETRY = RetryPolicy(base_delay=0.02, max_delay=0.1)


def max_in_flight(server, model, latency):
    """Most requests for `model` the server held at once: with a fixed latency and no faults,
    each is in flight for `latency` from its arrival (two calls made one after the other on
    the same slot arrive more than `latency` apart)."""
    times = sorted(r.received_at for r in server.requests if r.model == model)
    return max((sum(1 for u in times if t - latency < u <= t) for t in times), default=0)


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded():
    gateway.preload()  # seconds, once per module, off every test's clock


@pytest.fixture
def server():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "runner.promptpress")
    yield workspace
    workspace.close()


def setup(ws, server, *, cases, providers=(("fast", "echo", None),), template="Hi {{ name }}",
          min_score=None, versions=1):
    for name, model, limit in providers:
        add_provider(ws, name, f"openai/{model}", base_url=server.base_url, max_concurrency=limit)
    with ws.session() as s:
        for i in range(versions):
            prompts.save_version(s, "greet", PromptContent(
                messages=(Message("user", template + (f" v{i}" if i else "")),)))
        ts = testsets.create_test_set(s, "gold", min_score=min_score)
        testsets.append_cases(s, ts, [c if isinstance(c, testsets.CaseData)
                                      else testsets.CaseData({"name": c}, expected=f"Echo: Hi {c}")
                                      for c in cases])


def run(ws, retry=FAST_RETRY, **kw):
    request = EvalRequest(**{"versions": ["greet"], "test_set": "gold", "providers": ["fast"],
                             **kw})
    runner = prepare_run(ws, request)
    runner.retry = dataclasses.replace(retry, max_attempts=runner.plan.max_attempts)
    return runner, asyncio.run(runner.run())


def cells(ws, run_id):
    with ws.session() as s:
        return [c for row in runs.load_rows(s, run_id, 0, 10_000, preview_chars=None)
                for c in row.cells.values()]


def user_texts(server, model):
    return [r.body["messages"][-1]["content"] for r in server.requests if r.model == model]


def test_every_cell_runs_once_scored_and_committed(ws, server):
    setup(ws, server, cases=[f"n{i}" for i in range(6)], versions=2,
          providers=(("fast", "echo", None), ("other", "echo2", None)))
    seen, progress = [], []
    runner = prepare_run(ws, EvalRequest(["greet@latest", "greet@" + _first_version(ws)], "gold",
                                         ["fast", "other"], evaluators=["icontains:echo",
                                                                        "weight=2:equals:{{ expected }}"]))
    outcome = asyncio.run(runner.run(on_result=seen.append, on_progress=progress.append))
    assert outcome.status == "finished" and (outcome.done, outcome.errors) == (24, 0)
    assert len(server.requests) == 24 and len(seen) == 24
    assert [p.done for p in progress] == list(range(1, 25))
    stored = cells(ws, outcome.run_id)
    assert len(stored) == 24 and all(c.attempts == 1 and c.tokens_out for c in stored)
    # The first version's output equals the expected text; the second adds " v1".
    by_version = {t.column.version_id: t for t in outcome.totals}
    assert sorted(t.mean_score for t in by_version.values()) == [pytest.approx(1 / 3), 1.0]
    assert all(t.p50_ms is not None and t.done == 6 for t in outcome.totals)
    assert [s.evaluator for s in stored[0].scores] == ["icontains:echo",
                                                        "weight=2:equals:{{ expected }}"]
    with ws.session() as s:
        assert runs.get_run(s, outcome.run_id).status == "finished"


def _first_version(ws):
    with ws.session() as s:
        return prompts.version_history(s, prompts.require_prompt(s, "greet"))[-1].version_id[:8]


def test_a_429_storm_honours_retry_after_and_finishes(ws, server):
    server.set_latency(0.2)
    setup(ws, server, cases=[f"n{i}" for i in range(10)])
    server.script("echo", [Reply(fault="429", retry_after=1)] * 6)
    runner, outcome = run(ws, concurrency=4)
    assert (outcome.done, outcome.errors) == (10, 0)
    assert outcome.calls == 16 and len(server.requests) == 16
    stored = cells(ws, outcome.run_id)
    assert all(c.output for c in stored) and sum(c.attempts for c in stored) == 16
    times = [r.received_at for r in server.requests]
    for limited in times[:6]:
        # The 429 is answered 0.2 s after its request arrived; from then on nobody calls this
        # provider until Retry-After (1 s) has passed: nothing may arrive in between (with
        # 0.1 s of slack for requests that were already on their way).
        assert not [t for t in times if limited + 0.3 < t < limited + 1.1], times


def test_a_provider_out_of_quota_is_an_error_not_an_hour_of_waiting(ws, server):
    setup(ws, server, cases=["a", "b"], providers=(("fast", "fault-429:3600", None),))
    runner, outcome = run(ws)
    assert outcome.errors == 2 and outcome.wall_s < 30
    bad = cells(ws, outcome.run_id)[0]
    assert bad.error_kind == "rate_limited" and bad.attempts == 1
    assert "asked to wait 3600 s, longer than the 120 s a run waits" in bad.error_message


def test_a_provider_that_hangs_times_out_per_cell_and_the_others_finish(ws, server):
    setup(ws, server, cases=["a", "b", "c"],
          providers=(("fast", "echo", None), ("stuck", "fault-hang", None)))
    runner, outcome = run(ws, providers=["fast", "stuck"], timeout=0.4, max_attempts=2,
                          concurrency=6)
    assert outcome.status == "finished" and (outcome.done, outcome.errors) == (6, 3)
    stored = cells(ws, outcome.run_id)
    stuck = [c for c in stored if c.provider == "stuck"]
    assert all(c.error_kind == "timeout" and c.attempts == 2 for c in stuck)
    assert "did not answer within 0.4 s" in stuck[0].error_message
    assert "after 2 attempts" in stuck[0].error_message
    assert all(c.output and c.error_kind is None for c in stored if c.provider == "fast")
    assert len(user_texts(server, "fault-hang")) == 6


@pytest.mark.parametrize("fault, message", [
    ("drop", "dropped the connection"),
    ("malformed", "not valid chat-completion JSON"),
])
def test_dropped_connections_and_malformed_answers_are_retried_then_reported(ws, server, fault,
                                                                            message):
    setup(ws, server, cases=["a", "b"], providers=(("fast", "echo", None),
                                                   ("bad", f"fault-{fault}", None)))
    server.script("echo", [Reply(fault=fault)])  # once: the retry succeeds
    runner, outcome = run(ws, providers=["fast", "bad"], concurrency=1)
    stored = {(c.provider, c.row): c for c in cells(ws, outcome.run_id)}
    assert stored[("fast", 0)].output == "Echo: Hi a" and stored[("fast", 0)].attempts == 2
    assert stored[("fast", 1)].attempts == 1
    for row in (0, 1):
        bad = stored[("bad", row)]
        assert bad.error_kind == "provider_failure" and message in bad.error_message
        assert bad.attempts == 3 and bad.passed is None
    assert outcome.errors == 2 and len(user_texts(server, f"fault-{fault}")) == 6


def test_a_judge_that_answers_prose_is_a_judge_error_never_a_pass(ws, server):
    setup(ws, server, cases=["a", "b"], providers=(("fast", "echo", None),
                                                   ("judge", "judge", None)))
    server.script("judge", ["I think this answer is lovely, well done.",
                            '{"reason": "polite", "score": 5, "pass": true}'])
    runner, outcome = run(ws, concurrency=1, evaluators=["judge:judge:Is it polite?"])
    first, second = sorted(cells(ws, outcome.run_id), key=lambda c: c.row)
    assert first.passed is False and first.score == 0.0
    assert first.scores[0].error.startswith("judge error: the reply is not a JSON verdict")
    assert second.passed is True and second.score == 1.0 and second.scores[0].kind == "judge"
    judge_calls = [r for r in server.requests if r.model == "judge"]
    assert len(judge_calls) == 2
    assert judge_calls[0].body["response_format"]["type"] == "json_schema"
    assert "<output>\nEcho: Hi a\n</output>" in judge_calls[0].body["messages"][1]["content"]


def test_a_row_with_unknown_variables_is_an_error_for_that_row_only(ws, server):
    setup(ws, server, cases=["a", testsets.CaseData({"nme": "typo"}), "c"])
    runner, outcome = run(ws, evaluators=["contains:Hi"])
    stored = {c.row: c for c in cells(ws, outcome.run_id)}
    assert outcome.status == "finished" and outcome.errors == 1
    bad = stored[1]
    assert bad.error_kind == "template" and bad.attempts == 0 and bad.passed is False
    assert "Case 2: No value for the variable 'name'" in bad.error_message
    assert "this case's variables: nme" in bad.error_message
    assert stored[0].passed and stored[2].passed
    assert len(server.requests) == 2


def test_an_invalid_regex_evaluator_is_refused_before_anything_runs(ws, server):
    setup(ws, server, cases=["a"])
    with pytest.raises(EvalError, match=r"regex:\(unclosed.*invalid regular expression"):
        prepare_run(ws, EvalRequest(["greet"], "gold", ["fast"], evaluators=["regex:(unclosed"]))
    with ws.session() as s:
        assert runs.list_runs(s) == []
    assert server.requests == []


def test_cancel_keeps_computed_results_and_resume_runs_only_the_rest(ws, server):
    server.set_latency(0.15)
    setup(ws, server, cases=[f"n{i}" for i in range(16)])
    runner = prepare_run(ws, EvalRequest(["greet"], "gold", ["fast"], concurrency=2))

    def progress(p):
        if p.done == 4:
            runner.cancel()

    outcome = asyncio.run(runner.run(on_progress=progress))
    assert outcome.status == "cancelled" and outcome.done == 4
    kept = cells(ws, outcome.run_id)
    assert len(kept) == 4
    done_before = {c.output.removeprefix("Echo: ") for c in kept}
    with ws.session() as s:
        assert runs.get_run(s, outcome.run_id).status == "cancelled"
    sent_before = len(server.requests)

    resumed = prepare_resume(ws, outcome.run_id)
    assert resumed.total == 12
    final = asyncio.run(resumed.run())
    assert final.status == "finished" and final.resumed and final.done == 12
    assert len(cells(ws, outcome.run_id)) == 16
    again = [r.body["messages"][-1]["content"] for r in server.requests[sent_before:]]
    assert len(again) == 12 and not done_before & set(again)
    assert prepare_resume(ws, outcome.run_id).total == 0  # nothing left to do


def test_the_cache_answers_an_identical_request_without_calling_again(ws, server):
    setup(ws, server, cases=["a", "b", "a"])  # rows 1 and 3 send the same request
    runner, first = run(ws, cache=True)
    assert len(server.requests) == 2  # the duplicate waited for the first call's answer
    stored = sorted(cells(ws, first.run_id), key=lambda c: c.row)
    assert [c.cached for c in stored] == [False, False, True]
    assert stored[2].output == stored[0].output and stored[2].attempts == 0

    runner, second = run(ws, cache=True)
    assert len(server.requests) == 2 and second.cached == 3
    assert all(c.cached and c.cost in (0, None) for c in cells(ws, second.run_id))
    # Cached latency is not a measurement: the column reports none.
    assert second.totals[0].p50_ms is None

    runner, third = run(ws)  # the cache is off by default
    assert len(server.requests) == 5 and third.cached == 0


def test_the_gate_uses_fail_under_or_the_test_sets_minimum(ws, server):
    setup(ws, server, cases=[f"n{i}" for i in range(5)], min_score=0.5)
    with ws.session() as s:  # one case in five now expects something else: mean score 0.8
        ts = testsets.require_test_set(s, "gold")
        testsets.cases(s, ts)[4].expected = "something else"
    runner, outcome = run(ws, evaluators=["equals:{{ expected }}"], fail_under=0.9)
    assert outcome.gate.threshold == 0.9 and outcome.gate.passed is False
    assert outcome.gate.mean_score == pytest.approx(0.8)
    with ws.session() as s:
        assert runs.get_run(s, outcome.run_id).gate_passed is False
    runner, outcome = run(ws, evaluators=["equals:{{ expected }}"])
    assert outcome.gate.threshold == 0.5 and outcome.gate.passed is True


def test_the_per_provider_limit_holds_and_the_others_use_the_rest(ws, server):
    server.set_latency(0.1)
    setup(ws, server, cases=[f"n{i}" for i in range(12)],
          providers=(("limited", "slow", 2), ("fast", "echo", None)))
    runner, outcome = run(ws, providers=["limited", "fast"], concurrency=8)
    assert outcome.errors == 0
    assert max_in_flight(server, "slow", 0.1) == 2
    assert max_in_flight(server, "echo", 0.1) >= 5
    assert outcome.max_in_flight["limited"] == 2


def test_human_ratings_count_in_the_case_score_and_blind_preferences_unblind(ws, server):
    setup(ws, server, cases=["a", "b"], versions=2)
    runner, outcome = run(ws, versions=["greet@latest", "greet@" + _first_version(ws)],
                          evaluators=["contains:Hi"])
    stored = cells(ws, outcome.run_id)
    target = stored[0]
    combined = rate(ws, target.result_id, HumanRating(thumb="down", rater="ann"))
    assert combined.value == 0.5 and combined.passed is False
    with ws.session() as s:  # the stopped run's stored figures follow the rating
        column = next(t for t in runs.column_totals(s, outcome.run_id)
                      if t.column.key == target.key)
        assert column.mean_score == pytest.approx(0.75) and column.passed == 1
    combined = rate(ws, target.result_id, HumanRating(thumb="up", comment="fine", rater="ann"))
    assert combined.value == 1.0 and combined.passed is True
    with ws.session() as s:
        assert [x.kind for x in runs.result_scores(s, target.result_id)] == ["auto", "human"]
    columns = [t.column.key for t in outcome.totals]
    pairs = blind_session(ws, outcome.run_id, columns[0], columns[1])
    assert len(pairs) == 2
    for pair in pairs:
        prefer(ws, outcome.run_id, pair, "left" if pair.a_on_left else "right", rater="ann")
    assert preference_tally(ws, outcome.run_id).a == 2
