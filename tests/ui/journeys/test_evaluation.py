"""Journey 4: Test sets window → new set → CSV import with its mapping preview → run on two
models → grid → a rating → compare two runs. And Test → Add These Values to a Test Set…"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop.core import providers as core_providers
from desktop.ui.evaluation.grid_model import TotalsRole
from storage.workspace import testsets
from tests.ui.conftest import save_prompt
from tests.ui.real_app import (click, click_button, click_row, fill, open_from_list, pick, snap,
                               tick)

CSV = ("name,city,expected\r\n"
       "Nour,القاهرة,\"Echo: Greet Nour from القاهرة.\"\r\n"
       "Ana,São Paulo,Echo: Greet Ana from São Paulo.\r\n"
       "\"Lee, Jr.\",Seoul 서울,Echo: Greet Lee\r\n"
       "Zoë 👋,\"  Tab\tville \",nothing like it\r\n")


def _populate(fake_provider):
    def populate(ws):
        for name, model in (("fast", "openai/echo"), ("second", "openai/echo-second")):
            core_providers.add_provider(ws, name, model, base_url=fake_provider.base_url,
                                        api_key="sk-test")
        save_prompt(ws, "support/greet", ("user", "Greet {{ name }} from {{ city }}."))
    return populate


def test_new_set_import_run_rate_compare(open_app, fake_provider, tmp_path):
    source = tmp_path / "greetings.csv"
    source.write_bytes(CSV.encode("utf-8"))
    app = open_app(populate=_populate(fake_provider))
    tab = open_from_list(app, "support/greet")

    app.press("Ctrl+Shift+T", tab.messages.cards[0].editor)
    window = app.wait_window(QDialog, "Test — support/greet")
    editor = window.editor
    app.aio.wait(lambda: window.panel.choices is not None, what="the window to load")
    assert editor.set_box.count() == 0

    app.person.will_type("greetings", title="New test set")
    click_button(editor, "New test set…")
    app.person.wait_done()
    app.aio.wait(lambda: editor.loaded is not None and editor.loaded.name == "greetings",
                 what="the new test set")
    assert editor.loaded.prompt == "support/greet", "a new set belongs to the window's prompt"
    assert "for" not in editor.set_box.currentText()

    click_button(editor, "Import…")
    importer = app.wait_window(QDialog, "Import test cases")
    app.person.will_choose(source, title="Choose the file to import")
    click_button(importer, "Choose file…")
    app.person.wait_done()
    app.aio.wait(lambda: importer.preview is not None and importer.import_button.isEnabled(),
                 what="the mapping preview", state=importer.status.text)
    assert importer.model.rowCount() == 4
    snap(importer, "journey4-testset-import")
    click(importer.import_button)
    app.aio.wait(lambda: editor.model.rowCount() == 4 and "All changes saved"
                 in editor.state_label.text(), what="the imported cases to be saved",
                 state=editor.state_label.text)
    assert "(4 cases)" in editor.set_box.currentText()
    with app.workspace.session() as session:
        rows = [testsets.CaseData.of(c) for c in
                testsets.cases(session, testsets.require_test_set(session, "greetings"))]
    assert rows[3].variables == {"name": "Zoë 👋", "city": "  Tab\tville "}  # byte-exact
    assert rows[0].expected == "Echo: Greet Nour from القاهرة."
    click_button(editor, "+ Add evaluator")
    row = editor.evaluators.rows[-1]
    pick(row.kind, "Contains the text")
    fill(row.value, "{{ name }}")
    app.aio.wait(lambda: "All changes saved" in editor.state_label.text())
    with app.workspace.session() as session:
        assert testsets.require_test_set(session, "greetings").evaluators == ["contains:{{ name }}"]
    snap(window, "journey4-testsets")

    # Run on two models
    window.pages.setCurrentIndex(1)
    panel = window.panel
    app.aio.wait(lambda: panel.test_set_box.count() == 1 and "4 cases"
                 in panel.test_set_box.currentText(), what="the set in the Run panel",
                 state=panel.test_set_box.currentText)
    assert "other prompt" not in panel.test_set_box.currentText()
    app.aio.wait(lambda: panel.specs.text() == "contains:{{ name }}",
                 what="the set's evaluator in the Run panel", state=panel.specs.text)
    assert panel.specs.rows[0].kind.currentText() == "Contains the text"
    for i in range(panel.providers.count()):
        tick(panel.providers, i)
    click(panel.start_button)
    grid = window.grid
    app.aio.wait(lambda: grid.model is not None, what="the grid of the new run")
    assert "interrupted" not in grid.subtitle.text(), "a run starting now is running"
    app.aio.wait(lambda: grid.model is not None and grid.model.status == "finished",
                 timeout=30, what="the run to finish",
                 state=lambda: grid.model and grid.model.status)
    first_run = grid.model.run_id
    assert len(grid.model.columns) == 2 and grid.model.total_rows == 4
    assert "interrupted" not in grid.subtitle.text()
    assert "contains:{{ name }}" in grid.subtitle.text()
    app.aio.wait(lambda: all((t := grid.model.headerData(c, Qt.Orientation.Horizontal, TotalsRole))
                             is not None and t.done == 4 for c in (1, 2)),
                 what="the column totals to count every case")
    snap(window, "journey4-run-grid")

    # Rate one result
    click_row(grid.table, 1, column=1)
    app.aio.wait(lambda: grid.panel.save_button.isEnabled(), what="the result panel")
    click(grid.panel.up)
    click(grid.panel.save_button)
    app.aio.wait(lambda: "rated" in grid.panel.rating_note.text().lower()
                 or "saved" in grid.panel.rating_note.text().lower(),
                 what="the rating", state=grid.panel.rating_note.text)

    # The ticks stay; run again and compare the two runs
    assert all(panel.providers.item(i).checkState() == Qt.CheckState.Checked
               for i in range(panel.providers.count())), "provider ticks stay after a run"
    click(panel.start_button)
    app.aio.wait(lambda: grid.model.run_id != first_run and grid.model.status == "finished",
                 timeout=30, what="the second run")
    window.pages.setCurrentIndex(2)
    compare = window.compare
    app.aio.wait(lambda: compare.base_box.count() >= 2, what="runs to compare")
    app.aio.wait(lambda: compare.model.rowCount() == 4, what="the comparison",
                 state=compare.summary.text)
    snap(window, "journey4-compare-runs")
    window.close()


def test_add_these_values_asks_which_set(open_app, fake_provider):
    app = open_app(populate=_populate(fake_provider))
    tab = open_from_list(app, "support/greet")
    from tests.ui.conftest import type_text

    type_text(tab.variables.fields["name"].editor, "Ülkü")
    type_text(tab.variables.fields["city"].editor, "İzmir")
    click(tab.run_button)
    app.aio.wait(lambda: tab.running == 0 and tab.columns.columns[0].shown is not None
                 and tab.columns.columns[0].shown.status == "done", what="the answer")
    app.choose("Test", "Add These Values to a Test Set…")
    dialog = app.wait_window(QDialog, "Add to a test set")
    assert dialog.set_box.currentText() == "New test set…"
    click(dialog.use_answer)
    snap(dialog, "journey4-add-to-test-set")
    click_button(dialog, "Add case")
    app.aio.wait(lambda: "Added case 1" in app.view.notice.text(), what="the note",
                 state=app.view.notice.text)
    with app.workspace.session() as session:
        [(test_set, n)] = testsets.list_test_sets(session)
        case = testsets.cases(session, test_set)[0]
    assert case.variables == {"name": "Ülkü", "city": "İzmir"}
    assert case.expected == "Echo: Greet Ülkü from İzmir."

    # A second time: the existing set is offered first, nothing is added silently
    app.choose("Test", "Add These Values to a Test Set…")
    dialog = app.wait_window(QDialog, "Add to a test set")
    assert dialog.set_box.currentData() == test_set.name
    click_button(dialog, "Cancel")
    app.aio.sleep(0.2)
    with app.workspace.session() as session:
        assert len(testsets.cases(session, testsets.require_test_set(session, test_set.name))) == 1
