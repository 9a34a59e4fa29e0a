"""A judge monitor's model: a workspace provider (its base URL, key and parameters). The verdict
is asked as JSON at temperature 0. A model that is no provider is refused before any call: a
check runs unattended and must not reach an endpoint nobody set up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.workspace import providers as provider_repo
from storage.workspace.db import Workspace


def asker(workspace: Workspace) -> Callable[[str], Any]:
    """`ask_for_model` for `run.check`: model name -> the judge's async ask function."""
    from desktop.core import gateway as gw
    from desktop.core.providers import ProviderSettings

    def ask_for_model(model: str) -> Any:
        with workspace.session() as session:
            provider = provider_repo.get_provider(session, model)
            settings = ProviderSettings.of(provider) if provider is not None else None
        if settings is None:
            from .checks import MonitorError

            raise MonitorError(f"The judge model {model} is not a provider of this workspace: "
                               "add it (promptpress provider add) and check again.")
        target = gw.ModelTarget(name=settings.name, model=settings.model,
                                base_url=settings.base_url, parameters=settings.parameters,
                                api_key=settings.api_key())

        async def ask(messages: list[dict[str, str]], response_format: dict[str, Any]) -> str:
            result = await gw.complete(target, messages, params={
                "response_format": response_format, "temperature": 0})
            return result.text

        return ask

    return ask_for_model
