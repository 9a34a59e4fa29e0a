"""What to call (ModelTarget) and what a call gave back (CallResult)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class ModelTarget:
    """A model as the user configured it.

    ``model`` is a litellm model id (``openai/gpt-4o-mini``, ``anthropic/claude-3-5-haiku-latest``,
    ``ollama/llama3``); ``base_url`` points at a self-hosted or OpenAI-compatible server, or is None
    for the provider's own endpoint. ``api_key`` is resolved by the caller (keychain); None lets
    litellm use its provider default (for example ``OPENAI_API_KEY``), or send no key at all.
    """

    name: str
    model: str
    base_url: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict, hash=False)
    api_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))


@dataclass(frozen=True)
class CallResult:
    """One model answer. ``cost`` is USD, or None when the price is unknown (never guessed);
    tokens are None when the provider did not report usage."""

    text: str
    tokens_in: int | None
    tokens_out: int | None
    cost: float | None
    latency_s: float
    ttft_s: float
    finish_reason: str | None
    model: str
