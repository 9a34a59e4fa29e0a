"""Journey 9 (test sets at scale, in small): in the real Test sets window, a person edits one
case of a 5,000-case set; the save writes that one case and nothing else, byte-exact."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QPlainTextEdit
from sqlalchemy import event

from storage.workspace import prompts, testsets
from tests.ui.conftest import save_prompt
from tests.ui.real_app import open_from_list, snap

CASES = 5000


def _populate(ws):
    save_prompt(ws, "support/reply", ("user", "Answer {{ question }} in {{ language }}"))
    with ws.session() as s:
        ts = testsets.create_test_set(s, "big", prompt=prompts.get_prompt(s, "support/reply"))
        testsets.append_cases(s, ts, [testsets.CaseData(
            {"question": f"Where is order {i}?", "language": "Arabic" if i % 17 == 0
             else "English"}, f"It ships on day {i}") for i in range(CASES)])


def _open_big(app, tab):
    """Ctrl+Shift+T in the prompt's editor; the Test window once the set "big" is open."""
    app.press("Ctrl+Shift+T", tab.messages.cards[0].editor)
    window = app.wait_window(QDialog, "Test — support/reply")
    editor = window.editor
    app.aio.wait(lambda: editor.loaded is not None and editor.loaded.name == "big",
                 what="the big test set to open")
    return window, editor


