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
    snap(app.window, "journey1-sample-guide")
    # A second visit opens the same copy at once; the person's changes there are kept.
    first = sample.copy_sample(sample.sample_folder())
    assert first == app.workspace.path
