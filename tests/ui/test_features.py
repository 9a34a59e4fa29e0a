"""The Versions and Release menus around the playground: forks, history, backups, dialogs."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from storage.workspace import prompts as repo
from storage.workspace.db import Workspace

from .conftest import save_prompt


def test_menus_include_versions_and_release(harness):
    titles = [m.title() for m in harness.view.menus()]
    assert "V&ersions" in titles and "Re&lease" in titles


def test_open_an_old_version_as_a_draft_saves_with_that_parent(harness, workspace):
    first = save_prompt(workspace, "fork/me", ("user", "one"))
    second = save_prompt(workspace, "fork/me", ("user", "two"))
    with workspace.session() as session:
        old_pk = repo.resolve(session, f"fork/me@{first}").pk
    view = harness.view
    harness.aio.run(view.features._open_version(old_pk))
    tab = view.current_tab()
    assert tab.base_version_id == first
    assert tab.messages.messages() == [("user", "one")]
    tab.messages.cards[0].editor.setPlainText("one, forked")
    tab.refresh_now()
    result = harness.aio.run(tab.save_version("fork from the first"))
    with workspace.session() as session:
        saved = repo.resolve(session, f"fork/me@{result.version_id}")
        assert saved.parent.version_id == first  # not the newer `second`
    assert result.version_id not in (first, second)


def test_history_window_opens_for_a_saved_prompt(harness, workspace):
    save_prompt(workspace, "h", ("user", "a"))
    save_prompt(workspace, "h", ("user", "b"))
    harness.open("h")
    features = harness.view.features
    features.show_history()
    [window] = [w for w in features.windows if isinstance(w, QDialog)]
    harness.aio.run(window.findChild(__import__("desktop.ui.versions", fromlist=["x"]).HistoryPanel)
                    .reload())
    window.close()
    harness.aio.run(_settle())


def test_history_and_suggestions_ask_for_a_saved_version_first(harness):
    from PySide6.QtWidgets import QApplication, QMessageBox

    tab = harness.aio.run(harness.view.create_prompt("drafts/ünsaved ☕"))
    assert not tab.base_version_id
    features = harness.view.features
    said = []
    for act in (features.a_history, features.a_suggest):
        act.trigger()
        [box] = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()]
        said.append((box.windowTitle(), box.text()))
        box.close()
        harness.aio.run(_settle())
    assert said == [
        ("History", "“drafts/ünsaved ☕” has no saved version yet. Save one (Ctrl+S) and its "
                    "history starts."),
        ("Suggestions", "“drafts/ünsaved ☕” has no saved version yet. Save one (Ctrl+S): "
                        "suggestions are proved against a version.")]
    assert not [w for w in features.windows if isinstance(w, QDialog)]


async def _settle():
    import asyncio

    await asyncio.sleep(0.05)


def test_backup_from_the_menu_writes_a_workspace(harness, workspace, tmp_path):
    save_prompt(workspace, "kept", ("user", "précieux\r\n"))
    target = tmp_path / "copy.promptpress"
    harness.aio.run(harness.view.features._backup(str(target)))
    with Workspace.open(target) as copy, copy.session() as session:
        assert repo.content_of(repo.resolve(session, "kept")).messages[0].content == "précieux\r\n"


def test_rename_keeps_history_and_the_open_tab_follows(harness, workspace):
    first = save_prompt(workspace, "old/name", ("user", "a"))
    tab = harness.open("old/name")
    harness.aio.run(harness.view.features._rename("old", "new", "folder"))
    assert tab.name == "new/name"
    assert "new/name" in harness.view.browser.names()
    with workspace.session() as session:
        assert repo.resolve(session, "new/name").version_id == first
    tab.messages.cards[0].editor.setPlainText("b")
    tab.refresh_now()
    result = harness.aio.run(tab.save_version("after the move"))
    with workspace.session() as session:
        saved = repo.resolve(session, f"new/name@{result.version_id}")
        assert saved.parent.version_id == first
        assert repo.get_prompt(session, "old/name") is None


def test_a_refused_rename_says_why_and_changes_nothing(harness, workspace):
    from PySide6.QtWidgets import QApplication, QMessageBox

    first = save_prompt(workspace, "kept/name", ("user", "a"))
    harness.aio.run(harness.view.refresh_browser())
    harness.aio.run(harness.view.features._rename("no/such", "other", "prompt"))
    [box] = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    assert box.windowTitle() == "Rename" and box.text().startswith(
        "There is no prompt or folder named 'no/such'.")
    box.close()
    assert harness.view.notice.text() == ""
    assert "kept/name" in harness.view.browser.names() and "other" not in harness.view.browser.names()
    with workspace.session() as session:
        assert repo.resolve(session, "kept/name").version_id == first
    harness.aio.run(_settle())


def test_delete_then_undo_from_the_notice(harness, workspace):
    save_prompt(workspace, "doomed", ("user", "x"))
    harness.aio.run(harness.view.refresh_browser())
    features = harness.view.features
    harness.aio.run(features._delete("doomed"))
    assert "doomed" not in harness.view.browser.names()
    assert "Deleted" in harness.view.notice.text()
    harness.aio.run(features._undelete("doomed"))
    assert "doomed" in harness.view.browser.names()
