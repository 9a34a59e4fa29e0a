"""Journey 1b: Help → Open Sample Workspace → its prompts, history, test sets, runs and
releases → Back to the workspace. The guide counts only what the person did."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from desktop.core.ops import sample
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, click_row, fill, open_from_list, snap

SUPPORT = "support/summarize-call"


def _own(ws):
    save_prompt(ws, "mine/hello", ("user", "Hello {{ name }}"))


def test_open_the_sample_explore_it_and_go_back(open_app, tmp_path):
    app = open_app(populate=_own)
    own = app.workspace.path
    guide = app.view.guide
    app.aio.wait(lambda: "0 of 4 done" in guide.count.text(), what="the guide")

    app.choose("Help", "Open Sample Workspace")
    app.aio.wait(lambda: app.workspace is not None and app.workspace.path != own
                 and app.view.load_task.done(), timeout=60, what="the sample to open",
                 state=lambda: app.window.message_page.body.text())
    window = app.window
    assert "SAMPLE" in window.windowTitle()
    assert sample.is_sample(app.workspace.path)
    assert app.workspace.path.parent == sample.sample_folder()
    assert own.exists() and own.parent != app.workspace.path.parent
    assert window.sample_banner.isVisible()
    assert "This is the sample workspace" in window.sample_banner.label.text()
    view = app.view
    assert {SUPPORT, "marketing/product-launch-email", "legal/contract-clause-review",
            "translation/reply-to-arabic"} <= view.browser.names()
    assert "mine/hello" not in view.browser.names()
    # The sample's own runs, providers and releases are not the person's progress.
    guide = view.guide
    app.aio.wait(lambda: "0 of 4 done" in guide.count.text(), what="the guide in the sample",
                 state=guide.count.text)
    assert not guide.sample_button.isVisible()

    # History: three versions of the support prompt
    tab = open_from_list(app, SUPPORT)
    app.press("Ctrl+Shift+H", tab.messages.cards[0].editor)
    history = app.wait_window(QDialog, f"History — {SUPPORT}")
    from desktop.ui.versions import HistoryPanel

    panel = history.findChild(HistoryPanel)
    app.aio.wait(lambda: panel.model.versions() == 3, what="three versions",
                 state=lambda: panel.model.rowCount())
    authors = {panel.model.entry(r).author for r in range(panel.model.rowCount())}
    assert {"Maya Lindqvist", "Daniel Okafor"} <= authors
    history.close()

    # Test sets and runs: the test set, and two runs to compare
    app.press("Ctrl+Shift+T", tab.messages.cards[0].editor)
    tests = app.wait_window(QDialog, f"Test — {SUPPORT}")
    app.aio.wait(lambda: tests.editor.loaded is not None, what="the test set")
    assert tests.editor.loaded.name == "support-calls"
    tests.pages.setCurrentWidget(tests.compare)
    app.aio.wait(lambda: tests.compare.base_box.count() >= 3, what="the runs to compare",
                 state=lambda: tests.compare.base_box.count())
    app.aio.wait(lambda: tests.compare.model.rowCount() == 3, what="the comparison")
    tests.close()

    # Releases: the sample's folder holds two signed releases
    app.choose("Release", "Browse Releases…")
    browser = app.wait_window(QDialog, "Releases")
    folder = app.workspace.path.parent / sample.RELEASES
    fill(browser.source.combo.lineEdit(), str(folder))
    app.press("Return", browser.source.combo.lineEdit())
    app.aio.wait(lambda: browser.releases.rowCount() == 2, what="two releases",
                 state=browser.bar.text)
    click_row(browser.release_table, 0)
    click_button(browser, "Close")

    snap(window, "journey1-sample")
    click_button(window.sample_banner, f"Back to {own.stem}")
    app.aio.wait(lambda: app.workspace is not None and app.workspace.path == own
                 and app.view.load_task.done(), timeout=20, what="back to the workspace")
    assert not window.sample_banner.isVisible()
    assert "SAMPLE" not in window.windowTitle()
    assert app.view.browser.names() == {"mine/hello"}


def test_the_guide_offers_the_sample(open_app):
    app = open_app()
    guide = app.view.guide
    app.aio.wait(lambda: "0 of 4 done" in guide.count.text(), what="the guide")
    click(guide.sample_button)
    app.aio.wait(lambda: app.workspace is not None and sample.is_sample(app.workspace.path)
                 and app.view.load_task.done(), timeout=60, what="the sample to open")
    app.aio.wait(lambda: "0 of 4 done" in app.view.guide.count.text(), what="the guide")
    app.aio.wait(lambda: "No Ollama is running" in app.view.guide.notes["model"].text(),
                 what="the look for Ollama")
    open_from_list(app, "translation/reply-to-arabic")
    snap(app.window, "journey1-sample-guide")
    # A second visit opens the same copy at once; the person's changes there are kept.
    first = sample.copy_sample(sample.sample_folder())
    assert first == app.workspace.path


class _Ollama:
    """A tiny loopback server that speaks Ollama's /api/tags."""

    MODELS = ("llama3.2:latest", "mistral:7b", "qwen2.5:14b")

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        models = self.MODELS
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                paths.append(self.path)
                body = json.dumps({"models": [{"name": m, "size": 1} for m in models]}).encode()
                self.send_response(200 if self.path == "/api/tags" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="ollama")
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_the_guide_finds_ollama_and_adds_its_models(open_app, monkeypatch):
    ollama = _Ollama()
    try:
        monkeypatch.setenv("PROMPTPRESS_OLLAMA_URL", ollama.url)
        app = open_app()
        guide = app.view.guide
        app.aio.wait(lambda: "Ollama is running: 3 models" in guide.notes["model"].text(),
                     what="Ollama found", state=guide.notes["model"].text)
        assert guide.buttons["model"].text() == "Add them"
        assert ollama.paths == ["/api/tags"]
        click(guide.buttons["model"])
        app.aio.wait(lambda: guide.marks["model"].text() == "✓", what="step 1 ticked",
                     state=guide.count.text)
        assert {(p.name, p.model, p.base_url) for p in app.view.catalog.providers} == {
            ("llama3.2", "ollama/llama3.2:latest", ollama.url),
            ("mistral-7b", "ollama/mistral:7b", ollama.url),
            ("qwen2.5-14b", "ollama/qwen2.5:14b", ollama.url)}

        app.choose("Run", "Providers…")
        dialog = app.wait_window(QDialog, "Providers")
        app.aio.wait(lambda: "Ollama is running: 3 models" in dialog.local_note.text(),
                     what="the dialog to say so too", state=dialog.local_note.text)
        click(dialog.add_local)
        app.aio.wait(lambda: "added already" in dialog.status.text(), state=dialog.status.text)
        assert dialog.listing.count() == 3
        click_button(dialog, "Close")
    finally:
        ollama.stop()


