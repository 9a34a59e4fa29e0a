"""Saving a tab as a version: the id is shown, and saving unchanged content says so."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialog

from storage.workspace import prompts as repo

from .conftest import save_prompt, type_text


def test_save_shows_the_version_id_and_then_says_unchanged(harness, workspace):
    first = save_prompt(workspace, "s", ("user", "Hello {{ name }}"))
    tab = harness.open("s")
    assert tab.version_chip.text() == f"version {first[:12]}"
    tab.request_save()  # Ctrl+S with nothing changed: no dialog, just the answer
    assert f"Unchanged: identical to version {first[:12]}" in tab.banner.text()

    editor = tab.messages.cards[0].editor
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    type_text(editor, "!")
    tab.refresh_now()
    assert tab.modified and not tab.changed_chip.isHidden()
    result = harness.aio.run(tab.save_version("Add an exclamation mark"))
    assert result.created
    assert result.version_id[:12] in tab.banner.text() and result.version_id in tab.banner.text()
    assert tab.version_chip.text() == f"version {result.version_id[:12]}"
    assert not tab.modified and tab.changed_chip.isHidden()
    with workspace.session() as session:
        version = repo.resolve(session, "s")
        assert version.version_id == result.version_id
        assert version.message == "Add an exclamation mark"
        assert version.parent.version_id == first
        content = repo.content_of(version)
    assert content.messages[0].content == "Hello {{ name }}!"
    assert [v.name for v in content.variables] == ["name"]  # declared when saved

    again = harness.aio.run(tab.save_version("nothing new"))
    assert not again.created and "Unchanged" in tab.banner.text()


def test_ctrl_s_on_a_changed_tab_asks_for_a_message(harness, workspace, qtbot):
    save_prompt(workspace, "d", ("user", "x"))
    tab = harness.open("d")
    type_text(tab.messages.cards[0].editor, "y")
    tab.request_save()
    dialog = next(w for w in tab.findChildren(QDialog) if w.isVisible())
    dialog.message.setText("typed y")
    dialog.accept()
    harness.aio.wait(lambda: "Saved version" in tab.banner.text())
    with workspace.session() as session:
        assert repo.resolve(session, "d").message == "typed y"


def test_a_new_prompt_is_created_by_its_first_save(harness, workspace):
    tab = harness.aio.run(harness.view.create_prompt("team/new-one"))
    first, second = tab.messages.cards
    type_text(first.editor, "You are helpful.")
    type_text(second.editor, "Summarise {{ text }} for {{ reader }}")
    result = harness.aio.run(tab.save_version("first"))
    assert result.created and tab.prompt_id is not None
    harness.aio.wait(lambda: "team/new-one" in harness.view.browser.names())
    with workspace.session() as session:
        content = repo.content_of(repo.resolve(session, "team/new-one"))
    assert [m.content for m in content.messages] == ["You are helpful.",
                                                     "Summarise {{ text }} for {{ reader }}"]


def test_a_new_prompt_cannot_take_the_name_of_another(harness, workspace):
    save_prompt(workspace, "taken", ("user", "original"))
    tab = harness.aio.run(harness.view.create_prompt("taken"))
    type_text(tab.messages.cards[1].editor, "other")
    assert harness.aio.run(tab.save_version("")) is None
    assert "exists already" in tab.banner.text()
    with workspace.session() as session:
        assert repo.content_of(repo.resolve(session, "taken")).messages[0].content == "original"
    harness.view.ask_close_tab = lambda tab: "discard"
