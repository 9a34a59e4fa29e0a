"""Running a prompt once on one or more providers: what `promptpress play` and the playground do.

Rendering happens once, before any call, so a missing variable or a template error is refused
up front with a message naming it. Each provider then runs concurrently; one failing never stops
the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storage.releases.content import PromptContent

from . import gateway
from .providers import ProviderSettings
from .secrets import SecretsError
from .templates import render_messages

# Parameters the playground exposes per column; anything else passes through unchanged.
COLUMN_PARAMETERS = ("temperature", "max_tokens", "top_p", "stop", "seed")


@dataclass(frozen=True, slots=True)
class PlayOutcome:
    provider: str
    model: str
    result: gateway.CallResult | None = None
    error: gateway.ProviderError | SecretsError | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


def render(content: PromptContent, values: Mapping[str, Any]) -> list[dict[str, str]]:
    """The exact messages that will be sent, as role/content dicts."""
    return [{"role": m.role, "content": m.content} for m in render_messages(content, values)]


def call_parameters(
    content: PromptContent, provider: ProviderSettings, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Provider defaults, then the version's parameters, then per-run overrides (None = unset)."""
    params: dict[str, Any] = dict(provider.parameters)
    params.update(content.parameters)
    for key, value in (overrides or {}).items():
        if value is None or value == "" or value == []:
            params.pop(key, None)
        else:
            params[key] = value
    if content.response_format is not None and "response_format" not in params:
        params["response_format"] = content.response_format
    if content.tools:
        params.setdefault("tools", content.tools)
    return params


def target_for(provider: ProviderSettings) -> gateway.ModelTarget:
    """The gateway's view of a provider, with its key resolved (keychain or environment)."""
    return gateway.ModelTarget(
        name=provider.name,
        model=provider.model,
        base_url=provider.base_url,
        api_key=provider.api_key(),
    )


async def call(
    provider: ProviderSettings,
    messages: Sequence[Mapping[str, str]],
    params: Mapping[str, Any],
    *,
    stream: bool = True,
    on_delta: Callable[[str], None] | None = None,
    timeout: float = 120.0,
) -> gateway.CallResult:
    # The keychain may block (a prompt to unlock it): never on the event loop's thread.
    target = await asyncio.to_thread(target_for, provider)
    return await gateway.complete(
        target, list(messages), params=dict(params), stream=stream, on_delta=on_delta,
        timeout=timeout,
    )


async def play(
    content: PromptContent,
    providers: Sequence[ProviderSettings],
    values: Mapping[str, Any],
    *,
    stream: bool = False,
    on_delta: Callable[[str, str], None] | None = None,
    timeout: float = 120.0,
) -> list[PlayOutcome]:
    """Run the prompt on every provider at once; outcomes in the providers' order."""
    messages = render(content, values)

    async def one(provider: ProviderSettings) -> PlayOutcome:
        delta = (lambda text: on_delta(provider.name, text)) if on_delta else None
        try:
            result = await call(provider, messages, call_parameters(content, provider),
                                stream=stream, on_delta=delta, timeout=timeout)
        except (gateway.ProviderError, SecretsError) as exc:
            return PlayOutcome(provider.name, provider.model, error=exc)
        return PlayOutcome(provider.name, provider.model, result=result)

    return list(await asyncio.gather(*(one(p) for p in providers)))


CHECK_MESSAGE = "Reply with the single word OK."


async def check_connection(model: str, *, base_url: str | None = None, api_key: str | None = None,
                           name: str = "", timeout: float = 20.0) -> gateway.CallResult:
    """A tiny call to see that a model answers with these settings (saved or not yet):
    what Providers → Test connection and `promptpress provider test` send."""
    target = gateway.ModelTarget(name=name or model, model=model, base_url=base_url,
                                 api_key=api_key)
    return await gateway.complete(target, [{"role": "user", "content": CHECK_MESSAGE}],
                                  params={"max_tokens": 5}, stream=False, timeout=timeout)
