"""Drafts: every tab is autosaved and comes back, with its tabs, after a restart or a crash.
Closing a tab asks only when something would be lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtGui import QTextCursor

from storage.workspace import drafts as draft_repo
from storage.workspace.db import Workspace

from .app_driver import TYPED
from .conftest import ViewHarness, save_prompt, type_text

ROOT = Path(__file__).resolve().parents[2]


def _type_at_end(editor, text: str) -> None:
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)
    type_text(editor, text)


def test_draft_comes_back_after_the_app_is_killed(tmp_path, aio):
    path = tmp_path / "crash.promptpress"
    with Workspace.open(path) as ws:
        save_prompt(ws, "support/draft-me", ("user", "Tell me about {{ topic }}"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.app_driver", str(path),
                             "support/draft-me"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.strip() == "READY" or not line:
                break
        assert line.strip() == "READY", proc.stderr.read() if proc.poll() is not None else line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    ws = Workspace.open(path)  # the lock died with the process
    harness = ViewHarness(aio, ws)
    try:
        tabs = harness.view.tab_list()
        assert [t.name for t in tabs] == ["support/draft-me"]
        tab = tabs[0]
        assert tab.messages.cards[0].text() == "Tell me about {{ topic }}" + TYPED
        assert tab.variables.values() == {"topic": "green tea"}
        assert tab.modified and tab.tab_title == "draft-me •"
    finally:
        harness.close()
        ws.close()


def test_tabs_and_their_state_come_back_in_order_after_a_restart(aio, workspace, fake_provider, provider):
    save_prompt(workspace, "one", ("user", "first {{ x }}"), model="openai/echo")
    save_prompt(workspace, "two", ("user", "second"), model="openai/echo")
    harness = ViewHarness(aio, workspace)
    one, two = harness.open("one"), harness.open("two")
    _type_at_end(one.messages.cards[0].editor, " more")
    one.variables.set_values({"x": "value\nwith lines"})
    one.columns.add_column()
    one.columns.columns[1].settings.max_tokens.setValue(256)
    two.whitespace_button.setChecked(True)
    harness.aio.run(two.run_all())
    harness.aio.wait(lambda: two.columns.columns[0].state.runs[-1].status == "done")
    harness.view.tabs.tabBar().moveTab(0, 1)  # drag "one" after "two"
    harness.close()  # quitting saves what the autosave had not yet written

    harness = ViewHarness(aio, workspace)
    try:
        two, one = harness.view.tab_list()
        assert (two.name, one.name) == ("two", "one")
        assert one.messages.cards[0].text() == "first {{ x }} more"
        assert one.variables.values() == {"x": "value\nwith lines"}
        assert len(one.columns.columns) == 2
        assert one.columns.columns[1].state.params == {"max_tokens": 256}
        assert two.whitespace_button.isChecked()
        assert two.columns.columns[0].output.toPlainText() == "Echo: second"
        assert one.modified and not two.modified
    finally:
        harness.close()


def test_autosave_writes_soon_after_an_edit_without_quitting(harness, workspace):
    save_prompt(workspace, "a", ("user", "text"))
    tab = harness.open("a")
    _type_at_end(tab.messages.cards[0].editor, "!")
    ids = []
    harness.view.drafts_saved.connect(ids.extend)
    harness.aio.wait(lambda: tab.draft_id in ids, timeout=5)
    with workspace.session() as session:
        state = draft_repo.get_draft(session, tab.draft_id).state
    assert '"content":"text!"' in state


def test_closing_asks_only_when_something_would_be_lost(harness, workspace):
    save_prompt(workspace, "kept", ("user", "as saved"))
    save_prompt(workspace, "edited", ("user", "as saved"))
    view = harness.view
    clean, edited = harness.open("kept"), harness.open("edited")
    assert view.close_tab(view.tabs.indexOf(clean))  # unchanged: closes without a question
    _type_at_end(edited.messages.cards[0].editor, " and changed")
    asked = []
    view.ask_close_tab = lambda tab: asked.append(tab.name) or "cancel"
    assert not view.close_tab(view.tabs.indexOf(edited))
    assert asked == ["edited"] and view.tab_list() == [edited]
    view.ask_close_tab = lambda tab: "discard"
    assert view.close_tab(view.tabs.indexOf(edited))
    view.writer.drain()
    with workspace.session() as session:
        assert draft_repo.open_drafts(session) == []
    reopened = harness.open("edited")
    assert reopened.messages.cards[0].text() == "as saved" and not reopened.modified
    assert not view.welcome.isVisible() and view.tabs.count() == 1


def test_a_new_prompt_with_nothing_typed_closes_without_asking(harness):
    tab = harness.aio.run(harness.view.create_prompt("drafts/empty"))
    assert tab.tab_title == "empty •"
    assert harness.view.close_tab(harness.view.tabs.indexOf(tab))


def test_closing_with_save_closes_only_once_the_version_is_saved(harness, workspace):
    from PySide6.QtWidgets import QDialog

    from storage.workspace import prompts as repo

    save_prompt(workspace, "s", ("user", "before"))
    view = harness.view
    tab = harness.open("s")
    _type_at_end(tab.messages.cards[0].editor, " after")
    view.ask_close_tab = lambda tab: "save"

    assert not view.close_tab(view.tabs.indexOf(tab))
    dialog = next(d for d in tab.findChildren(QDialog) if d.isVisible())
    dialog.reject()  # changed their mind: the tab stays, and a later save does not close it
    harness.aio.run(tab.save_version("kept open"))
    assert view.tab_list() == [tab]

    _type_at_end(tab.messages.cards[0].editor, " again")
    view.close_tab(view.tabs.indexOf(tab))
    dialog = next(d for d in tab.findChildren(QDialog) if d.isVisible())
    dialog.message.setText("closing")
    dialog.accept()
    harness.aio.wait(lambda: view.tab_list() == [])
    with workspace.session() as session:
        assert repo.resolve(session, "s").message == "closing"
