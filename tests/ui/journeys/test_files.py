"""Journey 6: import a Dotprompt and a Prompty file from the File menu; back up the workspace
and restore it."""

from __future__ import annotations

from pathlib import Path

from storage.workspace import prompts as repo
from tests.ui.conftest import save_prompt
from tests.ui.real_app import snap

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
