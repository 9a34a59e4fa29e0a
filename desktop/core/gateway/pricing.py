"""What a call cost, from litellm's price table as we package it, or None when the model is not in it.

We price calls ourselves instead of letting litellm do it per call (its cost accounting is most of
its per-call overhead), and from our own copy of its table, so that pricing never needs litellm
(seconds to import). ``resources/model_prices.json`` holds the fields we read of every row of the
installed litellm's bundled table; ``scripts/build_price_table.py`` regenerates it. Lookups are
cached; nothing is ever fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

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


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The packaged table: ``models`` (name -> row, see the file's ``row``) and ``aliases``."""
    with resources.files("resources").joinpath("model_prices.json").open("rb") as handle:
        return json.load(handle)


@lru_cache(maxsize=1024)
def price_for(provider: str, model: str) -> Price | None:
    """The table's price for ``model`` as served by ``provider`` (litellm names), or None."""
    rows = table()["models"]
    wanted = _ALIASES.get(provider, provider)
    for key in (f"{provider}/{model}", f"{wanted}/{model}", model):
        row = rows.get(key)
        if row is None:
            continue
        listed = row[0]
        if key == model and not (listed == wanted or listed.startswith(wanted + "-") or listed == provider):
            continue  # same name, another provider's model: its price says nothing about ours
        if len(row) < 3:
            return None  # listed without a per-token price
        tiers = tuple((int(t[0]), float(t[1]), float(t[2])) for t in row[4]) if len(row) > 4 else ()
        return Price(float(row[1]), float(row[2]), None if row[3] is None else float(row[3]), tiers)
    return None


def cost_of(provider: str, model: str, tokens_in: int | None, tokens_out: int | None,
            cached_in: int = 0) -> float | None:
    if tokens_in is None or tokens_out is None:
        return None
    price = price_for(provider, model)
    return None if price is None else price.cost(tokens_in, tokens_out, cached_in)
