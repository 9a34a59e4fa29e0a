"""Journey 2: a prompt with two variables → values → three columns → Run all → answers, stats and
a rate-limited column."""

from __future__ import annotations

from desktop.core import providers as core_providers
from tests.ui.conftest import save_prompt, type_text
from tests.ui.real_app import click, open_from_list, pick, snap, type_in_editor


def test_three_models_side_by_side_with_a_rate_limited_one(open_app, fake_provider):
    def populate(ws):
        for name, model in (("fast", "openai/echo"), ("careful", "openai/echo-careful"),
                            ("busy", "openai/fault-429:30")):
            core_providers.add_provider(ws, name, model, base_url=fake_provider.base_url,
                                        api_key="sk-test")
        save_prompt(ws, "support/summary", ("system", "You summarise calls."),
                    ("user", "Summarise this."))

    app = open_app(populate=populate)
    tab = open_from_list(app, "support/summary")
    editor = tab.messages.cards[1].editor
    type_in_editor(editor, "Summarise {{ transcript }} in {{ language }}.\n")
    app.aio.wait(lambda: tab.variables.names() == ["transcript", "language"],
                 what="the two variables", state=tab.variables.names)

    app.press("Ctrl+Return", editor)  # run before filling the values: told what is missing
    app.aio.wait(lambda: "transcript" in tab.banner.text(), what="the missing-values banner",
                 state=tab.banner.text)
    type_text(tab.variables.fields["transcript"].editor, "Customer: my parcel is late — متأخر 📦")
    type_text(tab.variables.fields["language"].editor, "English")
    app.aio.wait(lambda: tab.banner.text() == "", what="the banner to go once values are filled",
                 state=tab.banner.text)

    app.press("Ctrl+Shift+K", editor)
    app.press("Ctrl+Shift+K", editor)
    columns = tab.columns.columns
    assert len(columns) == 3
    for column, provider in zip(columns, ("fast", "careful", "busy")):
        pick(column.provider_box, provider)
    assert [c.state.provider for c in columns] == ["fast", "careful", "busy"]

    click(tab.run_button)
    app.aio.wait(lambda: tab.running == 0 and all(c.shown is not None and c.shown.status
                                                 in ("done", "failed") for c in columns),
                 timeout=20, what="every column to finish",
                 state=lambda: [(c.shown and c.shown.status) for c in columns])
    fast, careful, busy = columns
    for column in (fast, careful):
        assert column.shown.status == "done"
        assert column.output.toPlainText().startswith("Echo: Summarise Customer: my parcel is late"
                                                      " — متأخر 📦 in English.")
        assert "tokens" in column.stats.text() and " s" in column.stats.text()
    assert busy.shown.status == "failed"
    assert busy.body.currentWidget() is busy.error
    assert "Too many requests" in busy.error.title.text()
    assert "no answer" in busy.stats.text()
    request = fake_provider.requests[-1].body
    assert request["messages"][0] == {"role": "system", "content": "You summarise calls."}
    snap(app.window, "journey2-playground")
