"""Templates: sandboxed, strict, byte-exact, and errors that say where."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.templates import (
    MissingVariables,
    TemplateProblem,
    find_variables,
    render_messages,
)
from storage.releases.content import Message, PromptContent, Variable


def prompt(*messages: tuple[str, str], variables=()) -> PromptContent:
    return PromptContent(messages=[Message(r, c) for r, c in messages], variables=variables)


def test_variables_are_found_in_order_of_first_use():
    content = prompt(("system", "Reply in {{ language }}."),
                     ("user", "{% for t in tickets %}{{ t.title }} {{ customer }}{% endfor %}"))
    assert find_variables(content) == ["language", "tickets", "customer"]


def test_rendering_keeps_every_byte_outside_tags():
    text = "Hi {{ name }},\r\n\tline two  \r\n\u00a0مرحبا 👋\rlast\n"
    [out] = render_messages(prompt(("user", text)), {"name": "Ада"})
    assert out.content == "Hi Ада,\r\n\tline two  \r\n\u00a0مرحبا 👋\rlast\n"


def test_values_are_inserted_exactly():
    [out] = render_messages(prompt(("user", "<{{ v }}>")), {"v": " a\r\nb\t \n"})
    assert out.content == "< a\r\nb\t \n>"


def test_crlf_inside_tags_still_parses():
    [out] = render_messages(prompt(("user", "{%\r\nif x\r\n%}yes{% endif %}\r\n")), {"x": True})
    assert out.content == "yes\r\n"


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="{}%#\x00")))
def test_text_without_tags_renders_to_itself(text):
    [out] = render_messages(prompt(("system", text)), {})
    assert out.content == text


def test_missing_variable_names_message_line_and_variable():
    content = prompt(("system", "You help."), ("user", "Order:\n{{ order_id }}\n{{ name }}"))
    with pytest.raises(MissingVariables) as caught:
        render_messages(content, {"name": "x"})
    error = caught.value
    assert (error.role, error.index, error.line, error.variable) == ("user", 2, 2, "order_id")
    assert "'order_id'" in str(error) and "user message (message 2), line 2" in str(error)


def test_defaults_fill_missing_values():
    content = prompt(("user", "{{ lang }}"), variables=[Variable("lang", "", "English")])
    assert render_messages(content, {})[0].content == "English"
    assert render_messages(content, {"lang": "Welsh"})[0].content == "Welsh"


def test_syntax_error_names_message_and_line():
    content = prompt(("system", "ok"), ("user", "line 1\nline 2 {{ name \nline 3"))
    with pytest.raises(TemplateProblem) as caught:
        find_variables(content)
    assert caught.value.line in (2, 3) and caught.value.role == "user"
    assert "user message (message 2)" in str(caught.value)


def test_undefined_attribute_is_reported_with_line():
    content = prompt(("user", "a\n{{ customer.email }}"))
    with pytest.raises(TemplateProblem) as caught:
        render_messages(content, {"customer": {"name": "x"}})
    assert caught.value.line == 2 and "email" in str(caught.value)


def test_sandbox_blocks_unsafe_access():
    content = prompt(("user", "{{ x.__class__.__mro__[1].__subclasses__() }}"))
    with pytest.raises(TemplateProblem):
        render_messages(content, {"x": ""})
