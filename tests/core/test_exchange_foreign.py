"""Importing Humanloop, Dotprompt and Prompty files: what maps to what, rendered as the other
tool would render it, and everything left out is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.core.exchange import detect_format, import_paths
from desktop.core.exchange.common import Notes
from desktop.core.exchange.dotprompt import picoschema
from desktop.core.exchange.handlebars import translate
from storage.releases.content import Message, Variable
from storage.releases.template import render_messages
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace
from tests.core.test_promptfile import EXAMPLE

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Every sample file imported once into one workspace: (report by file name, contents)."""
    folder = tmp_path_factory.mktemp("foreign")
    ws = Workspace.open(folder / "w.promptpress")
    try:
        report = import_paths(ws, [FOREIGN], author="tester")
        with ws.session() as s:
            contents = {p.name: (repo.content_of(repo.resolve(s, p.name)), p.description,
                                 repo.resolve(s, p.name).message)
                        for p in repo.list_prompts(s)}
    finally:
        ws.close()
    return {f.path.name: f for f in report.files}, contents


def notes_of(report) -> str:
    return "\n".join(report.notes.skipped + report.notes.changed)


def test_every_sample_imports(imported):
    reports, contents = imported
    assert {name: r.status for name, r in reports.items()} == {
        "dotprompt-extract-contact.prompt": "imported",
        "humanloop-support-triage.prompt": "imported",
        "prompty-v1-review-extract.prompty": "imported",
        "prompty-v1-support-answer.prompty": "imported",
        "prompty-v2-azure-connection.prompty": "imported",
        "prompty-v2-greet.prompty": "imported",
        "review-extract.schema.json": "skipped",  # read through the .prompty that names it
    }
    assert {r.format for r in reports.values() if r.status != "skipped"} == {
        "Dotprompt", "Humanloop", "Prompty v1", "Prompty v2"}


def test_humanloop_sample(imported):
    reports, contents = imported
    content, description, message = contents["humanloop-support-triage"]
    assert content.model == "openai/gpt-4o"
    assert content.parameters == {"temperature": 0.2, "top_p": 1.0, "presence_penalty": 0.0,
                                  "frequency_penalty": 0.0, "seed": 42}
    assert content.response_format == {"type": "json_object"}
    assert content.tools[0]["function"]["name"] == "lookup_order"
    assert content.tools[0]["function"]["parameters"]["required"] == ["order_number"]
    assert [m.role for m in content.messages] == ["system", "user"]
    rendered = render_messages(content, {"company": "Contoso", "customer_name": "Jane",
                                         "email_body": "Where is {my} parcel?"})
    assert rendered[0].content == (
        "You triage customer emails for Contoso.\n"
        'Reply in JSON: {"category": ..., "urgency": 1-5, "summary": ...}.\n'
        "\n"
        "Categories: billing, delivery, returns, other.")
    assert rendered[1].content == "Customer: Jane\nEmail:\nWhere is {my} parcel?"
    text = notes_of(reports["humanloop-support-triage.prompt"])
    assert "max_tokens -1" in text
    assert "image" in text and "parcel-photo.jpg" in text
    assert "tool call" in text and "tool result message" in text
    assert message.startswith("Imported from") and message.endswith("(Humanloop)")


def test_dotprompt_sample(imported):
    reports, contents = imported
    content, description, _ = contents["dotprompt-extract-contact"]
    assert content.model == "gemini/gemini-1.5-flash"
    assert content.parameters == {"temperature": 0.1, "max_tokens": 512, "top_k": 20,
                                  "stop": ["###"]}
    assert content.variables == (
        Variable("text", "the email or letter to read"),
        Variable("language", "answer in this language", ""),
        Variable("hints", "known facts about the sender", ""),
    )
    schema = content.response_format["json_schema"]["schema"]
    assert content.response_format["type"] == "json_schema"
    assert schema["required"] == ["phones", "kind"]
    assert schema["properties"]["kind"] == {"enum": ["CUSTOMER", "SUPPLIER", "OTHER"],
                                            "description": "who wrote it"}
    assert [m.role for m in content.messages] == ["system", "user"]
    plain = render_messages(content, {"text": "Dear Sir, <b>call me</b>"})
    assert plain[0].content == ("You extract contact details from correspondence.\n"
                                "Never invent a phone number.")
    assert plain[1].content == "Dear Sir, <b>call me</b>"
    full = render_messages(content, {"text": "t", "language": "German",
                                     "hints": ["ships from Lyon", "pays late"]})
    assert full[0].content == (
        "You extract contact details from correspondence, answering in German.\n"
        "Known about the sender:\n- ships from Lyon\n- pays late\n"
        "Never invent a phone number.")
    text = notes_of(reports["dotprompt-extract-contact.prompt"])
    for expected in ("{{history}}", "{{media url=attachment}}", "metadata", "extractContact"):
        assert expected in text


