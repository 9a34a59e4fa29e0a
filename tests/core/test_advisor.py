"""The advisor against stub models on the loopback server, with known quality and price:

    current  openai/gpt-4o        the prompt's model now          right every time
    mini     openai/gpt-4o-mini   cheap, as good                  right every time
    nano     openai/gpt-4.1-nano  cheap, worse by about 5 points  right on 95% of the cases
    turbo    openai/gpt-4-turbo   expensive                       right every time

Prices are the packaged price table's; quality is the fake provider's (`set_quality`)."""

from __future__ import annotations

import asyncio

import pytest

from desktop.core import gateway
from desktop.core.advisor import AdviceError, AdviceRequest, Search, draft_for, propose
from desktop.core.providers import add_provider
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts, runs, testsets
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider

MODELS = {"current": "gpt-4o", "mini": "gpt-4o-mini", "nano": "gpt-4.1-nano",
          "turbo": "gpt-4-turbo"}


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded():
    gateway.preload()


@pytest.fixture(scope="module")
def server():
    with FakeProvider() as provider:
        provider.set_quality(0.95, model="gpt-4.1-nano")
        yield provider


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "advisor.promptpress")
    yield workspace
    workspace.close()


def setup(ws, server, cases: int, *, messages=None, providers=MODELS):
    for name, model in providers.items():
        add_provider(ws, name, f"openai/{model}", base_url=server.base_url)
    content = PromptContent(messages=messages or (Message("user", "Hi {{ name }}"),),
                            model="openai/gpt-4o")
    with ws.session() as s:
        prompts.save_version(s, "greet", content)
        ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
        testsets.append_cases(s, ts, [testsets.CaseData({"name": f"person {i}"},
                                                        expected=f"Echo: Hi person {i}")
                                      for i in range(cases)])


def advise(ws, **kw):
    async def go():
        proposal = await propose(ws, AdviceRequest("greet", "gold", **kw))
        search = Search(ws, proposal)
        return proposal, await search.run()
    return asyncio.run(go())


def test_recommends_the_cheap_model_that_is_as_good_and_not_the_worse_one(ws, server):
    setup(ws, server, 400)
    proposal, advice = advise(ws)
    assert proposal.baseline.provider == "current" and proposal.baseline.run_id is None
    assert [c.key for c in proposal.candidates] == ["model:nano", "model:mini"]
    assert dict(proposal.excluded)["turbo"].startswith("not cheaper")
    assert advice.status == "finished" and advice.baseline_run is not None
    mini, nano = advice.verdict("model:mini"), advice.verdict("model:nano")
    assert mini.decision == "same" and mini.score.estimate == 0 and mini.score.low > -0.02
    assert nano.decision != "same" and -0.09 < nano.score.estimate < -0.02
    assert advice.recommended == "model:mini"
    assert "scores the same as current (openai/gpt-4o) on 400 cases" in mini.sentence()
    assert "less)" in mini.sentence() and "within the 2-point margin" in mini.sentence()
    assert "scores the same" not in nano.sentence()
    assert advice.headline().startswith("Suggested: mini (openai/gpt-4o-mini)")
    # Cost per 1,000 calls from the price table: gpt-4o-mini is 1/16.7 of gpt-4o here.
    assert mini.candidate.cost_per_1k < mini.baseline.cost_per_1k / 10
    chart = {p.key: p for p in advice.chart()}
    assert chart["current"].current and chart["model:mini"].recommended
    assert chart["model:nano"].score < chart["current"].score
    # Every claim is an ordinary run the author can open.
    with ws.session() as s:
        listed = {r.id for r in runs.list_runs(s, prompt="greet")}
    assert set(advice.runs) <= listed and advice.verdict("model:mini").run_id in listed


