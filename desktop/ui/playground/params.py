"""Column parameters and run outcomes, as text a person reads. No Qt here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .. import words
from .state import RunRecord


@dataclass(frozen=True)
class ParameterSpec:
    key: str
    label: str
    kind: str  # "float", "int", "stops"
    minimum: float = 0
    maximum: float = 0
    step: float = 1
    help: str = ""


SPECS = (
    ParameterSpec("temperature", "Temperature", "float", 0.0, 2.0, 0.1,
                  "Higher is more varied, lower is more predictable."),
    ParameterSpec("max_tokens", "Max tokens", "int", 1, 1_000_000, 64,
                  "The longest answer the model may give, in tokens."),
    ParameterSpec("top_p", "Top P", "float", 0.0, 1.0, 0.05,
                  "Only sample from the most likely words that together make up this share."),
    ParameterSpec("seed", "Seed", "int", 0, 2**31 - 1, 1,
                  "The same seed asks the model for the same answer (where it supports it)."),
    ParameterSpec("stop", "Stop at", "stops", help=(
        "The model stops when it writes one of these. Separate them with commas; write \\n for a "
        "line break, \\t for a tab, \\s for a space, \\, for a comma, \\\\ for a backslash.")),
)
SPEC = {s.key: s for s in SPECS}

_ESCAPES = {"n": "\n", "t": "\t", "s": " ", ",": ",", "\\": "\\", "r": "\r"}
_UNESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", ",": "\\,", "\\": "\\\\"}


def parse_stops(text: str) -> list[str]:
    """'END, \\n\\n' -> ['END', '\\n\\n']: commas separate, backslash escapes, spaces around ignored."""
    segments: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):  # split on unescaped commas, keeping escapes as written
        if text[i] == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if text[i] == ",":
            segments.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    segments.append("".join(current))
    return [s for s in (_decode(seg.strip(" ")) for seg in segments) if s]


def _decode(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append(_ESCAPES.get(raw[i + 1], "\\" + raw[i + 1]))
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def format_stops(stops: list[str] | None) -> str:
    """The inverse of parse_stops: `parse_stops(format_stops(s)) == s` for non-empty items."""
    written = []
    for stop in stops or ():
        body = "".join(_UNESCAPES.get(ch, ch) for ch in stop)
        lead = len(body) - len(body.lstrip(" "))
        trail = len(body) - len(body.rstrip(" "))
        if lead == len(body):
            written.append("\\s" * lead)
            continue
        written.append("\\s" * lead + body.strip(" ") + "\\s" * trail)
    return ", ".join(written)


def summary(params: dict[str, Any], response_format: dict | None) -> str:
    """A one-line summary of the settings that differ from the provider's defaults."""
    parts = []
    if params.get("temperature") is not None:
        parts.append(f"temp {params['temperature']:g}")
    if params.get("max_tokens") is not None:
        parts.append(f"max {params['max_tokens']}")
    if params.get("top_p") is not None:
        parts.append(f"top_p {params['top_p']:g}")
    if params.get("seed") is not None:
        parts.append(f"seed {params['seed']}")
    if params.get("stop"):
        parts.append(f"{len(params['stop'])} stop" + ("s" if len(params["stop"]) > 1 else ""))
    if response_format is not None:
        parts.append("JSON" if response_format.get("type") != "json_schema" else "JSON schema")
    return " · ".join(parts) or "default settings"


def format_cost(cost: float | None) -> str:
    if cost is None:
        return "cost unknown"
    if cost == 0:
        return "$0"
    if cost < 0.01:
        return f"${cost:.5f}".rstrip("0")
    return f"${cost:.4f}".rstrip("0").rstrip(".")


def format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


FINISH_WORDS = {
    "stop": "finished",
    "length": "cut off at max tokens",
    "content_filter": "stopped by the content filter",
    "tool_calls": "asked to call a tool",
    "function_call": "asked to call a tool",
}


def format_stats(run: RunRecord) -> str:
    """'12 tokens sent, 48 received · $0.00021 · took 1.24 s, first words after 310 ms ·
    finished' (the column's tooltip explains tokens and times: `words.STATS_TIP`)."""
    finish = FINISH_WORDS.get(run.finish_reason or "", run.finish_reason or "finish unknown")
    return " · ".join((words.tokens(run.tokens_in, run.tokens_out), format_cost(run.cost),
                       words.took(format_seconds(run.latency_s),
                                  format_seconds(run.ttft_s) if run.ttft_s is not None else None),
                       finish))


@dataclass(frozen=True)
class Explanation:
    """A failure as the column shows it: a title, what happened, what to do, and a button."""

    kind: str
    title: str
    message: str
    hint: str
    action: str | None = None  # "providers", "retry", "shorten", "choose_provider"
    retry_after: float | None = None


TITLES = {
    "bad_key": "The API key was refused",
    "rate_limited": "Too many requests right now",
    "timeout": "No answer in time",
    "context_too_long": "The input is too long for this model",
    "unreachable": "Cannot reach the model",
    "unknown_model": "This model is not known here",
    "invalid_request": "The model refused the request",
    "provider_failure": "The provider had a problem",
    "missing_key": "No API key set",
    "keychain": "The keychain is not available",
    "no_provider": "Choose a provider",
    "unknown_provider": "This provider no longer exists",
}
ACTIONS = {
    "bad_key": "providers",
    "rate_limited": "retry",
    "timeout": "retry",
    "context_too_long": "shorten",
    "unreachable": "retry",
    "unknown_model": "providers",
    "provider_failure": "retry",
    "missing_key": "providers",
    "keychain": "providers",
    "no_provider": "providers",
    "unknown_provider": "providers",
}


def explain(error: BaseException) -> Explanation:
    """Plain words for a failed call: gateway errors, missing keys, keychain trouble."""
    kind = getattr(error, "kind", None)
    message = str(getattr(error, "message", None) or error) or type(error).__name__
    hint = getattr(error, "hint", "") or ""
    retry_after = getattr(error, "retry_after", None)
    if kind is None:
        name = type(error).__name__
        if name == "MissingKey":
            kind = "missing_key"
            hint = hint or "Open Providers to set the key, or name an environment variable."
        elif name == "KeychainUnavailable":
            kind = "keychain"
            hint = hint or "Open Providers and give the key as an environment variable instead."
        else:
            kind = "provider_failure"
    if kind == "rate_limited" and retry_after is not None and not hint:
        hint = f"Wait {retry_after:g} s and try again."
    return Explanation(kind, TITLES.get(kind, "The call failed"), message, hint,
                       ACTIONS.get(kind), retry_after)


def record_failure(run: RunRecord, error: BaseException) -> Explanation:
    why = explain(error)
    run.status = "failed"
    run.error_kind, run.error_title = why.kind, why.title
    run.error_message, run.error_hint, run.retry_after = why.message, why.hint, why.retry_after
    return why


def explanation_of(run: RunRecord) -> Explanation | None:
    if run.status != "failed":
        return None
    return Explanation(run.error_kind or "provider_failure", run.error_title or "The call failed",
                       run.error_message or "", run.error_hint or "",
                       ACTIONS.get(run.error_kind or ""), run.retry_after)
