"""Version ids: the same content gives the same id, and text is kept byte-exact."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.releases.content import (
    ContentError,
    Message,
    PromptContent,
    Variable,
    canonical_bytes,
    from_canonical,
    version_id,
)

# Text a prompt author can produce: any Unicode but NUL and lone surrogates, with a strong
# bias towards whitespace, CRLF, tabs, right-to-left scripts and emoji.
tricky = st.sampled_from([
    " ", "  ", "\t", "\r\n", "\n", "\r", "\u00a0", "\u200b", "\u200f", "\ufeff",
    "مرحبا بالعالم", "שלום עולם", "👩‍👩‍👧‍👦", "🇺🇦", "e\u0301", "{{ name }}",
])
text = st.lists(st.one_of(tricky, st.text(st.characters(blacklist_categories=("Cs",),
                                                              blacklist_characters="\x00"))),
                max_size=8).map("".join)
messages = st.lists(
    st.builds(Message, st.sampled_from(["system", "user", "assistant"]), text), min_size=1,
    max_size=4,
)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True)
variables = st.lists(st.builds(Variable, names, text, st.none() | text), max_size=3,
                     unique_by=lambda v: v.name)
contents = st.builds(
    PromptContent,
    messages=messages,
    model=st.sampled_from(["", "openai/gpt-4o-mini", "ollama/llama3"]),
    parameters=st.fixed_dictionaries({}, optional={
        "temperature": st.floats(0, 2, allow_nan=False),
        "max_tokens": st.integers(1, 100000),
        "stop": st.lists(text, max_size=2),
    }),
    variables=variables,
    response_format=st.none() | st.just({"type": "json_object"}),
)


@settings(max_examples=300)
@given(contents)
def test_canonical_round_trip_is_byte_exact(content):
    data = canonical_bytes(content)
    again = from_canonical(data)
    assert again == content
    assert canonical_bytes(again) == data
    assert version_id(again) == version_id(content)
    for before, after in zip(content.messages, again.messages):
        assert before.content.encode("utf-8") == after.content.encode("utf-8")


@given(contents)
def test_same_content_same_id(content):
    copy = PromptContent(**{f: getattr(content, f) for f in (
        "messages", "model", "parameters", "variables", "template_format", "response_format",
        "tools")})
    assert version_id(copy) == version_id(content)


@given(text, text)
def test_any_text_difference_changes_the_id(a, b):
    va = version_id(PromptContent(messages=[Message("user", a)]))
    vb = version_id(PromptContent(messages=[Message("user", b)]))
    assert (va == vb) == (a == b)


@pytest.mark.parametrize("a, b", [
    ("Hello", "Hello "),
    ("line\n", "line\r\n"),
    ("\tindent", "    indent"),
    ("no newline", "no newline\n"),
    ("a b", "a\u00a0b"),
    ("ab", "a\u200bb"),
])
def test_whitespace_changes_are_new_versions(a, b):
    assert version_id(PromptContent(messages=[Message("system", a)])) != version_id(
        PromptContent(messages=[Message("system", b)]))


def test_parameter_types_are_normalised():
    one = PromptContent(messages=[Message("user", "x")], parameters={"temperature": 1, "max_tokens": 5.0})
    other = PromptContent(messages=[Message("user", "x")], parameters={"temperature": 1.0, "max_tokens": 5})
    assert version_id(one) == version_id(other)


@pytest.mark.parametrize("bad, fragment", [
    (dict(messages=[]), "at least one message"),
    (dict(messages=[Message("robot", "x")]), "role"),
    (dict(messages=[Message("user", "x")], parameters={"temperature": float("nan")}), "finite"),
    (dict(messages=[Message("user", "x")], parameters={"max_tokens": 1.5}), "max_tokens"),
    (dict(messages=[Message("user", "\ud800")]), "not valid Unicode"),
    (dict(messages=[Message("user", "x")], variables=[Variable("a"), Variable("a")]), "twice"),
    (dict(messages=[Message("user", "x")], variables=[Variable("not a name")]), "valid name"),
])
def test_invalid_content_is_refused_with_a_reason(bad, fragment):
    with pytest.raises(ContentError, match=fragment):
        PromptContent(**bad)


def test_duplicate_keys_in_stored_content_are_refused():
    data = canonical_bytes(PromptContent(messages=[Message("user", "x")]))
    tampered = data.replace(b'"model":""', b'"model":"","model":"evil"')
    with pytest.raises(ContentError, match="duplicate"):
        from_canonical(tampered)
