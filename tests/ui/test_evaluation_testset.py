"""The test-set editor: model checks, undo, saving in place, import preview, export."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from desktop.ui.evaluation.testset_editor import TestSetEditor, check_specs
from desktop.ui.evaluation.testset_model import TestSetModel, new_row
from desktop.ui.tasks import Writer
from storage.workspace import testsets
from tests.ui.conftest import save_prompt


@pytest.fixture
def writer():
    w = Writer()
    yield w
    w.close()


@pytest.fixture
def editor(aio, workspace, writer):
    save_prompt(workspace, "support/reply", ("user", "Answer {{ question }} in {{ language }}"))
    with workspace.session() as s:
        from storage.workspace import prompts

        ts = testsets.create_test_set(s, "gold", prompt=prompts.get_prompt(s, "support/reply"))
        testsets.append_cases(s, ts, [
            testsets.CaseData({"question": "Where is my order?", "language": "English"},
                              "It ships today", "", ("orders",)),
            testsets.CaseData({"question": "أين طلبي؟", "language": "Arabic"}, None, "RTL"),
        ])
    widget = TestSetEditor(workspace, writer)
    widget.resize(1200, 700)
    widget.show()
    aio.run(widget.open_async("gold"))
    yield widget
    aio.run(widget.flush())
    widget.shutdown()
    widget.close()
    widget.deleteLater()


def stored(workspace):
    with workspace.session() as s:
        ts = testsets.require_test_set(s, "gold")
        return [(c.id, dict(c.variables), c.expected, c.notes, list(c.tags))
                for c in testsets.cases(s, ts)]


def test_model_passes_qtmodeltester(qtmodeltester):
    model = TestSetModel()
    model.load(["a", "b"], [new_row({"a": "1", "b": "two\nlines"}, "x"), new_row({"a": "3"})])
    qtmodeltester.check(model, force_py=True)
    model.add_rows([new_row({"c": "new variable"})])
    qtmodeltester.check(model, force_py=True)


def test_columns_are_variables_then_expected_notes_tags(editor):
    model = editor.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["question", "language", "Expected output", "Notes", "Tags"]
    assert model.rowCount() == 2
    assert model.index(1, 0).data() == "أين طلبي؟"
    assert model.index(0, 4).data() == "orders"


def test_edit_delete_move_undo_and_save_in_place(aio, editor, workspace):
    model = editor.model
    ids_before = [c[0] for c in stored(workspace)]
    assert model.setData(model.index(0, 2), "It ships\ntomorrow")
    assert model.index(0, 2).data(Qt.ItemDataRole.EditRole) == "It ships\ntomorrow"
    editor.table.setCurrentIndex(model.index(1, 0))
    editor.move(-1)
    assert model.index(0, 1).data() == "Arabic"
    editor.add_empty_case()  # below the selected case
    model.setData(model.index(1, 0), "Refund?")
    assert model.rowCount() == 3
    aio.run(editor.flush())
    rows = stored(workspace)
    assert [r[1]["language"] for r in rows] == ["Arabic", "", "English"]
    assert rows[1][1]["question"] == "Refund?"
    assert rows[2][2] == "It ships\ntomorrow"
    assert {rows[0][0], rows[2][0]} == set(ids_before)  # the same cases, kept in place

    # undo everything, one step at a time, back to the opened state
    while editor.undo_stack.canUndo():
        editor.undo_stack.undo()
    assert model.rowCount() == 2
    assert model.index(0, 2).data(Qt.ItemDataRole.EditRole) == "It ships today"
    aio.run(editor.flush())
    assert [r[0] for r in stored(workspace)] == ids_before

    editor.table.selectRow(0)
    editor.delete_selected()
    assert model.rowCount() == 1
    editor.undo_stack.undo()
    assert model.rowCount() == 2 and model.index(0, 0).data() == "Where is my order?"


def test_add_case_from_playground_adds_new_variables_and_undoes(aio, editor, workspace):
    row = editor.add_case({"question": "Hi", "language": "French", "tone": "warm"},
                          expected="Bonjour")
    assert row == 2
    assert editor.model.variables == ["question", "language", "tone"]
    assert editor.model.index(2, 3).data(Qt.ItemDataRole.EditRole) == "Bonjour"
    aio.run(editor.flush())
    assert stored(workspace)[2][1] == {"question": "Hi", "language": "French", "tone": "warm"}
    editor.undo_stack.undo()  # one step: the row and its new column
    assert editor.model.variables == ["question", "language"]
    assert editor.model.rowCount() == 2


def test_gate_and_evaluators_validated_inline(aio, editor, workspace):
    picker = editor.specs_edit
    picker.as_text.setChecked(True)  # "Edit as text"
    picker.editor.setPlainText("icontains:order\nregex:([unclosed\nlength:..280")
    assert picker.text_problems.isVisibleTo(editor)
    assert "Line 2" in picker.text_problems.text()
    picker.as_text.setChecked(False)  # in the form, the problem is shown beside its row
    assert [r.spec() for r in picker.rows][1] == "regex:([unclosed"
    assert not picker.rows[1].problem.isHidden() and picker.rows[0].problem.isHidden()
    picker.as_text.setChecked(True)
    picker.editor.setPlainText("icontains:order\nnope:x\nlength:..280")
    picker.as_text.setChecked(False)  # a line the form cannot show: it stays text, and says so
    assert picker.as_text.isChecked() and "nope" in picker.text_problems.text()
    editor.gate_check.setChecked(True)
    editor.gate_spin.setValue(0.75)
    aio.run(editor.flush())
    with workspace.session() as s:
        ts = testsets.require_test_set(s, "gold")
        assert ts.min_score is None and ts.evaluators == []  # nothing saved while invalid
    picker.editor.setPlainText("icontains:order\nlength:..280")
    assert picker.text_problems.isHidden()
    picker.as_text.setChecked(False)  # ...and then it does, as two rows
    assert [r.spec() for r in picker.rows] == ["icontains:order", "length:..280"]
    assert picker.rows[0].kind.currentText() == "Contains the text, any case"
    aio.run(editor.flush())
    with workspace.session() as s:
        ts = testsets.require_test_set(s, "gold")
        assert ts.min_score == 0.75 and ts.evaluators == ["icontains:order", "length:..280"]


def test_check_specs_names_the_line():
    specs, problems = check_specs("contains:a\n\nnope:x")
    assert specs == ["contains:a"]
    assert problems and problems[0].startswith("Line 3")


def test_import_preview_with_errors_disables_import(aio, editor, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("question,expected\nWhere?,Here\n", encoding="utf-8")  # no language column
    dialog = editor.import_dialog(bad)
    try:
        preview = aio.run(dialog.load_async())
        assert not preview.ok
        assert not dialog.import_button.isEnabled()
        assert dialog.problems.count() >= 1
        assert "language" in dialog.problems.item(0).text()
    finally:
        dialog.close()
        dialog.deleteLater()


def test_import_utf16_excel_file_then_undo(aio, editor, tmp_path):
    good = tmp_path / "excel.txt"
    text = "question\tlanguage\texpected\r\nCafé?\tFrench\tOui\r\nمرحبا\tArabic\tأهلا\r\n"
    good.write_bytes(text.encode("utf-16"))
    dialog = editor.import_dialog(good)
    try:
        preview = aio.run(dialog.load_async())
        assert preview.ok, preview.errors
        assert dialog.import_button.isEnabled()
        assert "utf-16" in dialog.detected.text() and "tab" in dialog.detected.text()
        assert dialog.model.rowCount() == 2
        assert "→ expected output" in dialog.model.headerData(2, Qt.Orientation.Horizontal)
        assert editor.apply_import(dialog) == 2
    finally:
        dialog.close()
        dialog.deleteLater()
    assert editor.model.rowCount() == 2
    assert editor.model.index(1, 0).data() == "مرحبا"
    editor.undo_stack.undo()
    assert editor.model.index(1, 0).data() == "أين طلبي؟"


def test_encoding_override_reads_again(aio, editor, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("question,language\nNaïve café,French\n".encode("cp1252"))
    dialog = editor.import_dialog(path)
    try:
        aio.run(dialog.load_async())
        dialog.encoding_box.setCurrentIndex(dialog.encoding_box.findData("latin-1"))
        preview = aio.run(dialog.load_async())
        assert preview.table.encoding == "iso8859-1"
        assert "encoding iso8859-1" in dialog.detected.text()
        assert "(detected)" not in dialog.detected.text()
    finally:
        dialog.close()
        dialog.deleteLater()


def test_export_jsonl(aio, editor, tmp_path):
    target = tmp_path / "out.jsonl"
    assert aio.run(editor.export_async(target))
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert lines[1]["question"] == "أين طلبي؟" and lines[0]["expected"] == "It ships today"


def test_choosing_a_column_role_fixes_a_missing_variable(aio, editor, tmp_path):
    path = tmp_path / "roles.csv"
    path.write_text("question,lang\nWhere?,English\n", encoding="utf-8")
    dialog = editor.import_dialog(path)
    try:
        preview = aio.run(dialog.load_async())
        assert not preview.ok and not dialog.import_button.isEnabled()
        assert ("Fills {{ language }}", "variable:language") in dialog.role_choices()
        dialog.overrides["lang"] = "variable:language"
        preview = aio.run(dialog.load_async())
        assert preview.ok and dialog.import_button.isEnabled()
        assert dialog.rows()[0].variables == {"question": "Where?", "language": "English"}
    finally:
        dialog.close()
        dialog.deleteLater()


def test_paged_set_moves_deletes_adds_undoes_and_saves_every_case(aio, workspace, writer, tmp_path):
    """1,000 cases read a page at a time: a delete, a move and an insert are saved as the new
    order of ids, without reading the cases not shown; undoing them all puts back every case
    (the deleted one under a new id, its data exactly)."""
    from desktop.ui.evaluation.testset_model import PAGE

    save_prompt(workspace, "support/reply", ("user", "Answer {{ question }}"))
    with workspace.session() as s:
        from storage.workspace import prompts

        ts = testsets.create_test_set(s, "paged", prompt=prompts.get_prompt(s, "support/reply"))
        testsets.append_cases(s, ts, [testsets.CaseData({"question": f"q{i}"}, f"e{i}")
                                      for i in range(1000)])
        ids = [c.id for c in testsets.cases(s, ts)]
    widget = TestSetEditor(workspace, writer)
    widget.resize(1200, 700)
    widget.show()
    try:
        aio.run(widget.open_async("paged"))
        aio.run(widget.columns_task)
        model = widget.model
        aio.run(widget.ids_task)
        assert not model.by_rank  # the unread rows are ids now
        assert model.pages_read == 1 and model.rowCount() == 1000
        # Delete case 500 (a page not read yet), move case 700 up, add one after case 900.
        model.remove_positions([500])
        assert model.index(500, 0).data() == "q501" and model.pages_read == 2
        assert model.move(698, -1)  # q699 (now at 698) above q698
        widget.table.setCurrentIndex(model.index(899, 0))
        widget.add_empty_case()
        model.setData(model.index(900, 0), "new one")
        assert model.pages_read <= 5
        widget.table.viewport().repaint()
        widget.hide()  # nothing on screen reads a page while it saves
        pages, unread = model.pages_read, model.unread()
        assert len(unread) >= 200
        aio.run(widget.flush())
        with workspace.session() as s:
            stored = testsets.cases(s, testsets.require_test_set(s, "paged"))
        questions = [c.variables["question"] for c in stored]
        expected = [f"q{i}" for i in range(1000) if i != 500]
        expected[697], expected[698] = expected[698], expected[697]
        expected.insert(900, "new one")
        assert questions == expected
        assert [c.id for c in stored if c.variables["question"] != "new one"] == \
            [ids[int(q[1:])] for q in expected if q != "new one"]  # kept in place
        assert stored[-1].expected == "e999"
        # The save read none of the cases not shown.
        assert model.unread() == unread and model.pages_read == pages
        while widget.undo_stack.canUndo():
            widget.undo_stack.undo()
        aio.run(widget.flush())
        with workspace.session() as s:
            stored = testsets.cases(s, testsets.require_test_set(s, "paged"))
        assert [c.variables["question"] for c in stored] == [f"q{i}" for i in range(1000)]
        assert [c.expected for c in stored[::PAGE]] == [f"e{i}" for i in range(0, 1000, PAGE)]
        assert stored[500].expected == "e500" and stored[500].id not in ids  # put back
        assert [c.id for c in stored[:500] + stored[501:]] == ids[:500] + ids[501:]
        assert [c.position for c in stored] == list(range(1000))
        assert model.unread() == unread and model.pages_read == pages
        target = tmp_path / "all.jsonl"
        assert aio.run(widget.export_async(target))
        lines = target.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1000 and json.loads(lines[-1])["question"] == "q999"
    finally:
        aio.run(widget.flush())
        widget.shutdown()
        widget.close()
        widget.deleteLater()


def test_unread_ranks_become_ids_wherever_the_rows_moved(qapp):
    """Before the ids come, rows not read are ranks; rows moved meanwhile keep their case."""
    from desktop.ui.evaluation.testset_model import TestSetModel

    ids = [100 + 7 * i for i in range(1000)]  # ids unlike ranks
    data = {case_id: testsets.CaseData({"q": f"q{i}"}) for i, case_id in enumerate(ids)}
    ranks_read: list[tuple[int, int]] = []

    def by_rank(start, count):
        ranks_read.append((start, count))
        return [(ids[r], data[ids[r]]) for r in range(start, min(start + count, len(ids)))]

    model = TestSetModel()
    model.load(["q"], range(1000), reader=lambda wanted: {i: data[i] for i in wanted},
               rank_reader=by_rank)
    assert model.by_rank
    assert model.move(900, -1)  # reads the page of 800-999 by rank
    assert ranks_read == [(800, 200)]
    model.set_ids(ids)
    assert not model.by_rank and model.unread()[:2] == [ids[0], ids[1]]
    assert len(model.unread()) == 800
    assert [model.index(p, 0).data() for p in (0, 799, 899, 900)] == ["q0", "q799", "q900",
                                                                     "q899"]
    changes = model.take_changes()
    assert changes.order[:800] == ids[:800] and changes.order[899:901] == [ids[900], ids[899]]
