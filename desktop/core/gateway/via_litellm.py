"""The general path: any provider litellm supports, through ``litellm.acompletion``.

Slower per call than the direct path (litellm's own logging and bookkeeping), but it is how we reach
Anthropic, Ollama, Gemini, Bedrock and the rest. Retries are off: the runner decides about those.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
import socket
from collections.abc import Callable
from typing import Any

from desktop.core.gateway import loader
from desktop.core.gateway.errors import (
    BadKey, ProviderError, ProviderFailure, Timeout, UnknownModel, Unreachable, classify, provider_detail,
)
from desktop.core.gateway.loader import litellm_module
from desktop.core.gateway.result import StreamedAnswer, call_result
from desktop.core.gateway.routing import Route
from desktop.core.gateway.target import CallResult, ModelTarget


async def complete(target: ModelTarget, route: Route, messages: list[dict[str, Any]],
                   parameters: dict[str, Any], *, api_key: str | None, stream: bool,
                   on_delta: Callable[[str], None] | None, timeout: float, who: str,
                   started: float) -> CallResult:
    """One call through litellm.acompletion; its exceptions become our typed errors."""
    litellm = litellm_module()
    kwargs = dict(parameters)
    if stream:
        kwargs.setdefault("stream_options", {"include_usage": True})
    try:
        response = await litellm.acompletion(
            model=target.model, messages=messages, api_base=target.base_url, api_key=api_key,
            timeout=timeout, stream=stream, num_retries=0, max_retries=0, drop_params=True, **kwargs)
        if not stream:
            return _result(response, route, started)
        return await _read_stream(response, route, on_delta, started)
    except ProviderError:
        raise
    except Exception as exc:
        if not _from_the_wire(exc):
            raise  # a bug (ours, or a callback's): not the provider's doing
        raise from_litellm(exc, who=who, model_id=target.model, api_base=target.base_url) from exc


def _from_the_wire(exc: Exception) -> bool:
    """Whether litellm, the SDKs or the HTTP stack raised this (as opposed to a bug)."""
    module = type(exc).__module__
    return module.startswith(("litellm", "openai", "httpx", "httpcore", "aiohttp", "anthropic")) or \
        isinstance(exc, OSError | json.JSONDecodeError)


def _result(response: Any, route: Route, started: float) -> CallResult:
    choice = response.choices[0]
    return call_result(route, text=choice.message.content or "", finish_reason=choice.finish_reason,
                       usage=getattr(response, "usage", None),
                       served_model=getattr(response, "model", None), started=started)


async def _read_stream(response: Any, route: Route, on_delta: Callable[[str], None] | None,
                       started: float) -> CallResult:
    answer = StreamedAnswer(started, on_delta)
    try:
        async for chunk in response:
            for choice in chunk.choices or ():
                answer.add(getattr(choice.delta, "content", None), choice.finish_reason)
            answer.saw(getattr(chunk, "usage", None), getattr(chunk, "model", None))
    finally:
        aclose = getattr(response, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:  # closing a broken stream must not hide why it broke
                pass
    return answer.result(route)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    link: BaseException | None = exc
    while link is not None and all(link is not other for other in seen):
        seen.append(link)
        link = link.__cause__ or link.__context__
    return seen


def _transport_failure(chain: list[BaseException]) -> str | None:
    """'connect' when we never reached the server, 'dropped' when the connection broke, 'garbled'
    when the answer could not be parsed; None when the provider answered with an error."""
    import aiohttp
    import httpx
    import openai

    def found(*kinds: type[BaseException]) -> bool:
        return any(isinstance(e, kinds) for e in chain)

    if found(aiohttp.ClientConnectorError, httpx.ConnectError, ConnectionRefusedError, socket.gaierror):
        return "connect"
    if found(openai.APITimeoutError, httpx.TimeoutException):
        return None
    if found(json.JSONDecodeError):
        return "garbled"
    if found(openai.APIConnectionError, httpx.TransportError, aiohttp.ClientPayloadError,
             aiohttp.ServerDisconnectedError, ConnectionError):
        return "dropped"
    return None


_PREFIX = re.compile(r"^(litellm\.)?\w*(Error|Exception)\s*(:|-)\s*")
_NO_KEY = re.compile(r"missing credentials|no api[_ ]?key|"
                     r"api[_ ]?key.{0,40}(must be set|not (been )?set|is missing|is required)", re.I)


def _clean(text: str) -> str:
    """litellm's message without its class-name prefixes and provider-list banner."""
    text = text.strip()
    while (stripped := _PREFIX.sub("", text, count=1)) != text:
        text = stripped
    if text.startswith("{"):  # the provider's error body, passed through as text
        message, _ = provider_detail(text)
        text = message or text
    return text.split("\n")[0].strip()[:500]