def test_prompty_v1_sample(imported):
    reports, contents = imported
    content, description, message = contents["prompty-v1-support-answer"]
    assert content.model == "azure/gpt-4o-mini"
    assert content.parameters == {"max_tokens": 600, "temperature": 0.3, "stop": ["<|end|>"]}
    assert description.startswith("Answers a customer's question")
    assert [v.name for v in content.variables] == ["firstName", "question", "articles"]
    assert content.messages[0].content.startswith("You are a friendly support agent")
    assert content.messages[0].content.endswith("{% endfor %}")  # blank lines removed
    assert content.messages[1] == Message("user", "Hi, I'm {{firstName}}. {{question}}")
    rendered = render_messages(content, {"firstName": "Jane", "question": "Why?", "articles": [
        {"title": "Reset", "body": "Go to Settings."}]})
    assert "## Reset\nGo to Settings.\n" in rendered[0].content
    assert "Priya Natarajan, Tom Becker" in message and "1.3" in message
    text = notes_of(reports["prompty-v1-support-answer.prompty"])
    assert "api_key" in text and "azure_endpoint" in text and "sample" in text
    assert "${env:" not in text  # secrets references are named, never echoed


def test_prompty_v2_sample(imported):
    _, contents = imported
    content, _, _ = contents["prompty-v2-greet"]
    assert content.model == "openai/gpt-4o-mini"
    assert content.parameters == {"temperature": 0.7, "max_tokens": 120, "top_p": 0.9}
    assert content.variables == (Variable("who", "", "World"),
                                 Variable("language", "Language of the greeting", "English"))
    assert render_messages(content, {})[1].content == "Say hello to World in English."


def test_prompty_response_format_file_is_read_next_to_the_prompty_file(imported):
    reports, contents = imported
    content, _, _ = contents["prompty-v1-review-extract"]
    schema_file = FOREIGN / "review-extract.schema.json"
    assert content.response_format == json.loads(schema_file.read_text(encoding="utf-8"))
    assert content.response_format["json_schema"]["schema"]["required"] == [
        "dishes", "verdict", "summary"]
    text = notes_of(reports["prompty-v1-review-extract.prompty"])
    assert "${file:review-extract.schema.json}: read from review-extract.schema.json" in text


def test_prompty_v1_azure_deployment_without_a_type_is_an_azure_model(imported):
    reports, contents = imported
    content, _, _ = contents["prompty-v1-review-extract"]
    assert content.model == "azure/gpt-4o"
    assert content.parameters == {"temperature": 0}
    text = notes_of(reports["prompty-v1-review-extract.prompty"])
    assert "azure_deployment gpt-4o but no type: imported as the model azure/gpt-4o" in text
    assert "azure_endpoint" in text and "${env:" not in text


def test_prompty_v2_connection_azure_deployment_is_the_model(imported):
    reports, contents = imported
    content, _, _ = contents["prompty-v2-azure-connection"]
    assert content.model == "azure/gpt-4o-mini-triage"
    assert content.parameters == {"temperature": 0.1, "max_tokens": 50}
    text = notes_of(reports["prompty-v2-azure-connection.prompty"])
    assert "no deployment or model name given" not in text
    assert "imported as the model azure/gpt-4o-mini-triage" in text
    assert "model.connection (api_key, azure_endpoint, type)" in text  # the rest: a provider
    assert "${env:" not in text


