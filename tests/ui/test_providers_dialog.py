"""The providers dialog: add, change, remove and test providers; keys only in the keychain,
and an environment variable offered when there is no keychain."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from desktop.core import providers as core
from desktop.core.secrets import SERVICE
from desktop.ui.providers_dialog import PRESETS, ProvidersDialog
from desktop.ui.tasks import TaskSet, Writer


@pytest.fixture
def dialog(aio, workspace):
    writer = Writer()
    tasks = TaskSet()
    d = ProvidersDialog(workspace, writer, tasks)
    d.show()
    aio.run(d.load())
    yield d
    d.done(0)
    aio.run(tasks.wait())
    d.deleteLater()
    writer.close()


def test_without_a_keychain_it_says_so_and_offers_an_environment_variable(aio, workspace, monkeypatch):
    keyring.set_keyring(fail.Keyring())  # the conftest restores the test keyring afterwards
    writer, tasks = Writer(), TaskSet()
    d = ProvidersDialog(workspace, writer, tasks)
    try:
        d.show()
        aio.run(d.load())
        assert not d.keychain_notice.isHidden()
        assert "has no keychain Promptpress can use" in d.keychain_notice.text()
        assert not d.use_keychain.isEnabled() and d.use_env.isChecked()
        d.name.setText("work")
        d.env_name.setText("MY_OPENAI_KEY")
        saved = aio.run(d.save())
        assert saved.key_source == "env" and saved.api_key_env == "MY_OPENAI_KEY"
        assert "comes from $MY_OPENAI_KEY" in d.status.text()
    finally:
        d.done(0)
        aio.run(tasks.wait())
        d.deleteLater()
        writer.close()


def test_a_key_goes_to_the_keychain_and_nowhere_else(dialog, aio, workspace, test_keyring, tmp_path):
    dialog.name.setText("openai-main")
    dialog.api_key.setText("sk-secret-123")
    saved = aio.run(dialog.save())
    assert saved.key_source == "keychain"
    assert test_keyring.get_password(SERVICE, "provider:openai-main") == "sk-secret-123"
    for file in tmp_path.glob("test.promptpress*"):  # the database, its WAL and lock
        assert b"sk-secret-123" not in file.read_bytes()
    assert dialog.listing.count() == 1 and dialog.listing.currentRow() == 0
    assert "stored" in dialog.api_key.placeholderText()


def test_local_models_are_presets(dialog):
    ollama = next(i for i, p in enumerate(PRESETS) if p.key == "ollama")
    dialog.kind.setCurrentIndex(ollama)
    dialog.kind.activated.emit(ollama)
    assert dialog.model.text() == "ollama/llama3"
    assert dialog.base_url.text() == "http://localhost:11434"
    assert dialog.use_none.isChecked()
    compatible = next(i for i, p in enumerate(PRESETS) if p.key == "compatible")
    dialog.kind.activated.emit(compatible)
    assert dialog.base_url.text().endswith("/v1") and dialog.model.text().startswith("openai/")


def test_test_connection_reports_success_and_failure(dialog, fake_provider, aio):
    dialog.kind.activated.emit(3)  # OpenAI-compatible
    dialog.model.setText("openai/echo")
    dialog.base_url.setText(fake_provider.base_url)
    assert aio.run(dialog.test_connection())
    assert "Connected" in dialog.status.text() and "answered in" in dialog.status.text()
    dialog.model.setText("openai/fault-401")
    assert not aio.run(dialog.test_connection())
    assert "The API key was refused" in dialog.status.text()


def test_edit_and_remove(dialog, workspace, aio, test_keyring):
    core.add_provider(workspace, "old", "openai/gpt-4o-mini", api_key="sk-1")
    aio.run(dialog.load())
    dialog.listing.setCurrentRow(0)
    assert dialog.name.text() == "old" and not dialog.name.isEnabled()
    dialog.model.setText("openai/gpt-4o")
    aio.run(dialog.save())
    assert core.get_provider(workspace, "old").model == "openai/gpt-4o"
    assert test_keyring.get_password(SERVICE, "provider:old") == "sk-1"  # kept
    aio.run(dialog.remove("old"))
    assert core.list_providers(workspace) == []
    assert test_keyring.get_password(SERVICE, "provider:old") is None
