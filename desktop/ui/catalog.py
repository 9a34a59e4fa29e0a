"""The providers every tab can pick from, loaded off the GUI thread and shared."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.core import providers as core_providers
from desktop.core.providers import ProviderSettings
from storage.workspace.db import Workspace

from .tasks import Writer


class ProvidersCatalog(QObject):
    changed = Signal()

    def __init__(self, workspace: Workspace, writer: Writer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.writer = writer
        self.providers: list[ProviderSettings] = []
        self.loaded = False

    async def reload(self) -> None:
        self.providers = await self.writer.run(core_providers.list_providers, self.workspace)
        self.loaded = True
        self.changed.emit()

    def set_providers(self, providers: list[ProviderSettings]) -> None:
        self.providers = list(providers)
        self.loaded = True
        self.changed.emit()

    def get(self, name: str | None) -> ProviderSettings | None:
        for provider in self.providers:
            if provider.name == name:
                return provider
        return None

    def for_model(self, model: str) -> ProviderSettings | None:
        """The first provider serving this litellm model id, if any."""
        for provider in self.providers:
            if provider.model == model:
                return provider
        return None

    def names(self) -> list[str]:
        return [p.name for p in self.providers]