PROMPTY_WITH_FORMAT = ("---\nmodel:\n  configuration:\n    type: openai\n    name: gpt-4o\n"
                       "  parameters:\n    response_format: {ref}\n---\nuser:\nHi\n")


@pytest.mark.parametrize("ref, reported", [
    ("${file:../outside.json}", "refused, the file is outside the folder of the .prompty file"),
    ("${file:/etc/passwd}", "refused, the file is outside the folder of the .prompty file"),
    ("${file:link.json}", "refused, the file is outside the folder of the .prompty file"),
    ("${file:missing.json}", "no such file in the folder of the .prompty file"),
    ("${file:broken.json}", "not valid JSON"),
    ("${file:twice.json}", "appears twice"),
    ("${env:RESPONSE_FORMAT}", "a reference to env (only file references are read)"),
], ids=["parent", "absolute", "symlink-out", "missing", "not-json", "duplicate-key", "env"])
def test_prompty_response_format_reference_that_cannot_be_read_is_reported(tmp_path, ref,
                                                                           reported):
    folder = tmp_path / "prompts"
    folder.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text('{"type": "json_object"}', encoding="utf-8")
    (folder / "link.json").symlink_to(outside)
    (folder / "broken.json").write_text('{"type": ', encoding="utf-8")
    (folder / "twice.json").write_text('{"type": "json_object", "type": "text"}',
                                       encoding="utf-8")
    item, content = _import_one(folder, "f.prompty", PROMPTY_WITH_FORMAT.format(ref=ref))
    assert item.status == "imported", item.lines()
    assert content.response_format is None  # never {"type": "${file:...}"}
    assert content.model == "openai/gpt-4o"
    assert any(reported in line for line in item.notes.skipped), item.notes.skipped
    assert "RESPONSE_FORMAT" not in notes_of(item)


def test_prompty_response_format_file_in_a_subfolder_with_a_bare_schema(tmp_path):
    (tmp_path / "schemas").mkdir()
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    (tmp_path / "schemas" / "answer.json").write_text(json.dumps(schema), encoding="utf-8")
    item, content = _import_one(tmp_path, "qa.prompty", PROMPTY_WITH_FORMAT.format(
        ref="${file:schemas/answer.json}"))
    assert content.response_format == {"type": "json_schema",
                                       "json_schema": {"name": "qa", "schema": schema}}
    assert "the JSON schema became a json_schema response format" in notes_of(item)


@pytest.mark.parametrize("text, expected", [
    (EXAMPLE, "Promptpress"),
    ('---\n---\n{{role "user"}}\nHello {{ name }}\n', "Promptpress"),
    ("Translate {{ text }}.\n", "Promptpress"),
    ('---\nmodel: openai/gpt-4o\n---\n{{role "user"}}\n<user>is a tag</user>\n', "Promptpress"),
    ("---\nmodel: gpt-4o\n---\n<system>\n  Hi\n</system>\n", "Humanloop"),
    ("---\nmodel: gpt-4o\ntemperature: 0.2\n---\nComplete: {{x}}", "Humanloop"),
    ('---\nmodel: googleai/gemini-2.0-flash\n---\n{{role "user"}}\nHi\n', "Dotprompt"),
    ('{{role "system"}}Be brief.{{role "user"}}{{q}}', "Dotprompt"),
    ("---\ninput:\n  schema:\n    q: string\n---\n{{q}}", "Dotprompt"),
    ("{{#if x}}yes{{/if}}", "Dotprompt"),
])
def test_detects_the_kind_of_prompt_file(text, expected):
    assert detect_format(text) == expected