@contextmanager
def _case_statements(engine):
    """(reads of cases' variables, writes to test_cases as (statement, parameters)) while
    the block runs."""
    reads: list[str] = []
    writes: list[tuple[str, object]] = []

    def count(_conn, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT") and "test_cases.variables" in statement:
            reads.append(statement)
        if statement.lstrip().upper().startswith(("UPDATE TEST_CASES", "INSERT INTO TEST_CASES",
                                                  "DELETE FROM TEST_CASES")):
            writes.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield reads, writes
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_editing_one_case_of_5000_saves_only_that_case(open_app):
    app = open_app(populate=_populate)
    tab = open_from_list(app, "support/reply")
    window, editor = _open_big(app, tab)
    assert editor.model.rowCount() == CASES
    with app.workspace.session() as s:
        before = [testsets.CaseData.of(c) for c in
                  testsets.cases(s, testsets.require_test_set(s, "big"))]

    with _case_statements(app.workspace.engine) as (reads, writes):
        # Scroll far down, click the question of case 4,321, F2, and type a new one.
        index = editor.model.index(4320, 0)
        editor.table.scrollTo(index)
        app.aio.wait(lambda: editor.table.visualRect(index).isValid(), what="the row in view")
        QTest.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=editor.table.visualRect(index).center())
        assert editor.table.currentIndex().row() == 4320
        QTest.keyClick(editor.table, Qt.Key.Key_F2)
        cell = editor.table.findChild(QPlainTextEdit, "cellEditor")
        assert cell is not None and cell.toPlainText() == "Where is order 4320?"
        cell.selectAll()
        QTest.keyClick(cell, Qt.Key.Key_Delete)
        cell.insertPlainText("أين الطلب ٤٣٢١؟")  # as an input method types Arabic
        QTest.keyClicks(cell, "  ")
        QTest.keyClick(cell, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        app.aio.wait(lambda: "All changes saved" in editor.state_label.text(),
                     what="the edit to be saved", state=editor.state_label.text)
    # The save neither read every case (only the edited one, by id) nor wrote any other.
    assert reads and all("test_cases.id IN" in r for r in reads), reads
    assert len(writes) == 1 and writes[0][0].lstrip().upper().startswith("UPDATE TEST_CASES")
    with app.workspace.session() as s:
        after = [testsets.CaseData.of(c) for c in
                 testsets.cases(s, testsets.require_test_set(s, "big"))]
    assert after[4320].variables["question"] == "أين الطلب ٤٣٢١؟  "  # byte-exact
    assert after[:4320] == before[:4320] and after[4321:] == before[4321:]


def _populate_with_a_late_variable(ws):
    """5,000 cases; only the last one uses a variable the prompt does not declare."""
    save_prompt(ws, "support/reply", ("user", "Answer {{ question }} in {{ language }}"))
    with ws.session() as s:
        ts = testsets.create_test_set(s, "big", prompt=prompts.get_prompt(s, "support/reply"))
        testsets.append_cases(s, ts, [testsets.CaseData(
            {"question": f"Where is order {i}?", "language": "English"}, f"It ships on day {i}")
            for i in range(CASES - 1)] + [testsets.CaseData(
                {"question": "آخر سؤال 🙂", "language": "Arabic", "tone": "warm"}, None,
                "the last case")])


def test_opening_5000_cases_reads_only_the_first_page_and_scrolls_to_the_last(open_app):
    app = open_app(populate=_populate_with_a_late_variable)
    tab = open_from_list(app, "support/reply")
    reads: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        flat = " ".join(statement.split())
        if (flat.upper().startswith("SELECT") and "FROM test_cases" in flat
                and "variables" in flat):
            reads.append(flat)

    event.listen(app.workspace.engine, "before_cursor_execute", count)
    try:
        window, editor = _open_big(app, tab)
        assert editor.model.rowCount() == CASES
        assert editor.count_label.text() == "5,000 cases"
        # Opening read one page of cases (200 of 5,000), each read LIMITed; the scan for
        # variables further down stays in SQLite (json_each) and brings back names only (and
        # reads the one case, by position, whose key order settles the order of its names).
        app.aio.wait(lambda: editor.columns_task is not None and editor.columns_task.done(),
                     what="the variables of every case")
        assert editor.model.pages_read == 1, reads
        case_reads = [r for r in reads if "json_each" not in r]
        assert case_reads and all("LIMIT" in r or "position = ?" in r or "id IN" in r
                                  for r in case_reads), case_reads
        assert len([r for r in reads if "json_each" in r]) == 1
        headers = [editor.model.headerData(c, Qt.Orientation.Horizontal)
                   for c in range(editor.model.columnCount())]
        assert headers == ["question", "language", "tone", "Expected output", "Notes", "Tags"]
        assert "Unsaved" not in editor.state_label.text()  # a column found is not an edit

        # A person drags the scroll bar to the bottom: the last case is shown as stored.
        bar = editor.table.verticalScrollBar()
        bar.setValue(bar.maximum())
        last = editor.model.index(CASES - 1, 0)
        app.aio.wait(lambda: editor.table.visualRect(last).isValid()
                     and editor.table.viewport().rect().intersects(
                         editor.table.visualRect(last)), what="the last case in view")
        editor.table.viewport().repaint()
        assert editor.model.pages_read == 2  # the last page only, not the 23 between
        assert last.data() == "آخر سؤال 🙂"
        assert editor.model.index(CASES - 1, 2).data() == "warm"
        assert editor.model.index(CASES - 1, 4).data() == "the last case"
        assert editor.model.index(CASES - 2, 0).data() == f"Where is order {CASES - 2}?"
        assert editor.model.headerData(CASES - 1, Qt.Orientation.Vertical) == str(CASES)
        snap(window, "journey9-big-test-set-last-case")
    finally:
        event.remove(app.workspace.engine, "before_cursor_execute", count)
    # An edit of that last case saves it alone, and undo takes it back.
    editor.model.setData(editor.model.index(CASES - 1, 2), "formal")
    app.aio.run(editor.flush())
    with app.workspace.session() as s:
        stored = testsets.cases(s, testsets.require_test_set(s, "big"))
        assert stored[-1].variables == {"question": "آخر سؤال 🙂", "language": "Arabic",
                                        "tone": "formal"}
    editor.undo_stack.undo()
    app.aio.run(editor.flush())
    with app.workspace.session() as s:
        assert testsets.cases(s, testsets.require_test_set(s, "big"))[-1].variables["tone"] \
            == "warm"
    assert editor.model.pages_read == 2


def test_an_edit_typed_just_before_closing_the_window_is_saved(open_app):
    """The save waits a moment after the last keystroke; closing the Test window (or quitting)
    inside that moment still writes the edit."""
    app = open_app(populate=_populate)
    tab = open_from_list(app, "support/reply")
    window, editor = _open_big(app, tab)
    editor.save_timer.setInterval(60_000)  # the edit is still waiting when the window closes
    index = editor.model.index(7, 0)
    QTest.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=editor.table.visualRect(index).center())
    QTest.keyClick(editor.table, Qt.Key.Key_F2)
    cell = editor.table.findChild(QPlainTextEdit, "cellEditor")
    cell.selectAll()
    cell.insertPlainText("שאלה אחרונה 🙂 ")
    QTest.keyClick(cell, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert editor.pending and editor.save_timer.isActive()
    window.close()

    def stored():
        with app.workspace.session() as s:
            return testsets.cases(s, testsets.require_test_set(s, "big"))[7].variables["question"]
    app.aio.wait(lambda: stored() == "שאלה אחרונה 🙂 ", what="the edit to be saved",
                 state=stored)
    app.aio.wait(lambda: not app.view.features.closing, what="the closed window to be deleted")


def test_a_case_added_at_the_end_of_5000_is_saved_by_one_insert(open_app):
    """Select the last case, Ctrl+Shift+N, type: the save appends that one case; it neither
    reads the 5,000 nor rewrites their order."""
    app = open_app(populate=_populate)
    tab = open_from_list(app, "support/reply")
    window, editor = _open_big(app, tab)
    with _case_statements(app.workspace.engine) as (reads, writes):
        last = editor.model.index(CASES - 1, 0)
        editor.table.scrollTo(last)
        app.aio.wait(lambda: editor.table.visualRect(last).isValid(), what="the last row")
        QTest.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=editor.table.visualRect(last).center())
        app.press("Ctrl+Shift+N", editor.table)
        assert editor.model.rowCount() == CASES + 1
        assert editor.table.currentIndex().row() == CASES
        QTest.keyClick(editor.table, Qt.Key.Key_F2)
        cell = editor.table.findChild(QPlainTextEdit, "cellEditor")
        cell.insertPlainText("سؤال جديد في النهاية 🙂")
        QTest.keyClick(cell, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        app.aio.wait(lambda: "All changes saved" in editor.state_label.text(),
                     what="the new case to be saved", state=editor.state_label.text)
    assert reads == [], reads
    assert len(writes) == 1 and writes[0][0].lstrip().upper().startswith("INSERT INTO TEST_CASES")
    with app.workspace.session() as s:
        stored = testsets.cases(s, testsets.require_test_set(s, "big"))
    assert len(stored) == CASES + 1
    assert stored[-1].variables["question"] == "سؤال جديد في النهاية 🙂"
    assert [c.position for c in stored] == list(range(CASES + 1))

    # Edited again, it is one UPDATE of that case (it has its id now).
    with _case_statements(app.workspace.engine) as (_reads, writes):
        editor.model.setData(editor.model.index(CASES, 1), "Arabic")
        app.aio.wait(lambda: "All changes saved" in editor.state_label.text() and writes,
                     what="the second save", state=editor.state_label.text)
    assert len(writes) == 1 and writes[0][0].lstrip().upper().startswith("UPDATE TEST_CASES")


def test_inserting_deleting_and_moving_among_5000_cases_saves_the_order_without_reading_them(
        open_app):
    """Click the first case, add one below it, type; delete case 3; move case 10 down with
    Alt+Down. Each save sends the new order as ids: the 5,000 cases are neither read nor
    rewritten one by one, and undo brings the deleted one back, byte-exact."""
    app = open_app(populate=_populate)
    tab = open_from_list(app, "support/reply")
    window, editor = _open_big(app, tab)
    with app.workspace.session() as s:
        ids = testsets.case_ids(s, testsets.require_test_set(s, "big").id)

    def click(row: int) -> None:
        index = editor.model.index(row, 0)
        editor.table.scrollTo(index)
        app.aio.wait(lambda: editor.table.visualRect(index).isValid(), what=f"row {row}")
        QTest.mouseClick(editor.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=editor.table.visualRect(index).center())

    def saved(what: str) -> None:
        app.aio.wait(lambda: "All changes saved" in editor.state_label.text()
                     and not editor.pending, what=what, state=editor.state_label.text)

    with _case_statements(app.workspace.engine) as (reads, writes):
        click(0)
        app.press("Ctrl+Shift+N", editor.table)
        assert editor.table.currentIndex().row() == 1
        QTest.keyClick(editor.table, Qt.Key.Key_F2)
        cell = editor.table.findChild(QPlainTextEdit, "cellEditor")
        cell.insertPlainText("سؤال جديد  🙂")
        QTest.keyClick(cell, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        saved("the inserted case")
        click(3)  # "Where is order 2?" now
        app.press("Delete", editor.table)
        click(10)  # "Where is order 10?"
        app.press("Alt+Down", editor.table)
        saved("the delete and the move")
    assert reads == [], reads  # not one case's data read back
    assert sum(len(p) if isinstance(p, list) else 1 for _, p in writes) < 40, writes
    with app.workspace.session() as s:
        stored = testsets.cases(s, testsets.require_test_set(s, "big"))
    want = [f"Where is order {i}?" for i in range(CASES) if i != 2]
    want[9], want[10] = want[10], want[9]
    want.insert(1, "سؤال جديد  🙂")
    assert [c.variables["question"] for c in stored] == want
    assert [c.position for c in stored] == list(range(CASES))
    kept = [c.id for c in stored if c.variables["question"] != "سؤال جديد  🙂"]
    assert sorted(kept) == sorted(i for i in ids if i != ids[2])  # the others kept their ids
    assert stored[-1].expected == f"It ships on day {CASES - 1}"
    assert editor.model.pages_read <= 3

    app.press("Ctrl+Z", editor.table)  # the move
    app.press("Ctrl+Z", editor.table)  # the delete
    saved("the undo")
    with app.workspace.session() as s:
        stored = testsets.cases(s, testsets.require_test_set(s, "big"))
    assert [c.variables["question"] for c in stored][:4] == [
        "Where is order 0?", "سؤال جديد  🙂", "Where is order 1?", "Where is order 2?"]
    assert stored[3].expected == "It ships on day 2" and len(stored) == CASES + 1
    snap(window, "journey9-big-test-set-reordered")
