"""The prompt file format reads back exactly what it wrote, and explains bad files."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.promptfile import PromptFileError, dumps, parse
from storage.releases.content import Message, PromptContent, Variable, version_id
from tests.storage.test_content import contents

EXAMPLE = """\
---
description: Summarise a support call
model: openai/gpt-4o-mini
parameters:
  temperature: 0.2
  max_tokens: 400
variables:
  transcript:
    description: The call transcript
  language:
    description: Language of the summary
    default: English
---
{{role "system"}}
You summarise support calls in {{ language }}.  
{{role "user"}}
{{ transcript }}
"""


def test_example_file():
    pf = parse(EXAMPLE)
    c = pf.content
    assert pf.description == "Summarise a support call"
    assert c.model == "openai/gpt-4o-mini"
    assert c.parameters == {"temperature": 0.2, "max_tokens": 400}
    assert [m.role for m in c.messages] == ["system", "user"]
    assert c.messages[0].content == "You summarise support calls in {{ language }}.  "
    assert c.messages[1].content == "{{ transcript }}"
    assert c.variables == (Variable("transcript", "The call transcript"),
                           Variable("language", "Language of the summary", "English"))


def test_crlf_file_keeps_crlf_inside_messages():
    pf = parse(EXAMPLE.replace("\n", "\r\n"))
    assert pf.content.messages[0].content == "You summarise support calls in {{ language }}.  "
    two = parse('---\r\n---\r\n{{role "user"}}\r\na\r\nb\r\n')
    assert two.content.messages[0].content == "a\r\nb"


def test_body_without_markers_is_one_user_message():
    pf = parse("Translate {{ text }} into French.\n")
    assert pf.content.messages == (Message("user", "Translate {{ text }} into French."),)
    assert pf.content.variable_names == ("text",)


def test_undeclared_variables_are_added_after_declared_ones():
    pf = parse('---\nvariables:\n  b: second\n---\n{{role "user"}}\n{{ a }} {{ b }} {{ c }}\n')
    assert pf.content.variable_names == ("b", "a", "c")


@settings(max_examples=200, deadline=None)
@given(contents)
def test_round_trip_is_exact(content):
    try:
        from desktop.core.templates import find_variables
        find_variables(content)
    except Exception:
        return  # random text is often not a valid template; saving those is refused
    from desktop.core.promptfile import with_detected_variables

    content = with_detected_variables(content)
    again = parse(dumps(content, description="d")).content
    assert again == content
    assert version_id(again) == version_id(content)


def test_content_with_a_marker_line_is_written_in_front_matter():
    content = PromptContent(messages=[
        Message("system", "{% raw %}\n{{role \"user\"}}\n{% endraw %}\n"), Message("user", "x")])
    text = dumps(content)
    assert "messages:" in text
    assert parse(text).content == content


@pytest.mark.parametrize("text, fragment", [
    ("---\nmodel: [unclosed\n---\nhi\n", "line 2: the front matter is not valid YAML"),
    ("---\nmodle: x\n---\nhi\n", "Did you mean 'model'"),
    ("---\nmodel: x\n", "no closing '---'"),
    ('---\n---\nhello\n{{role "user"}}\nx\n', "before the first"),
    ('---\n---\n{{role "robot"}}\nx\n', "unknown role 'robot'"),
    ('---\n---\n{{role "user"}}\n{{ broken \n', "user message (message 1)"),
    ("---\n---\n", "no messages"),
    ("---\nvariables: 3\n---\nx\n", "'variables'"),
])
def test_bad_files_say_what_and_where(text, fragment):
    with pytest.raises(PromptFileError, match=re.escape(fragment)):
        parse(text, source="p.prompt")


def test_not_utf8():
    with pytest.raises(PromptFileError, match="line 2: the file is not UTF-8"):
        parse(b"---\n\xff\xfe\n---\nx\n")


def test_bom_is_not_content():
    assert parse("\ufeffhello").content.messages[0].content == "hello"