def test_no_ollama_is_said_plainly(open_app):
    app = open_app()  # the tests' Ollama address is a closed port
    guide = app.view.guide
    app.aio.wait(lambda: "No Ollama is running" in guide.notes["model"].text(),
                 what="the guide to say so", state=guide.notes["model"].text)
    assert guide.buttons["model"].text() == "Add a model…"
    click(guide.buttons["model"])
    dialog = app.wait_window(QDialog, "Providers")
    app.aio.wait(lambda: "No Ollama is running" in dialog.local_note.text(),
                 state=dialog.local_note.text)
    assert not dialog.add_local.isVisible()
    click_button(dialog, "Close")


def test_a_sample_that_cannot_be_made_is_said_and_your_workspace_stays(open_app):
    app = open_app(populate=_own)
    own = app.workspace.path
    folder = sample.sample_folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("not a folder")  # something in the way
    app.person.will("OK", title="Sample workspace")
    app.choose("Help", "Open Sample Workspace")
    app.person.wait_done()
    assert any("is in the way of the sample workspace" in s for s in app.person.seen)
    assert app.workspace.path == own and app.window.pages.currentWidget() is app.view
    assert app.view.browser.names() == {"mine/hello"}
    assert folder.read_text() == "not a folder"
    assert not app.window.sample_banner.isVisible()
