"""Journey 6: import a Dotprompt and a Prompty file from the File menu; back up the workspace
and restore it."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QDialog, QLineEdit, QProgressDialog

from desktop.core.ops import workspace as workspace_ops
from storage.workspace import backup as backups
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace
from storage.workspace.models import Result, Run
from tests.ui.conftest import save_prompt, type_text
from tests.ui.real_app import click_button, open_from_list, snap, type_in_editor

FOREIGN = Path(__file__).parents[2] / "fixtures" / "foreign"
KEPT = "اكتب ردًّا مهذبًا على {{ message }}\r\n\tشكرًا 🙏"


def test_import_two_formats_then_back_up_and_restore(open_app, tmp_path):
    app = open_app(populate=lambda ws: save_prompt(ws, "replies/polite", ("user", KEPT)))
    assert "File" in app.menus()
    files = [FOREIGN / "dotprompt-extract-contact.prompt", FOREIGN / "prompty-v2-greet.prompty"]

    app.person.will_choose(files, title="Import prompts")
    app.person.will("OK", title="Import")
    app.choose("File", "Import Prompts…")
    app.person.wait_done()
    imported = app.aio.wait(lambda: len(app.view.browser.names()) == 3
                            and app.view.browser.names(), what="the imported prompts")
    assert "replies/polite" in imported
    assert any("Imported from 2 file(s)" in box for box in app.person.seen)
    with app.workspace.session() as session:
        names = {p.name for p in repo.list_prompts(session)}
    assert names == imported
    app.view.browser.tree.expandAll()
    snap(app.window, "journey6-imported")

    backup = tmp_path / "backups" / "before-cleanup.promptpress"
    backup.parent.mkdir()
    app.person.will_choose(backup, title="Back up workspace")
    app.choose("File", "Back Up Workspace…")
    app.person.wait_done()
    app.aio.wait(lambda: "Backed up the workspace" in app.view.notice.text(),
                 what="the backup", state=app.view.notice.text)
    assert backup.exists()

    # Something changes after the backup: a prompt is deleted.
    app.aio.run(app.view.features._delete(sorted(imported - {"replies/polite"})[0]))
    app.aio.wait(lambda: len(app.view.browser.names()) == 2)

    app.person.will_choose(backup, title="Restore workspace from backup")
    app.person.will("Yes", title="Restore workspace")
    app.choose("File", "Restore Workspace from Backup…")
    app.person.wait_done()
    app.aio.wait(lambda: app.view is not None and app.view.load_task.done()
                 and len(app.view.browser.names()) == 3, timeout=20,
                 what="the restored workspace", state=lambda: app.window.statusBar().currentMessage())
    assert "Restored from before-cleanup.promptpress" in app.window.statusBar().currentMessage()
    with app.workspace.session() as session:
        text = repo.content_of(repo.resolve(session, "replies/polite")).messages[0].content
    assert text == KEPT  # byte-exact through backup and restore
    kept = [p for p in app.workspace.path.parent.iterdir() if p.name != app.workspace.path.name
            and p.name.startswith(app.workspace.path.stem)]
    assert kept, "the replaced workspace is kept beside it"
    snap(app.window, "journey6-restored")


def test_compact_workspace_from_the_file_menu_says_how_much_it_freed(open_app):
    """File → Compact Workspace… VACUUMs on the writer thread and reports the sizes."""
    big = "Antworte höflich. שלום 😀  \n" * 4000

    def populate(ws):
        for k in range(12):
            save_prompt(ws, f"bulk/p{k}", ("system", big + str(k)))
        save_prompt(ws, "replies/polite", ("user", KEPT))

    app = open_app(populate=populate)
    with app.workspace.session() as session:
        for k in range(12):
            repo.delete_prompt(session, f"bulk/p{k}")
        assert repo.purge_deleted(session) == 12
    app.choose("File", "Compact Workspace…")
    app.aio.wait(lambda: "Compacted the workspace" in app.view.notice.text(),
                 what="the compaction", state=app.view.notice.text)
    text = app.view.notice.text()
    freed = float(text.split(", ")[-1].split(" MB")[0].replace(",", ""))
    assert freed > 0.5, text
    with app.workspace.session() as session:  # what was kept is intact, byte for byte
        kept = repo.content_of(repo.resolve(session, "replies/polite"))
        assert kept.messages[0].content == KEPT


def _with_results(ws, results=2500):
    save_prompt(ws, "replies/polite", ("user", KEPT))
    with ws.session() as s:
        run = Run(settings={})
        s.add(run)
        s.flush()
        for n in range(results):
            s.add(Result(run_id=run.id, provider=f"p{n}", output="ردّ مهذب 😀 " * 200))


def _progress_window(app):
    return app.aio.wait(lambda: next((w for w in app.window.findChildren(QProgressDialog)
                                      if w.isVisible()), None), what="the backup's progress")


def test_a_long_backup_shows_progress_lets_the_app_save_and_can_be_cancelled(
        open_app, tmp_path, monkeypatch):
    """File → Back Up Workspace… on a large workspace: a progress window (not modal) counts the
    megabytes; meanwhile the person saves a version (the backup does not hold the writes up);
    Cancel leaves no file. The next backup ends and says its size."""
    real = workspace_ops.back_up

    def on_a_slow_disk(workspace, target, **kw):
        progress = kw.pop("progress")

        def slowly(done, total):
            time.sleep(0.03)
            progress(done, total)
        return real(workspace, target, progress=slowly, **kw)

    monkeypatch.setattr(backups, "STEP_PAGES", 32)
    monkeypatch.setattr(workspace_ops, "back_up", on_a_slow_disk)
    app = open_app(populate=_with_results)
    tab = open_from_list(app, "replies/polite")
    first = tab.base_version_id
    target = tmp_path / "backups" / "copy.promptpress"
    target.parent.mkdir()
    app.person.will_choose(target, title="Back up workspace")
    app.choose("File", "Back Up Workspace…")
    app.person.wait_done()
    window = _progress_window(app)
    assert not window.isModal() and window.windowTitle() == "Back up workspace"
    app.aio.wait(lambda: " of " in window.labelText() and window.value() > 0,
                 what="megabytes counted", state=window.labelText)
    assert "copy.promptpress" in window.labelText() and "MB" in window.labelText()
    snap(window, "journey6-backup-progress")

    # The app saves while the backup copies.
    editor = tab.messages.cards[0].editor
    type_in_editor(editor, "نسخة جديدة أثناء النسخ الاحتياطي 🙂\n")
    app.press("Ctrl+S", editor)
    dialog = app.wait_window(QDialog, "Save version")
    type_text(dialog.findChild(QLineEdit), "during the backup")
    click_button(dialog, "Save version")
    app.aio.wait(lambda: tab.base_version_id != first, what="the save during the backup")
    assert window.isVisible(), "the save did not wait for the backup"

    click_button(window, "Cancel")
    app.aio.wait(lambda: "cancelled" in app.view.notice.text(), what="the cancel",
                 state=app.view.notice.text)
    assert "Nothing was written" in app.view.notice.text()
    assert list(target.parent.iterdir()) == []

    monkeypatch.setattr(workspace_ops, "back_up", real)
    app.person.will_choose(target, title="Back up workspace")
    app.choose("File", "Back Up Workspace…")
    app.person.wait_done()
    app.aio.wait(lambda: "Backed up the workspace" in app.view.notice.text(), timeout=30,
                 what="the backup", state=app.view.notice.text)
    assert " MB)" in app.view.notice.text()
    with repo_session(target) as session:  # it has the version saved during the first try
        assert len(repo.version_history(session, repo.require_prompt(session,
                                                                      "replies/polite"))) == 2


def test_a_backup_that_finds_free_space_offers_to_compact(open_app, tmp_path):
    app = open_app(populate=_with_results)
    with app.workspace.session() as session:
        session.query(Result).delete()
    target = tmp_path / "copy.promptpress"
    app.person.will_choose(target, title="Back up workspace")
    app.choose("File", "Back Up Workspace…")
    app.person.wait_done()
    app.aio.wait(lambda: "compacting gives it back" in app.view.notice.text(), timeout=30,
                 what="the offer to compact", state=app.view.notice.text)
    snap(app.window, "journey6-backup-offers-compact")
    click_button(app.view.notice, "Compact Workspace…")
    app.aio.wait(lambda: "Compacted the workspace" in app.view.notice.text(), timeout=30,
                 what="the compaction", state=app.view.notice.text)


@contextmanager
def repo_session(path):
    """A look into another workspace file (a backup)."""
    workspace = Workspace.open(path)
    try:
        with workspace.session() as session:
            yield session
    finally:
        workspace.close()
