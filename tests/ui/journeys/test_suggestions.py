"""Journey 8: open a prompt → Test → Suggestions… → set a budget → see the estimate → run
against stub models of known quality and price → the cards say the right things → Open as
draft → a new tab with the candidate; a card's run opens in the Test window's grid.

Stub models on the loopback server (prices from the packaged price table):
    current  openai/gpt-4o        the prompt's model now      right every time
    mini     openai/gpt-4o-mini   cheap, as good              right every time
    nano     openai/gpt-4.1-nano  cheap, worse by ~5 points   right on 95% of the cases
    turbo    openai/gpt-4-turbo   expensive                   right every time
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from desktop.core import providers as core_providers
from desktop.core.advisor.proposal import costs_text
from desktop.ui.advisor import SuggestionsDialog
from storage.workspace import prompts, runs, testsets
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, fill, open_from_list, pick, snap, tick

MODELS = {"current": "gpt-4o", "mini": "gpt-4o-mini", "nano": "gpt-4.1-nano",
          "turbo": "gpt-4-turbo"}
TEXT = "حيّ {{ name }} بلطف، من فضلك."  # an RTL prompt, byte-exact through the whole journey
SHORT = "حيّ {{ name }}."


def _populate(server, cases: int):
    def populate(ws):
        for name, model in MODELS.items():
            core_providers.add_provider(ws, name, f"openai/{model}", base_url=server.base_url,
                                        api_key="sk-test")
        save_prompt(ws, "support/greet", ("user", TEXT), model="openai/gpt-4o")
        with ws.session() as s:
            ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
            testsets.append_cases(s, ts, [
                testsets.CaseData({"name": f"person {i}"},
                                  expected="Echo: " + TEXT.replace("{{ name }}", f"person {i}"))
                for i in range(cases)])
    return populate


@pytest.fixture(scope="module", autouse=True)
def scipy_loaded():
    """scipy.stats imported once (the advisor starts it in a thread the leak check would see)."""
    import scipy.stats  # noqa: F401


@pytest.fixture
def stub_server(fake_provider):
    fake_provider.set_quality(0.95, model="gpt-4.1-nano")
    return fake_provider


def _open_suggestions(app, tab) -> SuggestionsDialog:
    app.press("Ctrl+Shift+G", tab.messages.cards[0].editor)
    dialog = app.wait_window(SuggestionsDialog, "Suggestions — support/greet")
    app.aio.wait(lambda: dialog.test_set_box.count() and dialog.models.count() == 4,
                 what="the suggestions to load")
    return dialog


def _card(dialog, key):
    return next(c for c in dialog.cards if getattr(c, "verdict", None) is not None
                and c.verdict.key == key)


def test_suggestions_budget_estimate_run_cards_and_open_as_draft(open_app, stub_server):
    app = open_app(populate=_populate(stub_server, 400))
    tab = open_from_list(app, "support/greet")
    dialog = _open_suggestions(app, tab)
    fill(dialog.budget, "5")
    assert dialog.budget.value() == pytest.approx(5)
    # turbo writes shorter instructions (its one scripted answer); they lose a word.
    stub_server.script("gpt-4-turbo", [f"<prompt>\n{SHORT}\n</prompt>"])
    pick(dialog.rewrite_box, "turbo")

    click_button(dialog, "Estimate cost")
    app.aio.wait(lambda: dialog.proposal is not None, timeout=30, what="the estimate",
                 state=lambda: (dialog.message.text(), dialog.estimate_label.text()))
    proposal = dialog.proposal
    # The cheaper models are proposed; the expensive one is not, and the panel says why.
    assert [c.key for c in proposal.candidates] == [
        "model:nano", "model:mini", "rewrite:tighter", "combined:tighter+nano",
        "combined:tighter+mini"]
    assert "Not tried: turbo, not cheaper" in dialog.estimate_label.text()
    assert [r.path for r in stub_server.requests] == ["/v1/chat/completions"]  # the rewrite
    stub_server.clear_requests()
    # The rewrite is shown as a diff against the original before it runs.
    assert dialog.right.currentWidget() is dialog.diff
    assert dialog.diff.diff is proposal.candidate("rewrite:tighter").diff
    assert dialog.diff.diff.changed
    snap(dialog, "journey8-suggestions-diff")
    # The author unticks the combinations: the estimate follows.
    tick(dialog.candidates, 3, False)
    tick(dialog.candidates, 4, False)
    shown = dialog.estimate_label.text()
    # The estimate before spending: tokens × price per candidate, plus the baseline run.
    chosen = [proposal.candidate(k) for k in ("model:nano", "model:mini", "rewrite:tighter")]
    total = proposal.baseline.estimate.total + sum(c.estimate.total for c in chosen)
    assert 0 < total < 5 and f"Estimated cost of the search: {costs_text(total)}" in shown
    assert "for 3 suggestions on 400 cases" in shown
    assert "a first run of your prompt on current" in shown
    assert stub_server.requests == [], "nothing is spent before Run"
    snap(dialog, "journey8-suggestions-estimate")

    click_button(dialog, "Run")
    app.aio.wait(lambda: dialog.advice is not None, timeout=60, what="the search",
                 state=lambda: (dialog.message.text(), dialog.progress_label.text()))
    advice = dialog.advice
    assert advice.recommended == "model:mini" and advice.spent <= 5
    assert dialog.headline.text().startswith("Suggested: mini (openai/gpt-4o-mini). It scores "
                                             "the same on your 400 cases")
    mini, nano = _card(dialog, "model:mini"), _card(dialog, "model:nano")
    assert mini.title.text().startswith("★ Suggested · Scores the same — mini")
    assert "scores the same as current (openai/gpt-4o)" in mini.text.text()
    assert "within the 2-point margin" in mini.text.text() and "less)" in mini.text.text()
    assert mini.line.text().startswith("pass rate 100% vs 100% (difference 0.0 points, within "
                                       "±2), $0.00")
    assert "per 1,000 calls (94% less)" in mini.line.text()
    assert "within" not in nano.line.text() and "the same" not in nano.line.text()
    assert "the same" not in nano.title.text(), "a worse candidate is never called the same"
    assert "scores the same" not in nano.text.text()
    shorter = _card(dialog, "rewrite:tighter")
    assert shorter.title.text().startswith("Scores worse — Shorter instructions (by turbo)")
    assert not any(getattr(c, "verdict", None) and c.verdict.kind == "combined"
                   for c in dialog.cards), "the unticked combinations did not run"
    assert dialog.cards[0] is mini, "the suggestion comes first"
    assert len(dialog.chart.points) == 4 and sum(p.current for p in dialog.chart.points) == 1
    dialog.results.setCurrentWidget(dialog.chart)
    snap(dialog, "journey8-suggestions-chart")
    dialog.results.setCurrentIndex(0)
    snap(dialog, "journey8-suggestions")

    # Open as draft: a NEW tab with the candidate; the prompt itself is unchanged.
    before = app.view.tabs.count()
    with app.workspace.session() as s:
        versions = len(prompts.version_history(s, prompts.require_prompt(s, "support/greet")))
    click(mini.draft_button)
    app.aio.wait(lambda: app.view.tabs.count() == before + 1, what="a new tab")
    draft = app.view.current_tab()
    assert draft is not tab and draft.name == "support/greet"
    state = draft.state()
    assert state.columns[0].provider == "mini"
    content = state.to_content(draft.used)
    assert content.model == "openai/gpt-4o-mini"
    assert content.messages[0].content.encode() == TEXT.encode()
    assert tab.state().columns[0].provider == "current", "the original tab is untouched"
    with app.workspace.session() as s:
        assert len(prompts.version_history(
            s, prompts.require_prompt(s, "support/greet"))) == versions

    # Each claim links to its run: it opens in the Test window's run grid.
    click(nano.run_link)
    window = app.wait_window(QDialog, "Test — support/greet")
    app.aio.wait(lambda: window.grid.model is not None
                 and window.grid.model.run_id == nano.verdict.run_id, what="the run in the grid")
    dialog.close()


def test_over_the_budget_is_refused_before_anything_is_spent(open_app, stub_server):
    app = open_app(populate=_populate(stub_server, 20))
    tab = open_from_list(app, "support/greet")
    dialog = _open_suggestions(app, tab)
    fill(dialog.budget, "0")
    click_button(dialog, "Estimate cost")
    app.aio.wait(lambda: dialog.proposal is not None, timeout=30, what="the estimate")
    assert "Left out: nano (openai/gpt-4.1-nano), over the budget" in dialog.estimate_label.text()
    click_button(dialog, "Run")
    app.aio.wait(lambda: "Nothing fits in the budget" in dialog.message.text(),
                 what="the refusal")
    assert stub_server.requests == [] and dialog.advice is None
    dialog.close()


def _only(app, dialog, provider: str) -> None:
    for row in range(dialog.models.count()):
        tick(dialog.models, row, dialog.models.item(row).data(0x0100) == provider)


def test_ten_cases_are_not_enough_and_the_card_says_how_many_more(open_app, stub_server):
    app = open_app(populate=_populate(stub_server, 10))
    tab = open_from_list(app, "support/greet")
    dialog = _open_suggestions(app, tab)
    _only(app, dialog, "mini")
    click_button(dialog, "Estimate cost")
    app.aio.wait(lambda: dialog.proposal is not None, timeout=30, what="the estimate")
    assert dialog.proposal.keys("model") == ["model:mini"]
    click_button(dialog, "Run")
    app.aio.wait(lambda: dialog.advice is not None, timeout=30, what="the search")
    mini = _card(dialog, "model:mini")
    more = mini.verdict.more_cases
    assert more and mini.title.text() == "Not enough cases to tell — mini (openai/gpt-4o-mini)"
    assert f"about {more:,} more cases would decide it" in mini.text.text()
    assert "scores the same" not in mini.text.text()
    assert dialog.headline.text().startswith("No suggestion yet")
    dialog.close()


def test_cancel_stops_the_search_and_keeps_what_ran(open_app, stub_server):
    stub_server.set_latency(0.05, model="gpt-4o-mini")
    app = open_app(populate=_populate(stub_server, 60))
    tab = open_from_list(app, "support/greet")
    dialog = _open_suggestions(app, tab)
    _only(app, dialog, "mini")
    click_button(dialog, "Estimate cost")
    app.aio.wait(lambda: dialog.proposal is not None, timeout=30, what="the estimate")
    click_button(dialog, "Run")
    app.aio.wait(lambda: "Trying other models" in dialog.progress_label.text(), timeout=30,
                 what="the candidates' run")
    click_button(dialog, "Cancel")
    app.aio.wait(lambda: dialog.advice is not None, timeout=30, what="the search to stop")
    assert dialog.advice.status == "cancelled" and dialog.advice.recommended is None
    assert "cancelled; results so far are kept" in dialog.progress_label.text()
    assert not dialog.cancel_button.isEnabled() and dialog.run_button.isEnabled()
    with app.workspace.session() as s:
        listed = {r.id for r in runs.list_runs(s, prompt="support/greet")}
    assert set(dialog.advice.runs) <= listed and len(dialog.advice.runs) == 2
    dialog.close()
