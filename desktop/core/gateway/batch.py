"""Provider batch APIs: many chat requests submitted at once, answered within a day at half price.

- OpenAI Batch (``openai/`` models, and OpenAI-compatible servers that offer it): the requests
  are a JSONL file uploaded to ``/files``, then ``POST /batches``; ``GET /batches/{id}`` says
  how far it is, and its output (and error) file holds one answer per request.
- Anthropic Message Batches (``anthropic/`` models): ``POST /v1/messages/batches`` with the
  requests, ``GET`` it for its state, and its ``results_url`` holds one result per request.

We speak both over HTTP ourselves rather than through litellm's batch functions: those go
through the OpenAI SDK (seconds to import, a thread per call) and create Anthropic batches only
from an uploaded OpenAI file. The request bodies are built as the gateway builds a direct call
(routing), so a batch sends what a call would. Answers become CallResults priced at half the
table's price (both providers' batch discount); their latency is not a call's, so it is 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.gateway import pricing, routing
from desktop.core.gateway.errors import (
    BadKey, InvalidRequest, ProviderError, ProviderFailure, Unreachable, classify,
    error_for_status,
)
from desktop.core.gateway.target import CallResult, ModelTarget

BATCH_DISCOUNT = 0.5
ANTHROPIC_VERSION = "2023-06-01"
ANTHROPIC_DEFAULT_MAX_TOKENS = 4096
FINAL = frozenset({"completed", "failed", "expired", "cancelled"})


def batch_api(model_id: str) -> str | None:
    """"openai" or "anthropic" for a model whose provider has a batch API, else None."""
    provider = model_id.partition("/")[0] if "/" in model_id else "openai"
    return {"openai": "openai", "anthropic": "anthropic"}.get(provider)


@dataclass(frozen=True, slots=True)
class BatchRequest:
    custom_id: str
    messages: Sequence[Mapping[str, Any]]
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Submitted:
    batch_id: str
    input_file_id: str | None


@dataclass(frozen=True, slots=True)
class BatchState:
    """Where a batch is. `status` is one of in_progress, completed, failed, expired,
    cancelled (the providers' words, normalised); `results` is where its answers are."""

    status: str
    total: int
    completed: int
    failed: int
    results: str | None = None
    errors: str | None = None
    message: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    custom_id: str
    result: CallResult | None = None
    error: ProviderError | None = None


class BatchClient:
    """One provider's batch API for one model target. Use `async with`."""

    def __init__(self, target: ModelTarget, *, timeout: float = 120.0) -> None:
        import httpx

        self.target = target
        self.api = batch_api(target.model)
        if self.api is None:
            raise InvalidRequest(f"{target.name or target.model} has no batch API: only OpenAI "
                                 "and Anthropic models can run as a batch.", model=target.model)
        self.who = target.name or target.model
        self._http = httpx.AsyncClient(timeout=timeout, trust_env=True)

    async def __aenter__(self) -> BatchClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # ---- the wire --------------------------------------------------------------------------

    async def _send(self, method: str, url: str, **kw: Any) -> Any:
        import httpx

        try:
            response = await self._http.request(method, url, headers=self._headers(), **kw)
        except httpx.ConnectError as exc:
            raise Unreachable(f"Could not connect to {url} for {self.who}'s batch.",
                              detail=str(exc), model=self.target.model) from exc
        except httpx.HTTPError as exc:
            raise ProviderFailure(f"{self.who}'s batch API did not answer ({type(exc).__name__}).",
                                  detail=str(exc), model=self.target.model) from exc
        if response.status_code >= 400:
            raise error_for_status(response.status_code, response.content, response.headers,
                                   who=self.who, model=self.target.model)
        return response

    def _headers(self) -> dict[str, str]:
        key = self.target.api_key
        if self.api == "anthropic":
            headers = {"anthropic-version": ANTHROPIC_VERSION}
            if key:
                headers["x-api-key"] = key
            return headers
        route = self._route()
        key = key or route.default_key
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _route(self) -> routing.Route:
        route = routing.resolve_plain(self.target.model, self.target.base_url)
        if route is None:
            route = routing.resolve(self.target.model, self.target.base_url)
        if not route.api_base:
            raise BadKey(f"{self.who} has no endpoint for its batch API.", model=self.target.model)
        return route

    def _anthropic_base(self) -> str:
        base = (self.target.base_url or "https://api.anthropic.com").rstrip("/")
        for tail in ("/v1/messages", "/v1"):
            if base.endswith(tail):
                base = base[: -len(tail)]
        return base

    # ---- submit, retrieve, results ---------------------------------------------------------

    async def submit(self, requests: Sequence[BatchRequest]) -> Submitted:
        if self.api == "anthropic":
            body = {"requests": [{"custom_id": r.custom_id,
                                  "params": anthropic_params(self._model(), r.messages, r.params)}
                                 for r in requests]}
            answer = (await self._send("POST", f"{self._anthropic_base()}/v1/messages/batches",
                                       json=body)).json()
            return Submitted(str(answer["id"]), None)
        route = self._route()
        lines = [json.dumps({"custom_id": r.custom_id, "method": "POST",
                             "url": "/v1/chat/completions",
                             "body": openai_body(route, r.messages, r.params,
                                                 self.target.api_key)}).encode()
                 for r in requests]
        base = route.api_base.rstrip("/")
        upload = (await self._send("POST", f"{base}/files", data={"purpose": "batch"},
                                   files={"file": ("requests.jsonl", b"\n".join(lines) + b"\n",
                                                   "application/jsonl")})).json()
        created = (await self._send("POST", f"{base}/batches", json={
            "input_file_id": upload["id"], "endpoint": "/v1/chat/completions",
            "completion_window": "24h", "metadata": {"made_by": "promptpress"}})).json()
        return Submitted(str(created["id"]), str(upload["id"]))

    async def retrieve(self, batch_id: str) -> BatchState:
        if self.api == "anthropic":
            found = (await self._send(
                "GET", f"{self._anthropic_base()}/v1/messages/batches/{batch_id}")).json()
            counts = found.get("request_counts") or {}
            done = sum(int(counts.get(k) or 0) for k in ("succeeded", "errored", "canceled",
                                                           "expired"))
            total = done + int(counts.get("processing") or 0)
            status = "completed" if found.get("processing_status") == "ended" else "in_progress"
            return BatchState(status, total, done, int(counts.get("errored") or 0),
                              found.get("results_url"))
        base = self._route().api_base.rstrip("/")
        found = (await self._send("GET", f"{base}/batches/{batch_id}")).json()
        counts = found.get("request_counts") or {}
        status = str(found.get("status") or "in_progress")
        status = {"cancelling": "in_progress", "finalizing": "in_progress",
                  "validating": "in_progress"}.get(status, status)
        errors = found.get("errors") or {}
        message = "; ".join(str(e.get("message")) for e in errors.get("data") or ()
                            if isinstance(e, dict)) or None
        return BatchState(status, int(counts.get("total") or 0),
                          int(counts.get("completed") or 0) + int(counts.get("failed") or 0),
                          int(counts.get("failed") or 0), found.get("output_file_id"),
                          found.get("error_file_id"), message)

    async def results(self, state: BatchState) -> list[BatchAnswer]:
        """Every answer a finished batch holds (requests it never ran are not among them)."""
        out: list[BatchAnswer] = []
        if self.api == "anthropic":
            if state.results:
                text = (await self._send("GET", state.results)).text
                out += [self._anthropic_line(json.loads(line))
                        for line in text.splitlines() if line.strip()]
            return out
        base = self._route().api_base.rstrip("/")
        for file_id in (state.results, state.errors):
            if file_id:
                text = (await self._send("GET", f"{base}/files/{file_id}/content")).text
                out += [self._openai_line(json.loads(line))
                        for line in text.splitlines() if line.strip()]
        return out

    def _model(self) -> str:
        return self.target.model.partition("/")[2] or self.target.model

    def _openai_line(self, line: Mapping[str, Any]) -> BatchAnswer:
        custom_id = str(line.get("custom_id"))
        response = line.get("response") or {}
        status = int(response.get("status_code") or 0)
        body = response.get("body") or {}
        error = line.get("error")
        if error or status >= 400 or not body:
            raw = json.dumps(body if body else {"error": error}).encode()
            if status >= 400:
                failure = error_for_status(status, raw, {}, who=self.who, model=self.target.model)
            else:
                err = error if isinstance(error, dict) else {}
                failure = classify(None, str(err.get("message") or "the request failed"),
                                   str(err.get("code") or "") or None, None, who=self.who,
                                   model=self.target.model)
            return BatchAnswer(custom_id, error=failure)
        try:
            choice = body["choices"][0]
            text = (choice.get("message") or {}).get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            return BatchAnswer(custom_id, error=ProviderFailure(
                f"{self.who}'s batch answer is not chat-completion JSON.",
                detail=json.dumps(body)[:200], model=self.target.model))
        usage = body.get("usage") or {}
        return BatchAnswer(custom_id, self._result(
            text, choice.get("finish_reason"), usage.get("prompt_tokens"),
            usage.get("completion_tokens"), body.get("model")))

    def _anthropic_line(self, line: Mapping[str, Any]) -> BatchAnswer:
        custom_id = str(line.get("custom_id"))
        result = line.get("result") or {}
        kind = result.get("type")
        if kind != "succeeded":
            err = ((result.get("error") or {}).get("error") or {}) if kind == "errored" else {}
            message = err.get("message") or {"canceled": "the batch was cancelled before this "
                                                         "request ran",
                                             "expired": "the batch expired before this request "
                                                        "ran"}.get(kind, "the request failed")
            return BatchAnswer(custom_id, error=classify(None, str(message),
                                                         str(err.get("type") or "") or None,
                                                         None, who=self.who,
                                                         model=self.target.model))
        message = result.get("message") or {}
        text = "".join(part.get("text", "") for part in message.get("content") or ()
                       if isinstance(part, dict) and part.get("type") == "text")
        usage = message.get("usage") or {}
        finish = {"end_turn": "stop", "max_tokens": "length", "stop_sequence": "stop"}.get(
            message.get("stop_reason"), message.get("stop_reason"))
        return BatchAnswer(custom_id, self._result(text, finish, usage.get("input_tokens"),
                                                   usage.get("output_tokens"), message.get("model")))

    def _result(self, text: str, finish: str | None, tokens_in: Any, tokens_out: Any,
                served: Any) -> CallResult:
        tokens_in = tokens_in if isinstance(tokens_in, int) else None
        tokens_out = tokens_out if isinstance(tokens_out, int) else None
        provider, _, model = self.target.model.partition("/")
        cost = pricing.cost_of(provider if model else "openai", model or provider, tokens_in,
                               tokens_out)
        return CallResult(text=text, tokens_in=tokens_in, tokens_out=tokens_out,
                          cost=None if cost is None else cost * BATCH_DISCOUNT, latency_s=0.0,
                          ttft_s=0.0, finish_reason=finish, model=str(served or self._model()))


def openai_body(route: routing.Route, messages: Sequence[Mapping[str, Any]],
                params: Mapping[str, Any], api_key: str | None) -> dict[str, Any]:
    """The chat body a direct call would send (see routing and direct)."""
    chat = [dict(m) for m in messages]
    params = dict(params)
    if route.plain and routing.plain_call(params, chat):
        return routing.plain_request(route, chat, params, api_key)[1]
    from desktop.core.gateway.direct import _litellm_request

    full = route if route.config is not None else routing.resolve(
        f"{route.provider}/{route.model}", route.api_base)
    if full.config is None:
        raise InvalidRequest(f"{route.model} cannot be sent as a batch request.",
                             model=route.model)
    return _litellm_request(full, chat, params, api_key)[1]


def anthropic_params(model: str, messages: Sequence[Mapping[str, Any]],
                     params: Mapping[str, Any]) -> dict[str, Any]:
    """A Messages API request: system messages apart, `max_tokens` required, OpenAI's sampling
    names mapped (`stop` -> `stop_sequences`); other parameters are refused."""
    system = "\n\n".join(str(m["content"]) for m in messages if m.get("role") == "system")
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": int(params.get("max_tokens") or ANTHROPIC_DEFAULT_MAX_TOKENS),
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages
                     if m.get("role") != "system"]}
    if system:
        body["system"] = system
    for name in ("temperature", "top_p", "top_k"):
        if params.get(name) is not None:
            body[name] = params[name]
    if params.get("stop"):
        stop = params["stop"]
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    unknown = set(params) - {"max_tokens", "temperature", "top_p", "top_k", "stop"}
    if unknown:
        raise InvalidRequest(f"These parameters cannot go into an Anthropic batch: "
                             f"{', '.join(sorted(unknown))}.", model=model)
    return body
