"""Journey 1: first run on an empty workspace → add a provider → new prompt."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from tests.ui.real_app import click, click_button, fill, pick, snap


def test_first_run_add_a_provider_then_a_new_prompt(open_app, fake_provider, test_keyring):
    app = open_app()
    view = app.view
    assert view.stack.currentWidget() is view.welcome
    assert "add a provider first" in view.welcome_body.text()
    assert view.browser.names() == set()
    snap(app.window, "journey1-welcome")

    click_button(view.welcome, "Providers…")
    dialog = app.wait_window(QDialog, "Providers")
    app.aio.wait(lambda: dialog.listing.count() == 0 and dialog.name.isEnabled())
    pick(dialog.kind, "OpenAI-compatible server")
    fill(dialog.name, "local-echo")
    fill(dialog.model, "openai/echo")
    fill(dialog.base_url, fake_provider.base_url)
    click(dialog.use_keychain)
    fill(dialog.api_key, "sk-test-secret")
    click(dialog.test_button)
    app.aio.wait(lambda: "Connected" in dialog.status.text(), what="the connection test",
                 state=dialog.status.text)
    click(dialog.save_button)
    app.aio.wait(lambda: dialog.listing.count() == 1, what="the provider to be listed",
                 state=dialog.status.text)
    assert "Added local-echo" in dialog.status.text()
    assert "sk-test-secret" in test_keyring.secrets.values(), "the key went to the keychain"
    assert b"sk-test-secret" not in app.workspace.path.read_bytes()
    snap(dialog, "journey1-providers")
    click_button(dialog, "Close")
    app.aio.wait(lambda: not dialog.isVisible())
    app.aio.wait(lambda: "add a provider first" not in view.welcome_body.text(),
                 what="the welcome text to follow the providers")

    app.press("Ctrl+N", view)
    new = app.wait_window(QDialog, "New prompt")
    fill(new.name, "support/greet")
    click_button(new, "Create")
    app.aio.wait(lambda: view.current_tab() is not None, what="the new tab")
    tab = view.current_tab()
    assert tab.name == "support/greet"
    assert tab.columns.states()[0].provider == "local-echo"
    assert "No prompts yet" not in view.browser.empty.text()
    assert "support/greet" in view.browser.draft_names()


def test_the_guide_follows_what_is_done_and_help_lists_the_real_shortcuts(open_app, fake_provider):
    from desktop.ui.help import FormatDialog, ShortcutsDialog

    app = open_app()
    guide = app.view.guide
    app.aio.wait(lambda: "0 of 4 done" in guide.count.text(), what="the guide")
    assert guide.isVisible() and guide.marks["model"].text() == "○"
    snap(app.window, "journey1-guide")

    click(guide.buttons["model"])  # "Add a model…" opens Providers
    dialog = app.wait_window(QDialog, "Providers")
    pick(dialog.kind, "OpenAI-compatible server")
    fill(dialog.name, "local")
    fill(dialog.model, "openai/echo")
    fill(dialog.base_url, fake_provider.base_url)
    click(dialog.save_button)
    app.aio.wait(lambda: dialog.listing.count() == 1)
    click_button(dialog, "Close")
    app.aio.wait(lambda: guide.marks["model"].text() == "✓", what="step 1 ticked",
                 state=guide.count.text)

    app.choose("Help", "Keyboard Shortcuts")
    shortcuts = app.wait_window(ShortcutsDialog)
    rows = {(shortcuts.table.item(r, 1).text(), shortcuts.table.item(r, 2).text())
            for r in range(shortcuts.table.rowCount())}
    assert ("Save Version…", "Ctrl+S") in rows and ("Run All Columns", "Ctrl+Return  or  Ctrl+Enter") in rows
    snap(shortcuts, "journey1-shortcuts")
    click_button(shortcuts, "Close")

    app.choose("Help", "The Prompt File Format")
    page = app.wait_window(FormatDialog)
    assert "front matter" in page.text.toPlainText()
    click_button(page, "Close")

    click_button(guide, "Hide the guide")
    assert not guide.isVisible()
    app.choose("Help", "Getting Started")
    app.aio.wait(lambda: guide.isVisible() and "1 of 4 done" in guide.count.text(),
                 what="the guide back", state=guide.count.text)
