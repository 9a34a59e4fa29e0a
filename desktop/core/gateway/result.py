"""One way to turn an answer into a CallResult, for both paths (direct, and through litellm).

The direct path reads the wire's JSON (dicts), litellm hands over its response objects; both say
the same things in OpenAI's shape, so latency, time to first token, tokens, cost and the model that
answered are worked out here, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from desktop.core.gateway import pricing
from desktop.core.gateway.routing import Route
from desktop.core.gateway.target import CallResult


def call_result(route: Route, *, text: str, finish_reason: str | None, usage: Any, served_model: Any,
                started: float, ttft: float | None = None) -> CallResult:
    """The result of a call that began at ``started`` (perf_counter) and has just ended."""
    latency = time.perf_counter() - started
    tokens_in, tokens_out, cached = usage_counts(usage)
    return CallResult(text=text, tokens_in=tokens_in, tokens_out=tokens_out,
                      cost=pricing.cost_of(route.provider, route.model, tokens_in, tokens_out, cached),
                      latency_s=latency, ttft_s=ttft if ttft is not None else latency,
                      finish_reason=finish_reason, model=str(served_model or route.model))


def usage_counts(usage: Any) -> tuple[int | None, int | None, int]:
    """Prompt tokens, completion tokens and cached prompt tokens from an OpenAI-shaped usage,
    a dict or an object; None for a count the provider did not give."""
    if usage is None:
        return None, None, 0
    tokens_in, tokens_out = _field(usage, "prompt_tokens"), _field(usage, "completion_tokens")
    details = _field(usage, "prompt_tokens_details")
    cached = _field(details, "cached_tokens") if details is not None else None
    return (tokens_in if isinstance(tokens_in, int) else None,
            tokens_out if isinstance(tokens_out, int) else None,
            cached if isinstance(cached, int) else 0)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


class StreamedAnswer:
    """A streamed answer as its pieces arrive: each piece of text goes on to ``on_delta``."""

    def __init__(self, started: float, on_delta: Callable[[str], None] | None) -> None:
        self.started = started
        self.on_delta = on_delta
        self.parts: list[str] = []
        self.ttft: float | None = None
        self.finish_reason: str | None = None
        self.usage: Any = None
        self.served_model: Any = None

    def add(self, piece: str | None, finish_reason: str | None) -> None:
        """One choice's delta: its text (if any) and finish reason (if it has one)."""
        if piece:
            if self.ttft is None:
                self.ttft = time.perf_counter() - self.started
            self.parts.append(piece)
            if self.on_delta is not None:
                self.on_delta(piece)
        if finish_reason:
            self.finish_reason = finish_reason

    def saw(self, usage: Any, served_model: Any) -> None:
        """One event's usage (the last one given counts) and model (the first one given counts)."""
        if usage:
            self.usage = usage
        self.served_model = self.served_model or served_model

    def result(self, route: Route) -> CallResult:
        return call_result(route, text="".join(self.parts), finish_reason=self.finish_reason,
                           usage=self.usage, served_model=self.served_model, started=self.started,
                           ttft=self.ttft)
