"""The response cache's key: the sha256 of the exact request.

The request is the litellm model id, the base URL, the rendered messages and every call
parameter (provider defaults, the version's parameters, response format, tools), serialised
canonically. The API key is never part of it (secrets stay out of the workspace). Two calls
with the same key would send the same bytes to the same endpoint, so the second is answered
from the cache and marked `cached`: nothing is paid (cost 0) and its latency is the original
call's, which is why the cache is off by default and must stay off when measuring latency.
Only successful answers are cached; with temperature > 0 the cache returns the first sample.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from desktop.core.gateway import CallResult


def request_key(model: str, base_url: str | None, messages: Sequence[Mapping[str, Any]],
                params: Mapping[str, Any]) -> str:
    text = json.dumps({"model": model, "base_url": base_url or None,
                       "messages": [dict(m) for m in messages], "params": dict(params)},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_entry(result: CallResult) -> dict[str, Any]:
    return {"text": result.text, "tokens_in": result.tokens_in, "tokens_out": result.tokens_out,
            "cost": result.cost, "latency_s": result.latency_s, "ttft_s": result.ttft_s,
            "finish_reason": result.finish_reason, "model": result.model}


def from_entry(entry: Mapping[str, Any]) -> CallResult:
    return CallResult(text=entry["text"], tokens_in=entry.get("tokens_in"),
                      tokens_out=entry.get("tokens_out"), cost=entry.get("cost"),
                      latency_s=float(entry.get("latency_s") or 0.0),
                      ttft_s=float(entry.get("ttft_s") or 0.0),
                      finish_reason=entry.get("finish_reason"), model=entry.get("model") or "")
