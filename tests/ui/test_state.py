"""The tab's plain-data side: draft JSON, versions from a tab, text edits, parameters, outcomes.
No QApplication needed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop.core.gateway import errors as gw
from desktop.core.secrets import MissingKey
from desktop.ui.playground import text as texts
from desktop.ui.playground.params import explain, format_cost, format_stats, format_stops, parse_stops
from desktop.ui.playground.state import ColumnState, RunRecord, TabState
from storage.releases.content import Message, PromptContent, Variable, version_id


def content(**fields) -> PromptContent:
    base = dict(messages=(Message("system", "Be brief.\r\n"), Message("user", "{{ q }}")),
                model="openai/gpt-4o-mini", parameters={"temperature": 0.2, "presence_penalty": 1},
                variables=(Variable("q", "The question", "hi"),),
                response_format={"type": "json_object"})
    base.update(fields)
    return PromptContent(**base)


def test_a_tab_opened_on_a_version_saves_the_same_version():
    original = content()
    state = TabState.from_content(original, name="a/b", provider="p")
    assert state.to_content() == original
    assert state.content_id() == version_id(original)
    # ... also after a trip through the draft's JSON
    assert TabState.from_json(state.to_json()).to_content() == original


def test_used_variables_are_declared_after_the_declared_ones():
    state = TabState(messages=[("user", "{{ a }} {{ q }}")], variables=[Variable("q")])
    assert [v.name for v in state.to_content(["a", "q"]).variables] == ["q", "a"]


def test_the_primary_column_gives_the_version_its_model_and_settings():
    state = TabState(messages=[("user", "x")], columns=[
        ColumnState(provider="a", model="openai/a", params={"temperature": 0.1}),
        ColumnState(provider="b", model="openai/b", params={"max_tokens": 9})], primary=1)
    saved = state.to_content()
    assert saved.model == "openai/b" and saved.parameters == {"max_tokens": 9}


def test_draft_json_survives_garbage_and_running_runs_come_back_stopped():
    assert TabState.from_json("not json").messages == []
    assert TabState.from_json('{"columns": [], "primary": 7}').primary == 0
    state = TabState(messages=[("user", "hi")], columns=[ColumnState(runs=[
        RunRecord(provider="p", model="m", started="2025-01-01T10:00:00", status="running")])])
    back = TabState.from_json(state.to_json())
    assert back.columns[0].runs[0].status == "cancelled"


@given(st.text(), st.text())
def test_edit_between_rebuilds_the_new_text(old, new):
    p, removed, added = texts.edit_between(old, new)
    assert old[:p] + added + old[p + len(removed):] == new
    assert old[p:p + len(removed)] == removed


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_editor_text_round_trips_except_for_the_characters_it_refuses(text):
    if texts.unrepresentable(text):
        return
    shown = texts.to_editor(text).replace("\n", texts.BLOCK_SEPARATOR)
    assert texts.from_editor_raw(shown) == text


def test_utf16_offsets_count_astral_characters_twice():
    assert texts.utf16_offset("a😀b", 2) == 3
    assert texts.utf16_offset("abc", 2) == 2


@given(st.lists(st.text(min_size=1).filter(lambda s: s.strip(" ") == s or s.strip(" "))))
def test_stop_sequences_round_trip_through_their_text_form(stops):
    stops = [s for s in stops if s]
    assert parse_stops(format_stops(stops)) == stops


def test_stop_sequences_are_written_with_escapes():
    assert parse_stops(r"END, \n\n, a\,b") == ["END", "\n\n", "a,b"]


def test_stats_say_unknown_cost_plainly():
    run = RunRecord(provider="p", model="m", started="", status="done", tokens_in=12,
                    tokens_out=48, cost=None, latency_s=1.24, ttft_s=0.31, finish_reason="length")
    assert format_stats(run) == ("12 tokens sent, 48 received · cost unknown · took 1.24 s, "
                                 "first words after 310 ms · cut off at max tokens")
    assert format_cost(0.00021) == "$0.00021"


def test_failures_are_explained_with_what_to_do():
    why = explain(gw.RateLimited("Too many", retry_after=7))
    assert why.kind == "rate_limited" and why.retry_after == 7 and "Wait 7 s" in why.hint
    assert explain(gw.BadKey("no")).action == "providers"
    assert explain(gw.ContextTooLong("long")).action == "shorten"
    assert explain(MissingKey("No key")).kind == "missing_key"
