"""What a candidate costs: its price per token, and the estimate of a run before it is paid.

Prices come from the packaged price table (gateway/pricing.py); a local model (Ollama, LM
Studio, llamafile, or any model on this machine that the table does not list) costs 0. The
estimate is tokens × price for every case that the response cache cannot answer (those are
free: nothing is paid twice). Tokens come from the baseline run where it has them, scaled by
the rendered length of the candidate's messages; else about four characters a token, and
for answers the baseline's mean or an assumed length.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from storage.releases.content import PromptContent

from desktop.core.evaluators import Evaluator, Judge
from desktop.core.gateway import pricing
from desktop.core.play import call_parameters, render
from desktop.core.providers import ProviderSettings
from desktop.core.runner import cache as cache_keys
from desktop.core.templates import TemplateProblem

LOCAL_PROVIDERS = frozenset({"ollama", "ollama_chat", "lm_studio", "llamafile"})
CHARS_PER_TOKEN = 4
ASSUMED_OUTPUT_TOKENS = 300
JUDGE_OVERHEAD_TOKENS = 250  # the judge's instructions and tags around rubric and output
JUDGE_OUTPUT_TOKENS = 80


def split_model(model_id: str) -> tuple[str, str]:
    """("openai", "gpt-4o-mini") from "openai/gpt-4o-mini"; a bare name is OpenAI's."""
    provider, slash, model = model_id.partition("/")
    return (provider, model) if slash and model else ("openai", model_id)


def is_local(model_id: str, base_url: str | None) -> bool:
    """A model served on this machine (Ollama and friends, or a loopback base URL)."""
    if split_model(model_id)[0] in LOCAL_PROVIDERS:
        return True
    host = urlsplit(base_url).hostname if base_url else None
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def price_of(model_id: str, base_url: str | None = None) -> pricing.Price | None:
    """The table's price; 0 for a local model the table does not list; None when unknown."""
    price = pricing.price_for(*split_model(model_id))
    if price is None and is_local(model_id, base_url):
        return pricing.Price(0.0, 0.0)
    return price


@dataclass(frozen=True, slots=True)
class CaseTokens:
    """What one case of the baseline used, when the baseline run has it."""

    tokens_in: int | None
    tokens_out: int | None
    rendered_chars: int  # of the baseline's messages for this case


@dataclass(frozen=True, slots=True)
class Estimate:
    """The estimated cost of running one candidate on the test set (USD; None: unknown)."""

    calls: int  # cells to run
    cached: int  # of them the response cache answers: free
    tokens_in: int
    tokens_out: int
    cost: float | None  # the model's calls that are not cached
    judge_cost: float | None  # judges' calls (an upper bound: their cache is not counted)
    basis: str  # how the tokens were estimated, in words

    @property
    def total(self) -> float | None:
        if self.cost is None or self.judge_cost is None:
            return None
        return self.cost + self.judge_cost

    @property
    def per_call(self) -> float | None:
        """The price of one call (cached or not), for "cost per 1,000 calls"."""
        return None if self.cost is None or self.calls == self.cached else \
            self.cost / (self.calls - self.cached)


class Renderings:
    """Each case's messages for each content, rendered once (a proposal renders the same
    content for several providers). Keyed by identity: keep the contents alive meanwhile."""

    def __init__(self, cases: Sequence[Mapping]) -> None:
        self.cases = cases
        self._done: dict[tuple[int, int], list[dict[str, str]] | None] = {}
        self._keep: list[PromptContent] = []

    def __call__(self, content: PromptContent, i: int) -> list[dict[str, str]] | None:
        key = (id(content), i)
        if key not in self._done:
            if not any(c is content for c in self._keep):
                self._keep.append(content)
            self._done[key] = rendered(content, self.cases[i])
        return self._done[key]


def rendered(content: PromptContent, variables: Mapping) -> list[dict[str, str]] | None:
    try:
        return render(content, variables)
    except TemplateProblem:
        return None  # that cell will be an error, and costs nothing


