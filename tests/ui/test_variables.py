"""The values form: fields follow the template's variables, values stay with the tab, and a
run with a value missing is refused with a message that names it."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor

from storage.releases.content import Variable

from .conftest import save_prompt, type_text


def test_fields_follow_the_variables_the_messages_use(harness, workspace, qtbot):
    save_prompt(workspace, "v", ("system", "Answer in {{ language }}."),
                ("user", "{% if urgent %}URGENT {% endif %}{{ question }}"),
                variables=(Variable("language", "The language of the answer", "English"),))
    tab = harness.open("v")
    assert tab.variables.names() == ["language", "urgent", "question"]
    assert tab.variables.fields["language"].description.text() == "The language of the answer"
    assert "English" in tab.variables.fields["language"].editor.placeholderText()

    editor = tab.messages.cards[1].editor
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    type_text(editor, " for {{ customer }}")
    tab.refresh_now()
    assert tab.variables.names() == ["language", "urgent", "question", "customer"]


def test_values_are_kept_per_tab_and_in_the_draft(harness, workspace):
    save_prompt(workspace, "a", ("user", "{{ x }}"))
    save_prompt(workspace, "b", ("user", "{{ x }}"))
    tab_a, tab_b = harness.open("a"), harness.open("b")
    tab_a.variables.fields["x"].editor.set_text("first\nsecond line")
    tab_a.variables.fields["x"].changed.emit("x", "first\nsecond line")
    assert tab_b.variables.values() == {}
    assert tab_a.state().values == {"x": "first\nsecond line"}


def test_running_with_a_value_missing_is_refused_and_names_it(workspace, provider, fake_provider, harness):
    save_prompt(workspace, "m", ("system", "Use {{ tone }}."), ("user", "Summarise {{ transcript }}"),
                model="openai/echo", variables=(Variable("tone", default="a calm tone"),))
    tab = harness.open("m")
    harness.aio.run(tab.run_all())
    text = tab.banner.text()
    assert "'transcript'" in text and "message 2" in text
    assert "tone" not in text.split("uses")[0]  # it has a default: not missing
    field = tab.variables.fields["transcript"]
    assert field.editor.hasFocus() or field.property("attention")
    assert fake_provider.requests == []  # nothing was sent
    assert tab.columns.columns[0].state.runs == []

    field.editor.set_text("The call.")
    field.changed.emit("transcript", "The call.")
    harness.aio.run(tab.run_all())
    harness.aio.wait(lambda: tab.columns.columns[0].state.runs[-1].status == "done")
    sent = fake_provider.requests[-1].body["messages"]
    assert sent == [{"role": "system", "content": "Use a calm tone."},
                    {"role": "user", "content": "Summarise The call."}]


def test_a_template_error_is_refused_with_where_it_is(workspace, provider, fake_provider, harness):
    save_prompt(workspace, "t", ("user", "fine"), ("user", "line one\n{{ broken"), model="openai/echo")
    tab = harness.open("t")
    assert tab.problem_label.text() == "Template problem in message 2"
    harness.aio.run(tab.run_all())
    assert "message 2" in tab.banner.text()
    assert fake_provider.requests == []


def test_what_will_be_sent_shows_the_exact_rendered_messages(harness, workspace):
    save_prompt(workspace, "p", ("system", "Hi\r\n"), ("user", "{{ a }}  "))
    tab = harness.open("p")
    tab.variables.fields["a"].editor.set_text("ערך")
    tab.variables.fields["a"].changed.emit("a", "ערך")
    tab.show_preview(True)
    harness.aio.wait(lambda: tab.preview.texts() == ["Hi\r\n", "ערך  "])
    assert "2 messages" in tab.preview.note.text()
    tab.variables.fields["a"].editor.set_text("")
    tab.variables.fields["a"].changed.emit("a", "")
    harness.aio.wait(lambda: "No value for the variable 'a'" in tab.preview.note.text())


def test_long_messages_are_scanned_and_rendered_off_the_gui_thread(workspace, provider, fake_provider, harness):
    from desktop.ui.playground import templating

    long = "Context paragraph. " * 1500 + "Answer {{ question }} for {{ customer }}."
    assert not templating.is_small(long)
    save_prompt(workspace, "long", ("system", long), ("user", "{{ question }}"), model="openai/echo")
    tab = harness.open("long")
    harness.aio.run(tab.refresh())
    assert tab.variables.names() == ["question", "customer"]
    tab.variables.set_values({"question": "Why?", "customer": "ACME"})
    harness.aio.run(tab.run_all())
    harness.aio.wait(lambda: tab.columns.columns[0].state.runs[-1].status == "done")
    sent = fake_provider.requests[-1].body["messages"]
    assert sent[0]["content"] == long.replace("{{ question }}", "Why?").replace("{{ customer }}", "ACME")