def test_says_not_enough_cases_on_ten(ws, server):
    setup(ws, server, 10)
    _, advice = advise(ws, models=["mini"])
    mini = advice.verdict("model:mini")
    assert mini.decision == "undecided" and mini.score.n == 10
    assert mini.more_cases and 150 < mini.more_cases < 300
    assert "Not enough cases" in mini.sentence() and f"about {mini.more_cases} more" in \
        mini.sentence()
    assert advice.recommended is None and advice.headline().startswith("No suggestion yet")


def test_an_existing_baseline_run_is_used_and_nothing_is_paid_twice(ws, server):
    setup(ws, server, 30)
    _, first = advise(ws, models=["mini"], rewrites=False)
    server.clear_requests()
    proposal, second = advise(ws, models=["mini"], rewrites=False)
    assert proposal.baseline.run_id == first.baseline_run
    assert proposal.candidate("model:mini").estimate.cached == 30
    assert proposal.candidate("model:mini").estimate.total == 0
    assert second.spent == 0 and server.requests == []
    assert second.verdict("model:mini").decision == first.verdict("model:mini").decision


def test_the_budget_caps_the_search(ws, server):
    setup(ws, server, 50)

    async def go():
        proposal = await propose(ws, AdviceRequest("greet", "gold"))
        nano = proposal.candidate("model:nano").estimate.total
        budget = proposal.baseline.estimate.total + nano * 1.01
        keys, skipped, total = proposal.plan(budget=budget)
        assert keys == ["model:nano"] and total <= budget
        assert skipped[0][0] == "model:mini" and "over the budget" in skipped[0][1]
        capped = await Search(ws, proposal, budget=budget).run()
        nothing = await Search(ws, proposal, budget=0.0).run()
        return capped, nothing, budget

    capped, nothing, budget = asyncio.run(go())
    assert [v.key for v in capped.verdicts] == ["model:nano"] and capped.spent <= budget
    assert nothing.status == "budget" and not nothing.verdicts and nothing.runs == ()
    assert all("over the budget" in why for _, why in nothing.skipped)


def test_cancel_stops_the_search_and_keeps_the_runs(ws, server):
    setup(ws, server, 40)
    server.set_latency(0.05, model="gpt-4o-mini")

    async def go():
        proposal = await propose(ws, AdviceRequest("greet", "gold", models=["mini"],
                                                   concurrency=2))
        search = Search(ws, proposal)

        def progress(p):
            if p.stage == "Trying other models" and p.done > proposal.cases + 3:
                search.cancel()
        return await search.run(on_progress=progress)

    try:
        advice = asyncio.run(go())
    finally:
        server.set_latency(0.0, model="gpt-4o-mini")
    assert advice.status == "cancelled" and advice.verdicts == ()
    assert ("model:mini", "the search was cancelled") in advice.skipped
    with ws.session() as s:
        assert runs.get_run(s, advice.runs[-1]).status == "cancelled"


