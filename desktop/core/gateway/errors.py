"""Errors a person can act on. Every failed call raises one ProviderError subclass.

``kind`` is a short stable string (for storage and filters), ``message`` says what happened in plain
words, ``hint`` says what to do. ``retryable`` tells the runner whether trying again can help.
Cancellation is not an error here: it stays ``asyncio.CancelledError``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar


class ProviderError(Exception):
    kind: ClassVar[str] = "provider_error"
    retryable: ClassVar[bool] = False
    default_hint: ClassVar[str] = ""

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None,
                 detail: str | None = None, model: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        self.status = status  # HTTP status, when there was one
        self.detail = detail  # the provider's own words, when it gave any
        self.model = model

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class BadKey(ProviderError):
    kind = "bad_key"
    default_hint = "Set a valid API key for this provider in its settings, then try again."


class RateLimited(ProviderError):
    kind = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        if "hint" not in kwargs or kwargs["hint"] is None:
            wait = f"Wait {_seconds(retry_after)}" if retry_after is not None else "Wait a minute"
            kwargs["hint"] = f"{wait} and try again, or run fewer calls at once."
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Timeout(ProviderError):
    kind = "timeout"
    retryable = True
    default_hint = "Try again; for slow or local models, raise the timeout."


class ContextTooLong(ProviderError):
    kind = "context_too_long"
    default_hint = "Shorten the input (or max_tokens), or choose a model with a larger context window."


class Unreachable(ProviderError):
    kind = "unreachable"
    default_hint = "Check the base URL, that the server is running, and your network connection."


class UnknownModel(ProviderError):
    kind = "unknown_model"
    default_hint = ("Check the model id (for example openai/gpt-4o-mini or ollama/llama3) and, "
                    "for a self-hosted server, its base URL and the models it serves.")


class InvalidRequest(ProviderError):
    """The provider refused the request itself (400/422) for a reason other than the above."""

    kind = "invalid_request"
    default_hint = "Check this model's parameters (temperature, max_tokens, response format, tools)."


class ProviderFailure(ProviderError):
    """The provider broke: 5xx, a malformed answer, or a connection dropped mid-answer."""

    kind = "provider_failure"
    retryable = True
    default_hint = "This is usually temporary: try again later. If it persists, check the provider's status."


_CONTEXT = re.compile(
    r"context[_ ]length|context window|maximum context|prompt is too long|input is too long|"
    r"too many (input )?tokens|reduce the length|exceeds? the (model'?s? )?(max|context)", re.I)
_NO_MODEL = re.compile(
    r"model_not_found|model .{0,80}(not found|does not exist|is not (available|supported))|"
    r"unknown model|no such model|invalid model", re.I)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # ~30 ms to import: only when a provider sends an HTTP date

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def provider_detail(body: bytes | str | None) -> tuple[str | None, str | None]:
    """The provider's error message and code from an error body (OpenAI, Anthropic, Ollama shapes)."""
    if not body:
        return None, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return text.strip()[:500] or None, None
    return _detail_from(data)


def _detail_from(data: Any) -> tuple[str | None, str | None]:
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, str):
            return err, None
        if isinstance(err, dict):
            message = err.get("message") or err.get("detail")
            code = err.get("code") or err.get("type")
            return (str(message) if message else None), (str(code) if code else None)
    return None, None


def error_for_status(status: int, body: bytes | str | None, headers: Mapping[str, str] | None, *,
                     who: str, model: str) -> ProviderError:
    """The typed error for an HTTP error answer from a provider."""
    detail, code = provider_detail(body)
    return classify(status, detail, code, headers, who=who, model=model)


def classify(status: int | None, detail: str | None, code: str | None,
             headers: Mapping[str, str] | None, *, who: str, model: str) -> ProviderError:
    words = f"{code or ''} {detail or ''}"
    said = f" The provider said: {detail}" if detail else ""
    http = f" (HTTP {status})" if status else ""
    kw: dict[str, Any] = {"status": status, "detail": detail, "model": model}
    if status in (401, 403) or code in ("invalid_api_key", "authentication_error", "permission_error"):
        return BadKey(f"{who} rejected the API key{http}.{said}", **kw)
    if status == 429 or code in ("rate_limit_exceeded", "rate_limit_error", "insufficient_quota"):
        retry = parse_retry_after(headers)
        if "insufficient_quota" in words:
            out = RateLimited(f"{who} refused the call: the account is out of quota or credit.{said}",
                              retry_after=retry, hint="Check the plan and billing for this API key.", **kw)
            out.retryable = False  # type: ignore[misc]  # waiting does not refill an account
            return out
        return RateLimited(f"{who} is rate-limiting calls to {model}.{said}", retry_after=retry, **kw)
    if _CONTEXT.search(words):
        return ContextTooLong(f"The input is longer than {model} can read at once (its context window)."
                              f"{said}", **kw)
    if status == 404 or (status in (400, 422, None) and _NO_MODEL.search(words)):
        return UnknownModel(f"{who} does not know the model '{model}' (or the URL is wrong).{said}", **kw)
    if status == 408:
        return Timeout(f"{who} gave up waiting{http}.{said}", **kw)
    if status is not None and 400 <= status < 500:
        return InvalidRequest(f"{who} refused the request{http}.{said}", **kw)
    if status is None:
        return ProviderFailure(f"{who} reported an error while answering.{said}", **kw)
    return ProviderFailure(f"{who} failed with HTTP {status}.{said}", **kw)
