"""The direct path: OpenAI-compatible chat endpoints over one shared aiohttp session.

litellm still decides the provider, the URL, the headers and the request body (its provider
transformation layer), except for plain calls on a plain route, which we build as it would
(routing.plain_request) without importing it; we only do the HTTP and read the answer, without its
per-call logging, callbacks and cost accounting, which cost ~10 ms of event-loop time per call.
"""

from __future__ import annotations

import errno
import json
import socket
from collections.abc import Callable
from typing import Any

from desktop.core.gateway.errors import (
    ProviderError, ProviderFailure, Unreachable, classify, error_for_status,
)
from desktop.core.gateway.result import StreamedAnswer, call_result
from desktop.core.gateway.routing import Route, plain_request, request_parameters
from desktop.core.gateway.target import CallResult


async def complete(session: Any, route: Route, messages: list[dict[str, Any]], parameters: dict[str, Any],
                   *, api_key: str | None, stream: bool, on_delta: Callable[[str], None] | None,
                   who: str, model_id: str, started: float) -> CallResult:
    """One call; ``started`` is the caller's perf_counter() at the start, for latency and TTFT."""
    import aiohttp

    if route.plain:  # the gateway sends only plain calls this way
        headers, body = plain_request(route, messages, parameters, api_key)
    else:
        headers, body = _litellm_request(route, messages, parameters, api_key)
    if stream:
        body["stream"] = True
        body["stream_options"] = parameters.get("stream_options") or {"include_usage": True}
    data = json.dumps(body).encode()

    proxy, proxy_auth = route.proxy or (None, None)
    try:
        async with session.post(route.url, data=data, headers=headers, proxy=proxy,
                                proxy_auth=proxy_auth) as response:
            if response.status >= 400:
                raise error_for_status(response.status, await response.read(), response.headers,
                                       who=who, model=model_id)
            if stream:
                return await _read_stream(response, route, on_delta, who, model_id, started)
            raw = await response.read()
    except ProviderError:
        raise
    except aiohttp.ConnectionTimeoutError as exc:
        raise Unreachable(f"Could not connect to {route.api_base} for {who}: no answer to the "
                          "connection attempt.", detail=str(exc), model=model_id) from exc
    except aiohttp.ClientConnectorError as exc:  # refused, DNS, TLS handshake, no network
        raise Unreachable(f"Could not connect to {route.api_base} for {who}: {_reason(exc)}.",
                          detail=str(exc), model=model_id) from exc
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        raise ProviderFailure(f"{who} dropped the connection before the answer was complete.",
                              detail=str(exc) or type(exc).__name__, model=model_id) from exc
    except aiohttp.ClientError as exc:
        raise ProviderFailure(f"{who} sent an answer we could not read ({type(exc).__name__}).",
                              detail=str(exc), model=model_id) from exc
    return _parse_answer(raw, route, who, model_id, started)


def _litellm_request(route: Route, messages: list[dict[str, Any]], parameters: dict[str, Any],
                     api_key: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and body as litellm's provider config builds them."""
    optional = request_parameters(route, parameters)
    extra_body = optional.pop("extra_body", None)
    extra_headers = optional.pop("extra_headers", None)
    config = route.config
    headers = config.validate_environment(headers={}, model=route.model, messages=messages,
                                          optional_params=optional, litellm_params={},
                                          api_key=api_key, api_base=route.api_base)
    if extra_headers:
        headers.update(extra_headers)
    body = config.transform_request(model=route.model, messages=messages, optional_params=optional,
                                    litellm_params={}, headers=headers)
    if extra_body:
        body.update(extra_body)
    return headers, body


def _parse_answer(raw: bytes, route: Route, who: str, model_id: str, started: float) -> CallResult:
    try:
        answer = json.loads(raw)
        choice = answer["choices"][0]
        message = choice.get("message") or {}
        text = message.get("content") or ""
        if not isinstance(text, str):
            raise TypeError("content is not text")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        if isinstance(answer := _json_or_none(raw), dict) and "error" in answer:
            raise _error_event(answer, who, model_id) from None
        raise _malformed(who, model_id, raw) from exc
    return call_result(route, text=text, finish_reason=choice.get("finish_reason"),
                       usage=answer.get("usage"), served_model=answer.get("model"), started=started)


async def _read_stream(response: Any, route: Route, on_delta: Callable[[str], None] | None, who: str,
                       model_id: str, started: float) -> CallResult:
    answer = StreamedAnswer(started, on_delta)
    pending = b""
    event_data: list[bytes] = []
    done = False
    async for block in response.content.iter_any():
        pending += block
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line = line.rstrip(b"\r")
            if line.startswith(b"data:"):
                event_data.append(line[5:].lstrip(b" "))
                continue
            if line or not event_data:  # other SSE fields (event:, id:, comments) carry nothing for us
                continue
            payload = b"\n".join(event_data)
            event_data.clear()
            if payload.strip() == b"[DONE]":
                done = True
                break
            try:
                event = json.loads(payload)
                choices = event.get("choices") or ()
            except (ValueError, AttributeError) as exc:
                raise _malformed(who, model_id, payload) from exc
            if "error" in event and not choices:
                raise _error_event(event, who, model_id)
            for choice in choices:
                answer.add((choice.get("delta") or {}).get("content"), choice.get("finish_reason"))
            answer.saw(event.get("usage"), event.get("model"))
        if done:
            break
    if not done and answer.finish_reason is None:
        raise ProviderFailure(f"{who} ended the answer early (the stream stopped before it was "
                              "complete).", model=model_id)
    return answer.result(route)


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _error_event(event: dict[str, Any], who: str, model_id: str) -> ProviderError:
    err = event.get("error")
    detail = err.get("message") if isinstance(err, dict) else str(err)
    code = (err.get("code") or err.get("type")) if isinstance(err, dict) else None
    status = event.get("status_code") if isinstance(event.get("status_code"), int) else None
    return classify(status, str(detail) if detail else None, str(code) if code else None, None,
                    who=who, model=model_id)


def _malformed(who: str, model_id: str, raw: bytes) -> ProviderFailure:
    shown = raw[:200].decode("utf-8", "replace")
    return ProviderFailure(f"{who} sent an answer that is not valid chat-completion JSON.",
                           detail=shown, model=model_id)


def _reason(exc: Exception) -> str:
    cause = getattr(exc, "os_error", None) or exc.__cause__ or exc
    if isinstance(cause, socket.gaierror):
        return "its host name could not be found"
    if getattr(cause, "errno", None) == errno.ECONNREFUSED:
        return "the connection was refused (nothing is listening there)"
    if getattr(cause, "errno", None) in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "the network or host is unreachable"
    text = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    return text.rstrip(".")