def estimate(content: PromptContent, provider: ProviderSettings,
             cases: Sequence[Mapping], *, baseline: Sequence[CaseTokens | None] = (),
             cached_keys: frozenset[str] = frozenset(), evaluators: Sequence[Evaluator] = (),
             judge_models: Mapping[str, tuple[str, str | None]] = {},
             renderings: Renderings | None = None) -> Estimate:
    """The cost of `content` on `provider` over `cases` (each case's variables).

    `baseline[i]` is what case i used in the baseline run (None where it has no result);
    `cached_keys` are the request keys the response cache holds; `judge_models` maps a judge's
    model to the (model id, base URL) it is called at; `renderings` renders each case once."""
    renderings = renderings or Renderings(cases)
    price = price_of(provider.model, provider.base_url)
    params = call_parameters(content, provider)
    cap = params.get("max_tokens") if isinstance(params.get("max_tokens"), int) else None
    known_out = [b.tokens_out for b in baseline if b is not None and b.tokens_out]
    mean_out = (sum(known_out) / len(known_out)) if known_out else None
    total_in = total_out = cached = 0
    cost = 0.0
    output_tokens: list[int] = []
    measured = 0
    for i in range(len(cases)):
        messages = renderings(content, i)
        if messages is None:
            continue
        chars = sum(len(m["content"]) for m in messages)
        base = baseline[i] if i < len(baseline) else None
        if base is not None and base.tokens_in and base.rendered_chars:
            tokens_in = max(1, round(base.tokens_in * chars / base.rendered_chars))
            measured += 1
        else:
            tokens_in = math.ceil(chars / CHARS_PER_TOKEN) + 4 * len(messages)
        if base is not None and base.tokens_out:
            tokens_out = base.tokens_out
        else:
            tokens_out = round(mean_out) if mean_out else (cap or ASSUMED_OUTPUT_TOKENS)
        if cap is not None:
            tokens_out = min(tokens_out, cap)
        output_tokens.append(tokens_out)
        key = cache_keys.request_key(provider.model, provider.base_url, messages, params)
        if key in cached_keys:
            cached += 1
            continue
        total_in += tokens_in
        total_out += tokens_out
        if price is not None:
            cost += price.cost(tokens_in, tokens_out)
    calls = len(output_tokens)
    judge_cost = _judges(evaluators, judge_models, output_tokens)
    if measured:
        basis = f"tokens of the baseline run ({measured} of {len(cases)} cases)"
    else:
        basis = (f"about {CHARS_PER_TOKEN} characters a token, "
                 + (f"{round(mean_out)} tokens an answer (the baseline's mean)" if mean_out
                    else f"{cap or ASSUMED_OUTPUT_TOKENS} tokens an answer (assumed)"))
    return Estimate(calls, cached, total_in, total_out, None if price is None else cost,
                    judge_cost, basis)


def _judges(evaluators: Sequence[Evaluator], judge_models: Mapping[str, tuple[str, str | None]],
            output_tokens: Sequence[int]) -> float | None:
    total = 0.0
    for evaluator in evaluators:
        if not isinstance(evaluator, Judge):  # weight 0 or not, a judge is called
            continue
        model_id, base_url = judge_models.get(evaluator.model, (evaluator.model, None))
        price = price_of(model_id, base_url)
        if price is None:
            return None
        rubric = math.ceil(len(evaluator.rubric) / CHARS_PER_TOKEN)
        for tokens in output_tokens:
            total += price.cost(JUDGE_OVERHEAD_TOKENS + rubric + tokens, JUDGE_OUTPUT_TOKENS)
    return total


def request_keys(content: PromptContent, provider: ProviderSettings,
                 cases: Sequence[Mapping], renderings: Renderings | None = None) -> list[str]:
    """The response-cache keys of every case's request (for a cache look-up)."""
    renderings = renderings or Renderings(cases)
    params = call_parameters(content, provider)
    keys = []
    for i in range(len(cases)):
        messages = renderings(content, i)
        if messages is not None:
            keys.append(cache_keys.request_key(provider.model, provider.base_url, messages,
                                               params))
    return keys