# Each: Handlebars, values, and the text Handlebars (noEscape, as Dotprompt) renders.
HANDLEBARS = [
    ("Hi {{name}}!", {"name": "Ann"}, "Hi Ann!"),
    ("{{{html}}} {{&html}}", {"html": "<b>&</b>"}, "<b>&</b> <b>&</b>"),
    ("{{a.b}} {{a/b}}", {"a": {"b": "x"}}, "x x"),
    ("A\n{{#if on}}\nB\n{{else}}\nC\n{{/if}}\nD", {"on": True}, "A\nB\nD"),
    ("A\n{{#if on}}\nB\n{{else}}\nC\n{{/if}}\nD", {"on": ""}, "A\nC\nD"),
    ("{{#if a}}1{{else if b}}2{{else}}3{{/if}}", {"a": "", "b": "y"}, "2"),
    ("{{#unless done}}todo{{/unless}}", {"done": False}, "todo"),
    ("{{#each xs}}[{{@index}}:{{this}}{{#if @last}}.{{/if}}]{{/each}}", {"xs": ["a", "b"]},
     "[0:a][1:b.]"),
    ("{{#each people}}{{name}}@{{../site}} {{/each}}",
     {"people": [{"name": "a"}, {"name": "b"}], "site": "s"}, "a@s b@s "),
    ("{{#each xs}}x{{else}}none{{/each}}", {"xs": []}, "none"),
    ("{{#each m}}{{@key}}={{this}};{{/each}}", {"m": {"k": "v", "j": "w"}}, "k=v;j=w;"),
    ("{{#each xs as |x i|}}{{i}}{{x}}{{/each}}", {"xs": ["p", "q"]}, "0p1q"),
    ("{{#with user}}{{name}}{{else}}nobody{{/with}}", {"user": {"name": "Kim"}}, "Kim"),
    ('{{#ifEquals kind "a"}}A{{/ifEquals}}{{#unlessEquals kind "a"}}B{{/unlessEquals}}',
     {"kind": "b"}, "B"),
    ("{{json data}}", {"data": {"a": [1, 2]}}, '{"a": [1, 2]}'),
    ("a {{! note }} b {{!-- long }} note --}} c", {}, "a  b  c"),
    ("x  {{~y~}}  z", {"y": "Y"}, "xYz"),
    ("100% {% raw %} {# not #} \\{{literal}}", {}, "100% {% raw %} {# not #} {{literal}}"),
]


@pytest.mark.parametrize("source, values, expected", HANDLEBARS)
def test_handlebars_renders_the_same_in_jinja(source, values, expected):
    notes = Notes()
    translation = translate(source, notes, where="t")
    assert not notes.skipped, notes.skipped
    jinja = "".join(s.value for s in translation.segments)
    from storage.releases.content import PromptContent
    rendered = render_messages(PromptContent(messages=[Message("user", jinja)]), values)
    assert rendered[0].content == expected, jinja


@pytest.mark.parametrize("source, reported", [
    ("{{> header}}", "partials"),
    ("{{upper name}}", "helper 'upper'"),
    ("{{lookup map key}}", "helper 'lookup'"),
    ("{{#if (eq a b)}}x{{/if}}", "no Jinja equivalent"),
    ("{{#each xs}}{{@../index}}{{/each}}", "no Jinja equivalent"),
])
def test_untranslatable_handlebars_is_kept_visible_and_reported(source, reported):
    notes = Notes()
    translation = translate(source, notes, where="t")
    assert any(reported in n for n in notes.skipped), notes.skipped
    from storage.releases.content import PromptContent
    jinja = "".join(s.value for s in translation.segments)
    rendered = render_messages(PromptContent(messages=[Message("user", jinja)]),
                               {"name": "n", "map": {}, "key": "k", "a": 1, "b": 2, "xs": [1]})
    assert "{{" in rendered[0].content  # the original tag is still there for the author


def test_picoschema():
    assert picoschema({"a": "string", "b?": "integer, how many", "tags(array)": "string",
                       "kind(enum)": ["X", "Y"], "obj?(object)": {"c": "boolean"},
                       "(*)": "any"}) == {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": ["integer", "null"], "description": "how many"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"enum": ["X", "Y"]},
            "obj": {"type": ["object", "null"], "properties": {"c": {"type": "boolean"}},
                    "required": ["c"], "additionalProperties": False},
        },
        "required": ["a", "tags", "kind"],
        "additionalProperties": {},
    }
    assert picoschema({"type": "object", "properties": {}}) == {"type": "object",
                                                                 "properties": {}}


