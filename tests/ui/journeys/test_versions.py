"""Journey 3: Save version… (button and Ctrl+S) → History → diff of two versions → restore."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLineEdit

from storage.workspace import prompts as repo
from tests.ui.conftest import save_prompt, type_text
from tests.ui.real_app import click, click_button, click_row, open_from_list, snap, type_in_editor

FIRST = "Summarise the NDA for a manager.\n"
RTL = "لخّص الاتفاقية في ثلاث جمل.  \n"  # Arabic, two trailing spaces kept


def test_save_twice_then_compare_and_restore_from_history(open_app):
    def populate(ws):
        save_prompt(ws, "legal/nda-summary", ("user", FIRST))

    app = open_app(populate=populate)
    tab = open_from_list(app, "legal/nda-summary")
    first_id = tab.base_version_id
    editor = tab.messages.cards[0].editor

    # 1. Save version… with the button
    type_in_editor(editor, "Summarise the NDA in plain words for a manager.\n")
    click(tab.save_button)
    dialog = app.wait_window(QDialog, "Save version")
    type_text(dialog.findChild(QLineEdit), "plainer words")
    click_button(dialog, "Save version")
    app.aio.wait(lambda: "Saved version" in tab.banner.text(), what="the first save")
    second_id = tab.base_version_id
    assert second_id != first_id and not tab.changed_chip.isVisible()

    # 2. Edit: the "Saved version" note goes, the changed mark comes; then Ctrl+S
    type_in_editor(editor, RTL)
    app.aio.wait(lambda: tab.changed_chip.isVisible(), what="the changed mark")
    assert tab.banner.text() == "", "the 'Saved version' note must not stay next to '● changed'"
    app.press("Ctrl+S", editor)
    dialog = app.wait_window(QDialog, "Save version")
    type_text(dialog.findChild(QLineEdit), "بالعربية")
    app.press("Return", dialog.findChild(QLineEdit))
    app.aio.wait(lambda: tab.base_version_id not in (first_id, second_id), what="the second save")
    third_id = tab.base_version_id
    with app.workspace.session() as session:
        content = repo.content_of(repo.resolve(session, f"legal/nda-summary@{third_id}"))
        assert content.messages[0].content == RTL  # byte-exact, trailing spaces and all

    # 3. History: three versions; compare the first and the third
    app.press("Ctrl+Shift+H", editor)
    window = app.wait_window(QDialog, "History — legal/nda-summary")
    from desktop.ui.versions import HistoryPanel

    panel = window.findChild(HistoryPanel)
    app.aio.wait(lambda: panel.model.versions() == 3, what="three versions in the history",
                 state=lambda: panel.model.rowCount())
    rows = {panel.model.entry(r).version_id: r for r in range(panel.model.rowCount())}
    click_row(panel.table, rows[third_id])
    click_row(panel.table, rows[first_id], ctrl=True)
    app.aio.wait(lambda: panel.diff_view.diff is not None
                 and panel.diff_view.diff.old_id == first_id
                 and panel.diff_view.diff.new_id == third_id, what="the diff of two versions")
    assert "version" in panel.diff_view.left_title.text()
    snap(window, "journey3-history-diff")

    # 4. Restore the first version
    click_row(panel.table, rows[first_id])
    app.person.will("Yes", title="Restore this version?")
    click(panel.restore_button)
    app.person.wait_done()
    app.aio.wait(lambda: "is the current version again" in panel.notice.text(),
                 what="the restore", state=panel.notice.text)
    with app.workspace.session() as session:
        assert repo.resolve(session, "legal/nda-summary").version_id == first_id
    click_button(window, "Close") if any(b.text() == "Close" for b in window.findChildren(
        __import__("PySide6.QtWidgets", fromlist=["QPushButton"]).QPushButton)) else window.close()


def test_compare_draft_with_saved_works_the_diff_out_off_the_gui_thread(open_app, monkeypatch):
    import threading

    from desktop.ui.versions import DraftDiffDialog, diff_view

    saved = "".join(f"Rule {k}: answer warmly, never promise a date. שלום 😀\n" for k in range(80))
    threads: list[threading.Thread] = []
    real = diff_view.diff_contents

    def recording(old, new):
        threads.append(threading.current_thread())
        return real(old, new)

    monkeypatch.setattr(diff_view, "diff_contents", recording)
    app = open_app(populate=lambda ws: save_prompt(ws, "support/rules", ("system", saved)))
    tab = open_from_list(app, "support/rules")
    rewritten = "".join(f"Step {k}: reply briefly; escalate refunds. مرحبا 🎉  \n"
                        for k in range(80))
    type_in_editor(tab.messages.cards[0].editor, rewritten)
    app.aio.wait(lambda: tab.changed_chip.isVisible(), what="the changed mark")
    app.choose("Versions", "Compare Draft with Saved Version…")
    dialog = app.wait_window(DraftDiffDialog, "Changes in the draft of support/rules")
    app.aio.wait(lambda: dialog.view.diff is not None, what="the draft's diff")
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert dialog.view.changes is not None and len(dialog.view.changes) > 0
    assert dialog.view.diff.messages  # the rewritten system message is in the diff
    dialog.close()
