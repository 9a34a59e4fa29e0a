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