def _import_one(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ws = Workspace.open(tmp_path / "w.promptpress")
    try:
        report = import_paths(ws, [path], author="t")
        (item,) = report.files
        content = None
        if item.status != "failed":
            with ws.session() as s:
                content = repo.content_of(repo.resolve(s, item.name))
        return item, content
    finally:
        ws.close()


def test_humanloop_completion_and_literal_braces(tmp_path):
    item, content = _import_one(tmp_path, "complete.prompt", (
        "---\nmodel: claude-3-5-haiku\nprovider: anthropic\nendpoint: complete\n"
        "max_tokens: 200\nother:\n  top_k: 5\n---\n"
        "Summarise {{ doc }} in {% raw %} form; {{customer name}}.\n"))
    assert item.status == "imported", item.lines()
    assert content.model == "anthropic/claude-3-5-haiku"
    assert content.parameters == {"max_tokens": 200, "top_k": 5}
    assert content.messages[0].role == "user"
    out = render_messages(content, {"doc": "D", "customer_name": "C"})[0].content
    assert out == "Summarise D in {% raw %} form; C."
    assert "completion prompt" in notes_of(item) and "customer_name" in notes_of(item)


def test_humanloop_jinja_template_language_is_kept(tmp_path):
    item, content = _import_one(tmp_path, "j.prompt", (
        "---\nmodel: gpt-4o\nprovider: openai\ntemplate_language: jinja\n---\n"
        "<user>\n  {% for x in xs %}{{ x }}{% endfor %}\n</user>\n"))
    assert render_messages(content, {"xs": [1, 2]})[0].content == "12"


def test_prompty_mustache_roles_and_unsupported_messages(tmp_path):
    item, content = _import_one(tmp_path, "m.prompty", (
        "---\nname: m\nmodel:\n  configuration:\n    type: openai\n    name: gpt-4o\n"
        "template: mustache\n---\n"
        "You are terse.\n\n"
        "developer:\nFollow the rules.\n"
        "# user:\n{{#items}}- {{.}}\n{{/items}}{{^items}}nothing{{/items}} {{{raw}}}\n"
        "tool:\n{\"ok\": true}\n"
        "assistant[name=\"bot\"]:\nSure.\n"))
    assert item.status == "imported", item.lines()
    assert content.model == "openai/gpt-4o"
    assert [m.role for m in content.messages] == ["system", "system", "user", "assistant"]
    assert content.messages[0].content == "You are terse."
    rendered = render_messages(content, {"items": "", "raw": "<x>"})
    assert rendered[2].content == "nothing <x>"
    text = notes_of(item)
    for expected in ("developer message", "tool message", "role attributes", "{% if items %}",
                     "escaped HTML"):
        assert expected in text


def test_prompty_jinja_block_across_role_lines_fails_with_a_reason(tmp_path):
    item, _ = _import_one(tmp_path, "x.prompty", (
        "---\nmodel: gpt-4o\n---\nsystem:\n{% if a %}\nuser:\nhi\n{% endif %}\n"))
    assert item.status == "failed"
    assert "Template error" in item.error or "endif" in item.error


def test_dotprompt_role_inside_a_block_is_reported(tmp_path):
    item, content = _import_one(tmp_path, "r.prompt", (
        "---\nconfig:\n  temperature: 1\n  safetySettings: []\n---\n"
        '{{#if formal}}{{role "system"}}Be formal.{{/if}}\n{{role "user"}}\n{{q}}\n'))
    assert item.status == "imported"
    assert content.parameters == {"temperature": 1.0}
    text = notes_of(item)
    assert "role change inside a block" in text and "safetySettings" in text


def test_not_utf8_is_a_clear_failure(tmp_path):
    path = tmp_path / "latin1.prompty"
    path.write_bytes("---\nname: x\n---\nuser:\ncaf\xe9\n".encode("latin-1"))
    ws = Workspace.open(tmp_path / "w.promptpress")
    try:
        (item,) = import_paths(ws, [path]).files
    finally:
        ws.close()
    assert item.status == "failed" and "UTF-8" in item.error


def test_sample_files_are_left_untouched(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(FOREIGN, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    ws = Workspace.open(tmp_path / "w.promptpress")
    try:
        import_paths(ws, [copy])
    finally:
        ws.close()
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
