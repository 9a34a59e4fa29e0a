"""Diffs of whole prompt versions: messages aligned, other fields listed, rendered for the CLI."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.diff import (
    Change,
    FieldChangeKind,
    MessageStatus,
    diff_contents,
    render_terminal,
)
from storage.releases.content import Message, PromptContent, Variable, version_id

SYSTEM = Message("system", "You are a support agent.\nAnswer in {{ language }}.\n")
USER = Message("user", "Customer says: {{ question }}")
EXAMPLE = Message("assistant", "Thanks for asking! Here is how refunds work.")


def prompt(*messages: Message, **fields) -> PromptContent:
    return PromptContent(messages=messages or (SYSTEM, USER), **fields)


def statuses(diff):
    return [(m.status, m.old_index, m.new_index) for m in diff.messages]


def test_identical_versions_have_no_changes():
    old = prompt(
        model="openai/gpt-4o", parameters={"temperature": 0.2}, variables=(Variable("question"),)
    )
    new = prompt(
        model="openai/gpt-4o", parameters={"temperature": 0.2}, variables=(Variable("question"),)
    )
    diff = diff_contents(old, new)
    assert not diff.changed
    assert diff.old_id == diff.new_id == version_id(old)
    assert diff.fields == ()
    assert statuses(diff) == [(MessageStatus.UNCHANGED, 0, 0), (MessageStatus.UNCHANGED, 1, 1)]
    assert f"No changes: both are version {diff.new_id[:12]}." in render_terminal(diff, color=False)


def test_changed_message_is_diffed_as_text():
    changed = Message("system", SYSTEM.content.replace("agent.", "agent. "))
    diff = diff_contents(prompt(SYSTEM, USER), prompt(changed, USER))
    assert statuses(diff) == [(MessageStatus.CHANGED, 0, 0), (MessageStatus.UNCHANGED, 1, 1)]
    assert diff.messages[0].text.notes == ("trailing space added on line 1",)
    assert diff.notes == ("message 1 (system): trailing space added on line 1",)
    text = render_terminal(diff, color=False)
    assert "message 1 (system) changed" in text
    assert "You are a support agent.{+·+}" in text
    assert "message 2" not in text


def test_message_added_and_removed():
    diff = diff_contents(prompt(SYSTEM, USER), prompt(SYSTEM, EXAMPLE, USER))
    assert statuses(diff) == [
        (MessageStatus.UNCHANGED, 0, 0),
        (MessageStatus.ADDED, None, 1),
        (MessageStatus.UNCHANGED, 1, 2),
    ]
    added = diff.messages[1]
    assert [row.kind for row in added.text.rows] == [Change.INSERT]
    assert "message 2 (assistant) added" in render_terminal(diff, color=False)

    diff = diff_contents(prompt(SYSTEM, EXAMPLE, USER), prompt(SYSTEM, USER))
    assert statuses(diff)[1] == (MessageStatus.REMOVED, 1, None)
    text = render_terminal(diff, color=False)
    assert "message 2 (assistant) removed" in text
    assert "- 1   │ Thanks for asking!" in text


def test_reordered_messages_are_reported_as_moved():
    diff = diff_contents(prompt(SYSTEM, EXAMPLE, USER), prompt(SYSTEM, USER, EXAMPLE))
    moved = [m for m in diff.messages if m.status is MessageStatus.MOVED]
    assert len(moved) == 1 and diff.changed
    assert {m.status for m in diff.messages} == {MessageStatus.UNCHANGED, MessageStatus.MOVED}
    (m,) = moved
    assert (
        f"{m.label} moved from position {m.old_index + 1} to {m.new_index + 1}"
        in render_terminal(diff, color=False)
    )


def test_role_change_pairs_the_message():
    diff = diff_contents(prompt(SYSTEM, USER), prompt(SYSTEM, Message("assistant", USER.content)))
    (_, m) = diff.messages
    assert (m.status, m.old_role, m.new_role) == (MessageStatus.CHANGED, "user", "assistant")
    assert "role: user -> assistant" in render_terminal(diff, color=False)


def test_edited_message_pairs_with_its_most_similar_successor():
    first = Message("user", "Question one?\nDetails.\n")
    second = Message("user", "Question two?\nMore details.\n")
    edited = Message("user", "Question two?\nMore details!\n")
    diff = diff_contents(prompt(SYSTEM, first, second), prompt(SYSTEM, edited))
    assert statuses(diff) == [
        (MessageStatus.UNCHANGED, 0, 0),
        (MessageStatus.REMOVED, 1, None),
        (MessageStatus.CHANGED, 2, 1),
    ]


def test_model_and_parameter_changes_are_listed():
    old = prompt(
        model="openai/gpt-4o", parameters={"temperature": 0.2, "max_tokens": 500, "stop": ["###"]}
    )
    new = prompt(
        model="openai/gpt-4o-mini",
        parameters={"temperature": 0.7, "seed": 42, "stop": ["###", "END"]},
    )
    diff = diff_contents(old, new)
    assert [(f.path, f.kind, f.old, f.new) for f in diff.fields] == [
        ("model", FieldChangeKind.CHANGED, "openai/gpt-4o", "openai/gpt-4o-mini"),
        ("parameters.max_tokens", FieldChangeKind.REMOVED, 500, None),
        ("parameters.seed", FieldChangeKind.ADDED, None, 42),
        ("parameters.stop[1]", FieldChangeKind.ADDED, None, "END"),
        ("parameters.temperature", FieldChangeKind.CHANGED, 0.2, 0.7),
    ]
    assert all(m.status is MessageStatus.UNCHANGED for m in diff.messages)
    text = render_terminal(diff, color=False)
    assert 'model: "openai/gpt-4o" -> "openai/gpt-4o-mini"' in text
    assert "parameters.temperature: 0.2 -> 0.7" in text
    assert "parameters.max_tokens: removed 500" in text
    assert "parameters.seed: added 42" in text


def test_whitespace_in_a_field_value_is_visible():
    diff = diff_contents(prompt(model="openai/gpt-4o"), prompt(model="openai/gpt-4o "))
    (change,) = diff.fields
    assert change.notes == ("trailing space added",)
    text = render_terminal(diff, color=False)
    assert 'model: "openai/gpt-4o" -> "openai/gpt-4o·"' in text
    assert "  ! trailing space added" in text


def test_variables_response_format_and_tools():
    schema = {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}},
    }
    tool = {
        "type": "function",
        "function": {"name": "lookup_order", "description": "Find an order"},
    }
    old = prompt(
        variables=(Variable("language", "reply language", "English"), Variable("question")),
        response_format=schema,
        tools=[tool],
    )
    new_schema = {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "array"}},
    }
    new_tool = {
        "type": "function",
        "function": {"name": "lookup_order", "description": "Find an order by id"},
    }
    new = prompt(
        variables=(Variable("question", "what the customer asked"), Variable("tone")),
        response_format=new_schema,
        tools=[new_tool, tool],
    )
    diff = diff_contents(old, new)
    got = [(f.path, f.kind) for f in diff.fields]
    assert got == [
        ("variables.language", FieldChangeKind.REMOVED),
        ("variables.question.description", FieldChangeKind.CHANGED),
        ("variables.tone", FieldChangeKind.ADDED),
        ("response_format.json_schema.schema.type", FieldChangeKind.CHANGED),
        ("tools[0]", FieldChangeKind.ADDED),
    ]
    text = render_terminal(diff, color=False)
    assert 'response_format.json_schema.schema.type: "object" -> "array"' in text
    assert (
        'variables.language: removed {"default": "English", "description": "reply language"}'
        in text
    )


def test_variable_order_and_type_of_a_value_count_as_changes():
    diff = diff_contents(
        prompt(
            variables=(Variable("a"), Variable("b")),
            response_format={"type": "json_object", "n": 1},
        ),
        prompt(
            variables=(Variable("b"), Variable("a")),
            response_format={"type": "json_object", "n": 1.0},
        ),
    )
    assert [(f.path, f.kind) for f in diff.fields] == [
        ("variables", FieldChangeKind.REORDERED),
        ("response_format.n", FieldChangeKind.CHANGED),
    ]


def test_terminal_output_is_plain_when_piped_and_coloured_otherwise():
    old = prompt(SYSTEM, USER, model="a")
    new = prompt(Message("system", SYSTEM.content.replace("agent", "assistant")), USER, model="b")
    diff = diff_contents(old, new)
    plain = render_terminal(diff, color=False)
    assert "\x1b" not in plain
    assert plain.startswith(f"--- {diff.old_id[:12]}\n+++ {diff.new_id[:12]}\n")
    assert "You are a support [-agent-]." in plain and "You are a support {+assistant+}." in plain
    coloured = render_terminal(diff, color=True)
    assert "\x1b[1;97;41magent\x1b[0m" in coloured and "\x1b[1;97;42massistant\x1b[0m" in coloured


def test_control_characters_in_a_prompt_cannot_drive_the_terminal():
    evil = Message("user", "Hi \x1b[2J\x1b]0;owned\x07 there")
    diff = diff_contents(prompt(SYSTEM, USER), prompt(SYSTEM, evil))
    for color in (False, True):
        text = render_terminal(diff, color=color)
        assert "\x1b[2J" not in text and "\x07" not in text
        assert "[ESC]" in text


# -- Property: the diff reports a change exactly when the version ids differ ---------------------

roles = st.sampled_from(["system", "user", "assistant"])
small_text = st.sampled_from(["", "Hi", "Hi ", "Hi\n", "Hi\r\n", "Bye", "\u00a0", "a\u200bb"])
messages = st.lists(st.builds(Message, roles, small_text), min_size=1, max_size=4)
parameters = st.fixed_dictionaries(
    {}, optional={"temperature": st.sampled_from([0, 0.5, 1]), "seed": st.sampled_from([1, 2])}
)
contents = st.builds(
    PromptContent,
    messages=messages,
    model=st.sampled_from(["m", "m ", "n"]),
    parameters=parameters,
    variables=st.sampled_from(
        [(), (Variable("a"),), (Variable("a", "x"),), (Variable("b"), Variable("a"))]
    ),
    response_format=st.sampled_from(
        [
            None,
            {"type": "json_object"},
            {"type": "json_object", "n": 1},
            {"type": "json_object", "n": 1.0},
        ]
    ),
    tools=st.sampled_from([None, [], [{"name": "f"}], [{"name": "f"}, {"name": "g"}]]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents, contents)
def test_changed_exactly_when_version_ids_differ(old, new):
    diff = diff_contents(old, new)
    assert diff.changed == (version_id(old) != version_id(new))
    # Every message of each version appears exactly once, and its text reconstructs.
    assert sorted(m.old_index for m in diff.messages if m.old_index is not None) == list(
        range(len(old.messages))
    )
    assert sorted(m.new_index for m in diff.messages if m.new_index is not None) == list(
        range(len(new.messages))
    )
    for m in diff.messages:
        if m.old_index is not None and m.status is not MessageStatus.MOVED:
            assert m.text.a == old.messages[m.old_index].content
        if m.new_index is not None:
            assert m.text.b == new.messages[m.new_index].content
    render_terminal(diff, color=False)
