"""Providers: add, change, remove and test model endpoints. Keys go to the keychain only.

Local models (Ollama, any OpenAI-compatible server) are presets like the hosted ones. When the
system has no usable keychain the dialog says so and offers an environment variable instead.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import gateway, play
from desktop.core import providers as core
from desktop.core.providers import ProviderSettings
from desktop.core.secrets import SecretsError, keychain_status
from storage.workspace.providers import ProviderError

from .playground.params import explain
from .tasks import TaskSet
from .widgets import button, hbox, label, resize_within


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    model: str
    base_url: str
    key_source: str
    env_hint: str
    help: str


PRESETS = (
    Preset("openai", "OpenAI", "openai/gpt-4o-mini", "", "keychain", "OPENAI_API_KEY",
           "Models from OpenAI. Needs an API key from platform.openai.com."),
    Preset("anthropic", "Anthropic", "anthropic/claude-3-5-haiku-latest", "", "keychain",
           "ANTHROPIC_API_KEY", "Claude models. Needs an API key from console.anthropic.com."),
    Preset("ollama", "Ollama (on this computer)", "ollama/llama3", "http://localhost:11434",
           "none", "", "A model running locally with Ollama: nothing leaves this computer, "
           "no key needed. Change llama3 to any model you have pulled."),
    Preset("compatible", "OpenAI-compatible server", "openai/my-model",
           "http://localhost:8000/v1", "none", "",
           "vLLM, LM Studio, llama.cpp, LiteLLM proxy or any server with an OpenAI-style "
           "/v1/chat/completions. Put the server's model name after openai/."),
    Preset("other", "Other (any litellm model id)", "", "", "keychain", "",
           "Any provider litellm supports, e.g. gemini/gemini-1.5-flash, mistral/..., groq/..."),
)


def guess_preset(settings: ProviderSettings) -> Preset:
    model = settings.model
    if model.startswith(("ollama/", "ollama_chat/")):
        return PRESETS[2]
    if settings.base_url and model.startswith("openai/"):
        return PRESETS[3]
    if model.startswith("openai/"):
        return PRESETS[0]
    if model.startswith("anthropic/"):
        return PRESETS[1]
    return PRESETS[4]


class ProvidersDialog(QDialog):
    providers_changed = Signal(object)  # list[ProviderSettings]

    def __init__(self, workspace, writer, tasks: TaskSet | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Providers")
        self.setObjectName("providersDialog")
        self.workspace = workspace
        self.writer = writer
        self.tasks = tasks if tasks is not None else TaskSet()
        self.providers: list[ProviderSettings] = []
        self.editing: ProviderSettings | None = None
        self.keychain_ok = True
        self.keychain_text = ""

        self.listing = QListWidget()
        self.listing.setObjectName("providerList")
        self.listing.setStyleSheet("QListWidget#providerList::item { padding: 6px 6px; }")
        self.listing.currentRowChanged.connect(self._picked)
        self.new_button = QPushButton("+  New provider")
        self.new_button.clicked.connect(self.new_provider)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Providers</b>"))
        left.addWidget(self.listing, 1)
        left.addWidget(self.new_button)

        self.kind = QComboBox()
        for preset in PRESETS:
            self.kind.addItem(preset.label, preset.key)
        self.kind.activated.connect(self._preset_picked)
        self.kind_help = label(name="hint", wrap=True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("A short name you pick, e.g. gpt-4o-mini or local-llama")
        self.model = QLineEdit()
        self.model.setPlaceholderText("provider/model, e.g. openai/gpt-4o-mini or ollama/llama3")
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("Leave empty for the provider's own address")
        self.keychain_notice = label(name="keychainNotice", wrap=True)
        self.keychain_notice.hide()
        self.use_keychain = QRadioButton("Keep a key in the system keychain")
        self.use_env = QRadioButton("Read the key from an environment variable")
        self.use_none = QRadioButton("No key needed (local models)")
        self.key_group = QButtonGroup(self)
        for i, source in enumerate((self.use_keychain, self.use_env, self.use_none)):
            self.key_group.addButton(source, i)
        self.key_group.idToggled.connect(self._key_source_changed)
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("Paste the API key")
        self.env_name = QLineEdit()
        self.env_name.setPlaceholderText("e.g. OPENAI_API_KEY")
        key_box = QVBoxLayout()
        key_box.setSpacing(4)
        key_box.addWidget(self.keychain_notice)
        key_box.addWidget(self.use_keychain)
        key_box.addWidget(_indented(self.api_key))
        key_box.addWidget(self.use_env)
        key_box.addWidget(_indented(self.env_name))
        key_box.addWidget(self.use_none)
        form = QFormLayout()
        form.setVerticalSpacing(8)
        form.addRow("Kind", self.kind)
        form.addRow("", self.kind_help)
        form.addRow("Name", self.name)
        form.addRow("Model", self.model)
        form.addRow("Base URL", self.base_url)
        form.addRow("API key", key_box)

        self.status = label(name="providerStatus", wrap=True, selectable=True)
        self.test_button = button("Test connection",
                                  lambda: self.tasks.spawn(self.test_connection()),
                                  tip="Send a tiny request to check the model answers")
        self.remove_button = button("Remove…", self._confirm_remove)
        self.save_button = button("Save", lambda: self.tasks.spawn(self.save()), default=True)
        buttons = hbox(self.test_button, self.remove_button, None, self.save_button,
                       button("Close", self.accept))
        # whether Ollama runs on this computer, as the guide says
        self.local_note = label(name="localModels", wrap=True)
        self.add_local = QPushButton("Add them")
        self.add_local.setToolTip("A provider for each of Ollama's models")
        self.add_local.hide()
        self.add_local.clicked.connect(lambda: self.tasks.spawn(self.add_local_models()))
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.status)
        local = QHBoxLayout()
        local.addWidget(self.local_note, 1)
        local.addWidget(self.add_local)
        right.addLayout(local)
        right.addStretch(1)
        right.addLayout(buttons)

        box = QHBoxLayout(self)
        box.setSpacing(16)
        box.addLayout(left, 2)
        box.addLayout(right, 5)
        resize_within(self, 880, 520)
        self.new_provider()

    # -- loading -----------------------------------------------------------------------------
    async def load(self) -> None:
        """Read the providers and ask the keychain whether it works (both off the GUI thread)."""
        loop = asyncio.get_running_loop()
        self.keychain_ok, self.keychain_text = await loop.run_in_executor(None, keychain_status)
        providers = await self.writer.run(core.list_providers, self.workspace)
        self._show_providers(providers)
        self._apply_keychain_status()
        await self.detect_local_models()

    async def detect_local_models(self) -> None:
        from desktop.core import local_models

        self.ollama = found = await asyncio.to_thread(local_models.detect)
        text = found.describe()
        if found.running and found.models:
            text += " — add a provider for each:"
        self.local_note.setText(text)
        self.add_local.setVisible(found.running and bool(found.models))

    async def add_local_models(self) -> None:
        from desktop.core import local_models

        added = await self.writer.run(local_models.add_models, self.workspace, self.ollama)
        providers = await self.writer.run(core.list_providers, self.workspace)
        self._show_providers(providers, select=added[0] if added else None)
        self.providers_changed.emit(providers)
        self.status.setText(f"Added {', '.join(added)} from Ollama." if added
                            else "Ollama's models are added already.")

    def _show_providers(self, providers: list[ProviderSettings], select: str | None = None) -> None:
        self.providers = list(providers)
        self.listing.blockSignals(True)
        self.listing.clear()
        for p in self.providers:
            item = QListWidgetItem(f"{p.name}\n{p.model}")
            item.setToolTip(p.base_url or p.model)
            self.listing.addItem(item)
        self.listing.blockSignals(False)
        names = [p.name for p in self.providers]
        if select in names:
            self.listing.setCurrentRow(names.index(select))
        # else the form stays as it is: a person may have started typing a new provider already

    def _apply_keychain_status(self) -> None:
        if self.keychain_ok:
            self.keychain_notice.hide()
            self.use_keychain.setEnabled(True)
            self.api_key.setEnabled(self.use_keychain.isChecked())
            return
        self.keychain_notice.setText(self.keychain_text)
        self.keychain_notice.show()
        self.use_keychain.setEnabled(False)
        self.api_key.setEnabled(False)
        if self.use_keychain.isChecked():
            self.use_env.setChecked(True)

    # -- form --------------------------------------------------------------------------------
    def new_provider(self) -> None:
        self.editing = None
        self.listing.blockSignals(True)
        self.listing.clearSelection()
        self.listing.setCurrentRow(-1)
        self.listing.blockSignals(False)
        self.name.setEnabled(True)
        self.name.clear()
        self.kind.setCurrentIndex(0)
        self._preset_picked(0)
        self.remove_button.setEnabled(False)
        self.status.setText("")

    def _picked(self, row: int) -> None:
        if not 0 <= row < len(self.providers):
            return
        p = self.providers[row]
        self.editing = p
        preset = guess_preset(p)
        self.kind.setCurrentIndex(PRESETS.index(preset))
        self.kind_help.setText(preset.help)
        self.name.setText(p.name)
        self.name.setEnabled(False)  # the name is how columns and scripts refer to it
        self.model.setText(p.model)
        self.base_url.setText(p.base_url or "")
        self.api_key.clear()
        self.api_key.setPlaceholderText("A key is stored: leave empty to keep it"
                                        if p.key_source == "keychain" else "Paste the API key")
        self.env_name.setText(p.api_key_env or "")
        {"keychain": self.use_keychain, "env": self.use_env}.get(p.key_source, self.use_none).setChecked(True)
        self._apply_keychain_status()
        self.remove_button.setEnabled(True)
        self.status.setText("")

    def _preset_picked(self, index: int) -> None:
        preset = PRESETS[index]
        self.kind_help.setText(preset.help)
        if self.editing is None:
            self.model.setText(preset.model)
            self.base_url.setText(preset.base_url)
            self.env_name.setText(preset.env_hint)
            self.api_key.setPlaceholderText("Paste the API key")
            button = {"keychain": self.use_keychain, "env": self.use_env}.get(preset.key_source,
                                                                              self.use_none)
            button.setChecked(True)
            if not self.name.text():
                self.name.setPlaceholderText(
                    preset.model.rpartition("/")[2] or "A short name you pick")
        self._apply_keychain_status()

    def _key_source_changed(self, _id: int, _checked: bool) -> None:
        self.api_key.setEnabled(self.use_keychain.isChecked() and self.keychain_ok)
        self.env_name.setEnabled(self.use_env.isChecked())

    def _form(self) -> dict:
        name = self.name.text().strip() or self.name.placeholderText().strip()
        if self.editing is not None:
            name = self.editing.name
        return {
            "name": name,
            "model": self.model.text().strip(),
            "base_url": self.base_url.text().strip() or None,
            "source": "keychain" if self.use_keychain.isChecked()
            else "env" if self.use_env.isChecked() else "none",
            "api_key": self.api_key.text().strip() or None,
            "env": self.env_name.text().strip() or None,
        }

    # -- actions -----------------------------------------------------------------------------
    async def save(self) -> ProviderSettings | None:
        f = self._form()
        if f["source"] == "env" and not f["env"]:
            self._say("error", "Name the environment variable that holds the key.")
            return None
        has_stored_key = self.editing is not None and self.editing.key_source == "keychain"
        if f["source"] == "keychain" and not f["api_key"] and not has_stored_key:
            self._say("error", "Paste the API key, or choose another way to give it.")
            return None
        try:
            if self.editing is None:
                settings = await self.writer.run(_add, self.workspace, f)
                verb = "Added"
            else:
                settings = await self.writer.run(_update, self.workspace, f, self.editing)
                verb = "Saved"
        except (ProviderError, SecretsError) as exc:
            self._say("error", str(exc))
            return None
        providers = await self.writer.run(core.list_providers, self.workspace)
        self.editing = None
        self._show_providers(providers, select=settings.name)
        self.api_key.clear()
        self.providers_changed.emit(providers)
        where = {"keychain": "its key is in the keychain", "env":
                 f"its key comes from ${settings.api_key_env}", "none": "no key"}[settings.key_source]
        self._say("success", f"{verb} {settings.name} ({settings.model}); {where}.")
        return settings

    def _confirm_remove(self) -> None:
        if self.editing is None:
            return
        name = self.editing.name
        answer = QMessageBox.question(
            self, "Remove provider",
            f"Remove {name}? Its stored key is deleted from the keychain. Saved prompt versions "
            "keep their model id.")
        if answer == QMessageBox.StandardButton.Yes:
            self.tasks.spawn(self.remove(name))

    async def remove(self, name: str) -> None:
        try:
            await self.writer.run(core.remove_provider, self.workspace, name)
        except ProviderError as exc:
            self._say("error", str(exc))
            return
        providers = await self.writer.run(core.list_providers, self.workspace)
        self.editing = None
        self._show_providers(providers)
        self.new_provider()
        self.providers_changed.emit(providers)
        self._say("success", f"Removed {name}.")

    async def test_connection(self) -> bool:
        """A tiny call with the settings in the form (saved or not)."""
        f = self._form()
        if not f["model"]:
            self._say("error", "Give a model id first, e.g. openai/gpt-4o-mini.")
            return False
        self._say("info", f"Asking {f['model']} for a one-word answer…")
        self.test_button.setEnabled(False)
        loop = asyncio.get_running_loop()
        try:
            key = await loop.run_in_executor(None, _key_for_test, f, self.editing)
            result = await play.check_connection(f["model"], base_url=f["base_url"],
                                                 api_key=key, name=f["name"])
        except (gateway.ProviderError, SecretsError) as exc:
            why = explain(exc)
            self._say("error", f"<b>{why.title}.</b> {why.hint}<br><span style='color:#6b7280'>"
                               f"{_escape(why.message)}</span>")
            return False
        finally:
            self.test_button.setEnabled(True)
        answer = result.text.strip()[:40]
        self._say("success", f"Connected: {result.model} answered in "
                             f"{result.latency_s:.2f} s" + (f": “{_escape(answer)}”" if answer else "."))
        return True

    def _say(self, kind: str, text: str) -> None:
        self.status.setProperty("kind", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)


def _add(workspace, f: dict) -> ProviderSettings:
    return core.add_provider(
        workspace, f["name"], f["model"], base_url=f["base_url"],
        api_key=f["api_key"] if f["source"] == "keychain" else None,
        api_key_env=f["env"] if f["source"] == "env" else None)


def _update(workspace, f: dict, old: ProviderSettings) -> ProviderSettings:
    return core.update_provider(
        workspace, old.name, model=f["model"], base_url=f["base_url"], parameters=old.parameters,
        api_key=f["api_key"] if f["source"] == "keychain" else None,
        api_key_env=f["env"] if f["source"] == "env" else None,
        keep_key=f["source"] == "keychain", max_concurrency=old.max_concurrency)


def _key_for_test(f: dict, editing: ProviderSettings | None) -> str | None:
    if f["source"] == "keychain":
        if f["api_key"]:
            return f["api_key"]
        if editing is not None and editing.key_source == "keychain":
            return editing.api_key()
        return None
    if f["source"] == "env":
        value = os.environ.get(f["env"] or "")
        if not value:
            from desktop.core.secrets import MissingKey

            raise MissingKey(f"The environment variable {f['env']} is not set in the environment "
                             "Promptpress was started from. Set it and restart Promptpress.")
        return value
    return None


def _indented(widget: QWidget) -> QWidget:
    holder = QWidget()
    box = QHBoxLayout(holder)
    box.setContentsMargins(24, 0, 0, 0)
    box.addWidget(widget)
    return holder


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
