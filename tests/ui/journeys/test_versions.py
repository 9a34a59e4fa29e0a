"""Journey 3: Save version… (button and Ctrl+S) → History → diff of two versions → restore."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLineEdit

from storage.workspace import prompts as repo
from tests.ui.conftest import save_prompt, type_text
from tests.ui.real_app import (click, click_button, click_row, fill, open_from_list, snap,
                                type_in_editor)

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


def test_search_finds_words_in_earlier_versions_and_notes_and_opens_that_version(open_app):
    """Journey 3b: the list's search box also looks through every earlier version and every
    version note (in a thread); picking a hit opens the prompt's history at that version."""
    from desktop.ui.versions import HistoryPanel
    from storage.releases.content import Message, PromptContent

    ids = {}

    def populate(ws):
        with ws.session() as session:
            def save(name, text, note):
                content = PromptContent(messages=(Message("user", text),))
                return repo.save_version(session, name, content, message=note).version.version_id

            ids["warm"] = save("support/refund-reply",
                               "Reply with a warmer tone to the customer, and offer the refund.\n",
                               "first draft")
            ids["short"] = save("support/refund-reply", "Reply briefly to the customer.\n",
                                "שלום: shorter for mobile 🎉")
            for n in range(30):
                save(f"team/prompt-{n:02}", f"Answer question {n} in two sentences"
                     + (", in a friendly tone.\n" if n == 0 else ".\n"), "")
            save("support/arabic-greeting", "مرحبا بالعميل، كيف يمكنني المساعدة؟\n",
                 "first Arabic greeting, checked by the Cairo team for tone and length")

    app = open_app(populate=populate)
    browser = app.window.view.browser

    # 1. Words only an earlier version has: the list is empty, the earlier version is found
    fill(browser.search, "warmer tone")
    app.aio.wait(lambda: browser.older.isVisible(), what="hits in earlier versions")
    assert browser.proxy.rowCount() == 0
    assert browser.empty.text() == "No current version matches “warmer tone”."
    items = _hit_texts(browser)
    assert [i.split("\n")[0] for i in items] == ["support/refund-reply"]
    assert "earlier version" in items[0] and "warmer tone" in items[0]

    # 2. A version note, in Hebrew with an emoji: found byte for byte
    fill(browser.search, "שלום")
    app.aio.wait(lambda: browser.older.query == "שלום" and browser.older.isVisible(),
                 what="the note hit")
    texts = _hit_texts(browser)
    assert texts == [texts[0]] and "version note" in texts[0] and "🎉" in texts[0]
    fill(browser.search, "🎉")  # one character, shorter than a trigram: the same note
    app.aio.wait(lambda: browser.older.query == "🎉" and browser.older.isVisible(),
                 what="the one-character search")
    assert _hit_texts(browser) == texts
    snap(app.window, "journey3-search-one-character")
    fill(browser.search, "رح")  # two characters, in the Arabic greeting's current text only
    app.aio.wait(lambda: browser.older.query == "رح", what="the two-character search")
    assert browser.proxy.rowCount() == 1 and not browser.older.isVisible()  # current text only
    fill(browser.search, "tone")  # a current text (the tree), an earlier text and a note below
    app.aio.wait(lambda: browser.older.query == "tone", what="the search for 'tone'")
    assert browser.proxy.rowCount() > 0 and browser.older.list.count() == 2
    snap(app.window, "journey3-search-earlier-versions")

    # 3. Picking the earlier version opens the prompt and its history at that version
    fill(browser.search, "warmer tone")
    app.aio.wait(lambda: browser.older.query == "warmer tone" and browser.older.isVisible(),
                 what="hits in earlier versions again")
    click_row(browser.older.list, 0)
    window = app.wait_window(QDialog, "History — support/refund-reply")
    panel = window.findChild(HistoryPanel)
    app.aio.wait(lambda: panel.selected_ids() == [ids["warm"]], what="the earlier version "
                 "selected", state=panel.selected_ids)
    assert app.window.view.current_tab().name == "support/refund-reply"
    window.close()

    # 4. Clearing the search hides the hits again
    fill(browser.search, "")
    app.aio.wait(lambda: not browser.older.isVisible(), what="the hits hidden")


def _hit_texts(browser) -> list[str]:
    from PySide6.QtCore import Qt

    hits = browser.older.list
    return [hits.item(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(hits.count())]
