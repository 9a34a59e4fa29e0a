"""What a call cost, from litellm's bundled price table, or None when the model is not in it.

We price calls ourselves instead of letting litellm do it per call (its cost accounting is most of
its per-call overhead). Lookups are cached; the table is read from the copy shipped with litellm
(LITELLM_LOCAL_MODEL_COST_MAP), never fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from desktop.core.gateway.loader import litellm_module

_TIER = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")
# Providers whose models the table lists under another provider's name.
_ALIASES = {"ollama_chat": "ollama", "custom_openai": "openai", "text-completion-openai": "openai"}


@dataclass(frozen=True)
class Price:
    input: float  # USD per token
    output: float
    cached_input: float | None = None
    tiers: tuple[tuple[int, float, float], ...] = ()  # (above this many input tokens, input, output)

    def cost(self, tokens_in: int, tokens_out: int, cached_in: int = 0) -> float:
        price_in, price_out = self.input, self.output
        for threshold, tier_in, tier_out in self.tiers:  # sorted, highest threshold first
            if tokens_in > threshold:
                price_in, price_out = tier_in, tier_out
                break
        cached = min(max(cached_in, 0), tokens_in) if self.cached_input is not None else 0
        total = (tokens_in - cached) * price_in + tokens_out * price_out
        if cached:
            total += cached * (self.cached_input or 0.0)
        return total


@lru_cache(maxsize=1024)
def price_for(provider: str, model: str) -> Price | None:
    """The table's price for ``model`` as served by ``provider`` (litellm names), or None."""
    table = litellm_module().model_cost
    wanted = _ALIASES.get(provider, provider)
    for key in (f"{provider}/{model}", f"{wanted}/{model}", model):
        entry = table.get(key)
        if not isinstance(entry, dict):
            continue
        listed = str(entry.get("litellm_provider", ""))
        if key == model and not (listed == wanted or listed.startswith(wanted + "-") or listed == provider):
            continue  # same name, another provider's model: its price says nothing about ours
        price_in, price_out = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
        if not isinstance(price_in, int | float) or not isinstance(price_out, int | float):
            return None
        tiers = []
        for name, value in entry.items():
            if (m := _TIER.match(name)) and isinstance(value, int | float):
                out = entry.get(f"output_cost_per_token_above_{m.group(1)}k_tokens", price_out)
                tiers.append((int(m.group(1)) * 1000, float(value), float(out)))
        cached = entry.get("cache_read_input_token_cost")
        return Price(float(price_in), float(price_out),
                     float(cached) if isinstance(cached, int | float) else None,
                     tuple(sorted(tiers, reverse=True)))
    return None


def cost_of(provider: str, model: str, tokens_in: int | None, tokens_out: int | None,
            cached_in: int = 0) -> float | None:
    if tokens_in is None or tokens_out is None:
        return None
    price = price_for(provider, model)
    return None if price is None else price.cost(tokens_in, tokens_out, cached_in)