def test_rewrites_are_shown_as_diffs_run_out_of_the_history_and_open_as_drafts(ws, server):
    system = ("You are a friendly assistant. Please always answer politely, kindly and in a "
              "friendly way, and repeat the greeting exactly as the user wrote it.")
    messages = (Message("system", system), Message("user", "Hi Ann"),
                Message("assistant", "Echo: Hi Ann"), Message("user", "Hi Bob"),
                Message("assistant", "Echo: Hi Bob"), Message("user", "Hi {{ name }}"))
    setup(ws, server, 30, messages=messages, providers={"current": "gpt-4o",
                                                        "mini": "gpt-4o-mini"})
    advise(ws, models=["mini"])  # a baseline run, for the max_tokens suggestion
    server.script("gpt-4o-mini", ["<prompt>\nRepeat the user's greeting politely.\n</prompt>"])
    proposal, advice = advise(ws, models=["mini"], rewrite_with="mini")
    keys = [c.key for c in proposal.candidates]
    assert keys == ["model:mini", "rewrite:examples", "rewrite:max_tokens", "rewrite:tighter",
                    "combined:examples+mini", "combined:max_tokens+mini", "combined:tighter+mini"]
    tighter = proposal.candidate("rewrite:tighter")
    assert tighter.diff is not None and tighter.diff.changed
    assert tighter.content.messages[0].content == "Repeat the user's greeting politely."
    assert proposal.candidate("rewrite:examples").content.messages[1:] == (
        Message("user", "Hi Ann"), Message("assistant", "Echo: Hi Ann"),
        Message("user", "Hi {{ name }}"))
    assert proposal.candidate("rewrite:max_tokens").content.parameters["max_tokens"] == 16
    assert proposal.rewrite_cost > 0
    assert {v.key for v in advice.verdicts} == set(keys)
    # The suggested versions ran, but the prompt's history and the prompt list are untouched.
    with ws.session() as s:
        assert len(prompts.version_history(s, prompts.require_prompt(s, "greet"))) == 1
        assert [p.name for p in prompts.list_prompts(s)] == ["greet"]
        assert prompts.list_deleted(s) == []
        listed = {r.id for r in runs.list_runs(s, prompt="greet")}
    assert {v.run_id for v in advice.verdicts} <= listed
    draft = draft_for(proposal, "combined:tighter+mini")
    assert draft.provider == "mini" and draft.content.model == "openai/gpt-4o-mini"
    assert draft.content.messages[0].content == "Repeat the user's greeting politely."
    assert draft.base_version_id == proposal.version_id
    # Asking again answers the rewrite from the cache: nothing is paid twice.
    again, _ = advise(ws, models=["mini"], rewrite_with="mini", combinations=False)
    assert again.rewrite_cost == 0 and again.candidate("rewrite:tighter").content == \
        tighter.content


def test_a_rewrite_that_drops_a_variable_is_refused(ws, server):
    setup(ws, server, 5, messages=(Message("system", "Always greet back, warmly and kindly."),
                                   Message("user", "Hi {{ name }}")),
          providers={"current": "gpt-4o", "mini": "gpt-4o-mini"})
    server.script("gpt-4o-mini", ["<prompt>Greet {{ person }}.</prompt>"])
    proposal = asyncio.run(propose(ws, AdviceRequest("greet", "gold", rewrite_with="mini")))
    assert "rewrite:tighter" not in proposal.keys()
    assert "adds {{ person }}" in dict(proposal.excluded)["shorter instructions"]


def test_requests_it_cannot_answer_say_what_to_change(ws, server):
    setup(ws, server, 3)
    for kw, words in [({"models": ["nobody"]}, "no provider named 'nobody'"),
                      ({"margin": 2}, "margin"), ({"evaluators": []}, "no evaluators")]:
        with pytest.raises(AdviceError, match=words):
            asyncio.run(propose(ws, AdviceRequest("greet", "gold", **kw)))


def test_the_ops_do_each_step_and_say_what_changed(ws, server):
    from desktop.core.ops import advice as ops

    setup(ws, server, 20, providers={"current": "gpt-4o", "mini": "gpt-4o-mini"})
    seen = []

    async def go():
        proposed = await ops.propose(ws, AdviceRequest("greet", "gold", budget=5.0))
        search = ops.prepare_search(ws, proposed.value)
        done = await ops.run_search(search, on_progress=seen.append)
        return proposed, done

    proposed, done = asyncio.run(go())
    assert proposed.message.startswith("1 suggestion to try on gold (20 cases); a baseline")
    assert "within the budget of $5.00" in proposed.message
    advice = done.value
    assert done.runs == frozenset(advice.runs) and len(done.runs) == 2
    assert seen and seen[-1].done == seen[-1].total == 40 and seen[-1].budget == 5.0
    assert "Spent $" in done.message
    draft = ops.open_as_draft(ws, proposed.value, "model:mini")
    assert draft.value.provider == "mini" and "as a draft of greet" in draft.message