def from_litellm(exc: BaseException, *, who: str, model_id: str, api_base: str | None) -> ProviderError:
    """Our typed error for an exception litellm raised."""
    ex = litellm_module().exceptions
    status = getattr(exc, "status_code", None)
    status = status if isinstance(status, int) else None
    detail = _clean(str(getattr(exc, "message", None) or exc)) or None
    response = getattr(exc, "response", None)
    headers = getattr(exc, "litellm_response_headers", None) or getattr(response, "headers", None)
    headers = dict(headers) if headers else None
    unanswered: dict[str, Any] = {"status": None, "detail": detail, "model": model_id}
    failure = _transport_failure(_chain(exc))
    if failure == "connect":
        return Unreachable(f"Could not connect to {api_base or 'the provider'} for {who}.", **unanswered)
    if failure == "dropped":
        return ProviderFailure(f"{who} dropped the connection before the answer was complete.", **unanswered)
    if failure == "garbled":
        return ProviderFailure(f"{who} sent an answer that could not be read.", **unanswered)
    if isinstance(exc, ex.Timeout):
        return Timeout(f"{who} did not answer in time.", **unanswered)
    if detail and _NO_KEY.search(detail):
        return BadKey(f"No API key is set for {who}. The provider said: {detail}", status=status,
                      detail=detail, model=model_id)
    if isinstance(exc, ex.BadRequestError) and "LLM Provider NOT provided" in str(exc):
        return UnknownModel(f"'{model_id}' does not name a provider litellm knows.", detail=detail,
                            model=model_id)
    # Otherwise the provider answered with an error: classify it as we do for the direct path.
    code = "context_length_exceeded" if isinstance(exc, ex.ContextWindowExceededError) else None
    for kind, implied in ((ex.AuthenticationError, 401), (ex.PermissionDeniedError, 403),
                          (ex.RateLimitError, 429), (ex.NotFoundError, 404),
                          (ex.BadRequestError, 400), (ex.UnprocessableEntityError, 422)):
        if isinstance(exc, kind):
            status = status if status is not None and status < 500 else implied
            break
    return classify(status, detail, code, headers, who=who, model=model_id)


async def close_loop_clients() -> None:
    """Close the HTTP clients litellm cached for the running event loop (keys end in its token).

    Only for when the loop is finishing (app shutdown, the end of asyncio.run): they would die with
    it, unclosed. Clients of other loops are left alone, and a later call simply makes new ones.
    """
    if not loader.is_loaded():
        return
    litellm = litellm_module()
    try:
        from litellm.caching.evicted_client_closer import running_loop_token

        suffix = f"-{running_loop_token()}"
        cache = litellm.in_memory_llm_clients_cache
        keys = [k for k in list(cache.cache_dict) if isinstance(k, str) and k.endswith(suffix)]
    except Exception:  # litellm internals moved: leaking at shutdown is the lesser evil
        return
    for key in keys:
        client = cache.cache_dict.pop(key, None)
        cache.ttl_dict.pop(key, None)
        for name in ("aclose", "close"):
            close = getattr(client, name, None)
            if callable(close):
                with contextlib.suppress(Exception):
                    outcome = close()
                    if inspect.isawaitable(outcome):
                        await outcome
                break
