"""The main window around the workspace view: its menus, and quitting without losing anything."""

from __future__ import annotations

from desktop.ui.main_window import MainWindow
from storage.workspace import drafts as draft_repo
from storage.workspace.db import Workspace
from storage.workspace.models import TestCase, TestSet

from .conftest import save_prompt, type_text


def test_the_window_opens_the_workspace_and_quitting_keeps_the_draft(tmp_path, aio, litellm_loaded):
    path = tmp_path / "shell.promptpress"
    with Workspace.open(path) as ws:
        save_prompt(ws, "greeting", ("user", "Hello"))
    window = MainWindow(path)
    window.resize(1400, 900)
    window.show()
    try:
        window.start()
        aio.wait(lambda: window.view is not None)
        view = window.view
        aio.run(view.wait_loaded())
        assert [a.text() for a in window.menuBar().actions()] == [
            "&File", "&Prompt", "&Edit", "&View", "&Run", "V&ersions", "&Test", "Re&lease",
            "&Help"]
        tab = aio.run(view.open_prompt_async("greeting"))
        type_text(tab.messages.cards[0].editor, "Well, ")
        window.close()  # closes the model connections, then the window
        aio.wait(lambda: not window.isVisible())
    finally:
        window.shutdown()  # what aboutToQuit does in the app
        window.deleteLater()
    with Workspace.open(path) as ws, ws.session() as session:
        (draft,) = draft_repo.open_drafts(session)
    assert '"content":"Well, Hello"' in draft.state


def test_values_can_be_filled_from_a_test_case(harness, workspace):
    with workspace.session() as session:
        test_set = TestSet(name="calls")
        session.add(test_set)
        session.flush()
        session.add(TestCase(test_set_id=test_set.id, position=0,
                             variables={"topic": "refunds", "tone": "warm"}))
    save_prompt(workspace, "f", ("user", "{{ topic }} in a {{ tone }} tone"))
    harness.close()
    from .conftest import ViewHarness

    harness = ViewHarness(harness.aio, workspace)
    try:
        tab = harness.open("f")
        assert not tab.variables.fill_button.isHidden()
        tab.fill_menu.aboutToShow.emit()  # the menu opens
        (sub,) = tab.fill_menu.findChildren(type(tab.fill_menu))
        (row,) = sub.actions()
        assert row.text().startswith("Row 1: topic=refunds")
        row.trigger()
        assert tab.variables.values() == {"topic": "refunds", "tone": "warm"}
    finally:
        harness.close()


def test_restoring_a_backup_from_the_file_menu_keeps_the_replaced_file(tmp_path, aio, litellm_loaded):
    from storage.workspace import prompts as repo
    from storage.workspace.backup import backup_workspace

    path = tmp_path / "live.promptpress"
    with Workspace.open(path) as ws:
        save_prompt(ws, "kept-in-backup", ("user", "one"))
        backup_workspace(ws, tmp_path / "monday.promptpress")
        save_prompt(ws, "made-after", ("user", "two"))
    window = MainWindow(path)
    window.show()
    try:
        window.start()
        aio.wait(lambda: window.view is not None)
        aio.run(window.view.wait_loaded())
        kept = aio.run(window.restore_backup(tmp_path / "monday.promptpress"))
        aio.wait(lambda: window.view is not None)
        aio.run(window.view.wait_loaded())
        assert window.view.browser.names() == {"kept-in-backup"}
    finally:
        window.shutdown()
        window.deleteLater()
    with Workspace.open(kept) as old, old.session() as session:
        assert repo.get_prompt(session, "made-after") is not None  # nothing was lost
