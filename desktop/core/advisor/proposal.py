"""Proposing candidates: what the advisor would try, what each would cost, before anything runs.

Just over 500 lines on purpose: the three kinds of candidate share one context read once
from the workspace; costs.py, rewrites.py and verdict.py hold the rest.

`propose(workspace, request)` reads the version, the test set, its evaluators, the providers and
the newest usable baseline run, then lists:

1. models: every other provider that is cheaper than the current one (price table; local
   models are free) or measured faster (or the ones the author named);
2. rewrites: fewer few-shot examples, a lower `max_tokens` from the baseline's real output
   lengths, and shorter instructions written by the model the author chose, each with its
   diff against the original;
3. combinations of a rewrite with a model (run only when neither part scored worse).

Each with its estimated cost; the only thing propose spends on is asking the chosen model for
the shorter instructions (cached, so asking again is free).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from storage.releases.content import PromptContent
from storage.workspace import prompts as prompt_repo
from storage.workspace import runs as run_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace

from desktop.core import gateway as gw
from desktop.core.advisor import costs, rewrites, stats
from desktop.core.advisor.costs import CaseTokens, Estimate
from desktop.core.advisor.stats import DEFAULT_MARGIN
from desktop.core.diff import ContentDiff, diff_contents
from desktop.core.errors import UserError
from desktop.core.evaluators import Evaluator, Judge
from desktop.core.providers import ProviderSettings, list_providers
from desktop.core.runner import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, EvalError, parse_evaluators
from desktop.core.runner import cache as cache_keys

Kind = Literal["model", "rewrite", "combined"]


class AdviceError(UserError):
    """An advice that cannot be given as asked; the message says what to change."""


@dataclass(frozen=True, slots=True)
class AdviceRequest:
    """What to advise on. `prompt` is NAME or NAME@VERSION; `baseline` the provider it runs on
    now (default: the provider of its newest run on the test set, else the one with its model);
    `models` the providers to try (default: every cheaper or faster one); `rewrite_with` the
    provider whose model writes shorter instructions (none: no such rewrite); `budget` caps
    the whole search in USD; `margin` is the non-inferiority margin on a 0..1 score scale."""

    prompt: str
    test_set: str
    baseline: str | None = None
    models: Sequence[str] = ()
    rewrite_with: str | None = None
    rewrites: bool = True
    combinations: bool = True
    budget: float | None = None
    margin: float = DEFAULT_MARGIN
    evaluators: Sequence[str] | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True, slots=True)
class Candidate:
    """Something to try instead of the current prompt on the current model.

    `content` is the full prompt content to run (for a model candidate, the original);
    `diff` is its difference from the original (None when only the model changes)."""

    key: str  # "model:NAME", "rewrite:examples|max_tokens|tighter", "combined:REWRITE+NAME"
    kind: Kind
    label: str
    provider: str
    model: str
    content: PromptContent
    estimate: Estimate
    why: str = ""
    summary: str = ""  # what the rewrite changed, in a line
    diff: ContentDiff | None = field(default=None, compare=False)
    parts: tuple[str, ...] = ()  # a combination's rewrite key and model key


@dataclass(frozen=True, slots=True)
class Baseline:
    """The current configuration: the version on its provider, and its run (None: to make)."""

    provider: str
    model: str
    base_url: str | None
    run_id: int | None
    estimate: Estimate  # of making the run, when there is none

    @property
    def label(self) -> str:
        return f"{self.provider} ({self.model})"


@dataclass(frozen=True, slots=True)
class Proposal:
    """Everything the advisor would try, with its costs; nothing has run on it yet."""

    request: AdviceRequest
    prompt: str
    version_id: str
    version_pk: int
    content: PromptContent
    description: str
    test_set: str
    cases: int
    evaluator_specs: tuple[str, ...]
    baseline: Baseline
    candidates: tuple[Candidate, ...]
    excluded: tuple[tuple[str, str], ...]  # (provider or rewrite, why it is not a candidate)
    rewrite_cost: float  # spent asking for shorter instructions (0 when answered from cache)
    notes: tuple[str, ...] = ()

    def candidate(self, key: str) -> Candidate:
        for c in self.candidates:
            if c.key == key:
                return c
        raise AdviceError(f"There is no suggestion {key!r} in this advice.")

    def keys(self, kind: Kind | None = None) -> list[str]:
        return [c.key for c in self.candidates if kind is None or c.kind == kind]

    def plan(self, chosen: Collection[str] | None = None,
             budget: float | None = None) -> tuple[list[str], list[tuple[str, str]], float | None]:
        """Which candidates fit: (keys to run in order, (key, reason) skipped, estimated cost
        of the whole search including the baseline run if one must be made; None when a price
        is unknown). Models come first (cheapest first), then rewrites, then combinations."""
        chosen = set(self.keys()) if chosen is None else set(chosen)
        total: float | None = 0.0
        if self.baseline.run_id is None:
            total = self.baseline.estimate.total
        run, skipped = [], []
        for c in self.candidates:
            if c.key not in chosen:
                continue
            cost = c.estimate.total
            if budget is not None and cost is None:
                skipped.append((c.key, "its price is unknown, so the budget cannot be kept"))
                continue
            if budget is not None and total is not None and total + (cost or 0) > budget + 1e-12:
                skipped.append((c.key, f"over the budget ({costs_text(cost)} more would make "
                                       f"{costs_text(total + (cost or 0))})"))
                continue
            run.append(c.key)
            total = None if total is None or cost is None else total + cost
        return run, skipped, total


def costs_text(value: float | None) -> str:
    if value is None:
        return "an unknown amount"
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.4f}"


# ---- reading the workspace ---------------------------------------------------------------

@dataclass(slots=True)
class _Context:
    request: AdviceRequest
    prompt: str
    description: str
    version_id: str
    version_pk: int
    content: PromptContent
    test_set: str
    test_set_id: int
    cases: list[Mapping[str, Any]]  # variables, in the test set's order
    case_ids: list[int]
    evaluators: list[Evaluator]
    specs: tuple[str, ...]
    providers: dict[str, ProviderSettings]
    baseline: ProviderSettings
    baseline_run: int | None
    baseline_tokens: list[CaseTokens | None]
    baseline_outputs: list[int]
    baseline_finish: list[str | None]
    latency: dict[str, float]
    judge_models: dict[str, tuple[str, str | None]]
    renderings: costs.Renderings


def _check(request: AdviceRequest) -> None:
    if not 0 <= request.margin < 1:
        raise AdviceError(f"The margin is a share of the score between 0 and 1 (0.02 is 2 "
                          f"points), not {request.margin!r}.")
    if request.budget is not None and not request.budget >= 0:
        raise AdviceError(f"The budget is an amount in USD of at least 0, not {request.budget!r}.")


def _read(workspace: Workspace, request: AdviceRequest) -> _Context:
    _check(request)
    providers = {p.name: p for p in list_providers(workspace)}
    with workspace.session() as session:
        try:
            version = prompt_repo.resolve(session, request.prompt)
            test_set = testsets.require_test_set(session, request.test_set)
        except (prompt_repo.PromptError, testsets.TestSetError) as exc:
            raise AdviceError(str(exc)) from None
        content = prompt_repo.content_of(version)
        rows = testsets.cases(session, test_set)
        if not rows:
            raise AdviceError(f"The test set {test_set.name!r} has no cases to compare on.")
        data = [testsets.CaseData.of(c) for c in rows]
        specs = list(request.evaluators if request.evaluators is not None
                     else (test_set.evaluators or []))
        try:
            evaluators = parse_evaluators(specs)
        except EvalError as exc:
            raise AdviceError(str(exc)) from None
        if not any(e.weight > 0 for e in evaluators):
            raise AdviceError(f"The test set {test_set.name!r} has no evaluators that score, so "
                              "there is nothing to compare. Give it some (or --evaluator SPEC).")
        canonical = tuple(e.spec() for e in evaluators)
        baseline, baseline_run = _baseline(session, request, providers, version, content,
                                           test_set, data, canonical)
        tokens: list[CaseTokens | None] = [None] * len(rows)
        outputs: list[int] = []
        finish: list[str | None] = []
        if baseline_run is not None:
            position = {c.id: i for i, c in enumerate(rows)}
            for cell in run_repo.column_figures(session, baseline_run, version.pk, baseline.name):
                i = position.get(cell.case_id)
                if i is None:
                    continue
                messages = costs.rendered(content, data[i].variables)
                chars = sum(len(m["content"]) for m in messages) if messages else 0
                tokens[i] = CaseTokens(cell.tokens_in, cell.tokens_out, chars)
                if cell.error_kind is None and cell.tokens_out:
                    outputs.append(cell.tokens_out)
                    finish.append(cell.finish_reason)
        latency = run_repo.provider_latency(session, providers)
        judge_models = {}
        for e in evaluators:
            if isinstance(e, Judge):
                p = providers.get(e.model)
                judge_models[e.model] = (p.model, p.base_url) if p else (e.model, None)
        return _Context(
            request=request, prompt=version.prompt.name, description=version.prompt.description,
            version_id=version.version_id, version_pk=version.pk, content=content,
            test_set=test_set.name, test_set_id=test_set.id,
            cases=[d.variables for d in data], case_ids=[c.id for c in rows],
            evaluators=evaluators, specs=canonical, providers=providers, baseline=baseline,
            baseline_run=baseline_run, baseline_tokens=tokens, baseline_outputs=outputs,
            baseline_finish=finish, latency=latency, judge_models=judge_models,
            renderings=costs.Renderings([d.variables for d in data]))


def usable_baseline(session, *, test_set, data, version_pk: int, provider: str,
                    specs: Sequence[str]) -> int | None:
    """The newest finished run of this test set (its cases unchanged) that scored the version
    on the provider with the same evaluators, every case done; None when there is none."""
    wanted = testsets.content_hash(data)
    for run in run_repo.runs_with_column(session, test_set.id, version_pk, provider):
        settings = run.settings or {}
        if run.test_set_hash != wanted or \
                tuple(settings.get("evaluator_specs", ())) != tuple(specs):
            continue
        cells = run_repo.column_figures(session, run.id, version_pk, provider)
        if len(cells) == len(settings.get("case_ids", ())) == len(data):
            return run.id
    return None


def _baseline(session, request, providers, version, content, test_set, data, specs):
    def find(name: str) -> int | None:
        return usable_baseline(session, test_set=test_set, data=data, version_pk=version.pk,
                               provider=name, specs=specs)

    if request.baseline is not None:
        if request.baseline not in providers:
            raise AdviceError(f"There is no provider named {request.baseline!r}. "
                              "`promptpress provider list` shows them.")
        return providers[request.baseline], find(request.baseline)
    # The version's own model is the current one; among its providers (or, when none has
    # it, among all) the one with the newest usable run.
    same_model = [n for n, p in providers.items() if content.model and p.model == content.model]
    found = {name: find(name) for name in (same_model or providers)}
    with_run = {name: run_id for name, run_id in found.items() if run_id is not None}
    if with_run:
        newest = max(with_run, key=lambda name: with_run[name])
        return providers[newest], with_run[newest]
    if same_model:
        return providers[same_model[0]], None
    if len(providers) == 1:
        only = next(iter(providers.values()))
        return only, None
    if not providers:
        raise AdviceError("There are no providers yet; add one with `promptpress provider add`.")
    raise AdviceError(f"Which provider does {version.prompt.name} run on now? Name it "
                      f"(--baseline PROVIDER); the version's model {content.model or '(none)'} "
                      "matches none of the providers.")


# ---- candidates ---------------------------------------------------------------------------

def _estimate(ctx: _Context, content: PromptContent, provider: ProviderSettings,
              cached: frozenset[str]) -> Estimate:
    return costs.estimate(content, provider, ctx.cases, baseline=ctx.baseline_tokens,
                          cached_keys=cached, evaluators=ctx.evaluators,
                          judge_models=ctx.judge_models, renderings=ctx.renderings)


def _model_candidates(ctx: _Context, cached: frozenset[str]
                      ) -> tuple[list[Candidate], list[tuple[str, str]]]:
    request, base = ctx.request, ctx.baseline
    named = list(dict.fromkeys(request.models))
    for name in named:
        if name not in ctx.providers:
            raise AdviceError(f"There is no provider named {name!r}. "
                              "`promptpress provider list` shows them.")
    base_estimate = _estimate(ctx, ctx.content, base, frozenset())
    base_price = base_estimate.per_call
    base_speed = ctx.latency.get(base.name)
    chosen, excluded = [], []
    for name, provider in ctx.providers.items():
        if name == base.name or (named and name not in named):
            continue
        if provider.model == base.model and provider.base_url == base.base_url:
            excluded.append((name, "the same model as the current one"))
            continue
        estimate = _estimate(ctx, ctx.content, provider, cached)
        price = _estimate(ctx, ctx.content, provider, frozenset()).per_call
        speed = ctx.latency.get(name)
        cheaper = price is not None and base_price is not None and price < base_price
        faster = speed is not None and base_speed is not None and speed < base_speed
        if named:
            why = "you asked for it"
        elif cheaper:
            why = (f"cheaper: {_per_1k(price)} vs {_per_1k(base_price)} per 1,000 calls"
                   if price else "free: it runs on this machine")
        elif faster:
            why = f"faster: p50 {speed:.0f} ms vs {base_speed:.0f} ms in earlier runs"
        else:
            if price is None:
                reason = "its price is unknown and it was never measured faster"
            elif base_price is None:
                reason = "the current model's price is unknown, so nothing is known cheaper"
            else:
                reason = (f"not cheaper ({_per_1k(price)} vs {_per_1k(base_price)} per 1,000 "
                          "calls) and not measured faster")
            excluded.append((name, reason))
            continue
        chosen.append(Candidate(
            key=f"model:{name}", kind="model", label=f"{name} ({provider.model})",
            provider=name, model=provider.model, content=ctx.content, estimate=estimate,
            why=why))
    chosen.sort(key=lambda c: (c.estimate.per_call is None, c.estimate.per_call or 0.0))
    return chosen, excluded


def _per_1k(price: float | None) -> str:
    return costs_text(None if price is None else price * 1000)


def _rewrite(ctx: _Context, key: str, label: str, content: PromptContent, summary: str,
             cached: frozenset[str]) -> Candidate:
    base = ctx.baseline
    return Candidate(key=f"rewrite:{key}", kind="rewrite", label=label, provider=base.name,
                     model=base.model, content=content,
                     estimate=_estimate(ctx, content, base, cached), why="shorter prompt",
                     summary=summary, diff=diff_contents(ctx.content, content))


def _local_rewrites(ctx: _Context, cached: frozenset[str]
                    ) -> tuple[list[Candidate], list[tuple[str, str]], list[str]]:
    out, excluded, notes = [], [], []
    fewer = rewrites.fewer_examples(ctx.content)
    pairs = len(rewrites.example_pairs(ctx.content))
    if fewer is None:
        excluded.append(("fewer examples", "the prompt has no few-shot examples"))
    else:
        kept = pairs // 2
        out.append(_rewrite(ctx, "examples", f"Fewer examples ({kept} of {pairs} kept)", fewer,
                            f"{pairs - kept} of {pairs} few-shot example(s) removed", cached))
    if ctx.baseline_run is None:
        notes.append("A lower max_tokens is suggested from the outputs of a baseline run: "
                     "there is none yet.")
    else:
        capped = rewrites.capped_max_tokens(ctx.content, ctx.baseline_outputs,
                                            ctx.baseline_finish)
        if capped is None:
            excluded.append(("lower max_tokens", "the outputs' lengths do not allow a lower "
                                                 "cap (or some were cut at the cap already)"))
        else:
            cap = capped.parameters["max_tokens"]
            before = ctx.content.parameters.get("max_tokens")
            out.append(_rewrite(ctx, "max_tokens", f"max_tokens {cap}", capped,
                                f"max_tokens {before if before is not None else 'unset'} → "
                                f"{cap} (longest output {max(ctx.baseline_outputs)} tokens)",
                                cached))
    return out, excluded, notes


async def _tighter(ctx: _Context, workspace: Workspace, cached: frozenset[str],
                   gateway: gw.Gateway | None) -> tuple[Candidate | None, str | None, float]:
    """Ask the chosen model for shorter instructions: (candidate, why not, cost)."""
    name = ctx.request.rewrite_with
    if name is None:
        return None, None, 0.0
    writer = ctx.providers.get(name)
    if writer is None:
        raise AdviceError(f"There is no provider named {name!r} to write the shorter "
                          "instructions. `promptpress provider list` shows them.")
    indexes = rewrites.instruction_indexes(ctx.content)
    if not indexes:
        return None, "the prompt has no instructions to shorten", 0.0
    target = await asyncio.to_thread(_target, writer)
    params = {**writer.parameters, "temperature": 0}
    spent = 0.0
    replaced: dict[int, str] = {}
    for i in indexes:
        original = ctx.content.messages[i].content
        messages = rewrites.tighten_request(original)
        key = cache_keys.request_key(writer.model, writer.base_url, messages, params)
        entry = await asyncio.to_thread(_cached_answer, workspace, key)
        if entry is None:
            try:
                call = gateway.complete if gateway is not None else gw.complete
                result = await call(target, messages, params=params, timeout=ctx.request.timeout)
            except gw.ProviderError as exc:
                return None, f"{name} could not write them: {exc.message}", spent
            spent += result.cost or 0.0
            text = result.text
            await asyncio.to_thread(_cache_answer, workspace, key, writer.model, result)
        else:
            text = entry["text"]
        try:
            replaced[i] = rewrites.read_rewrite(text, original)
        except rewrites.RewriteRefused as exc:
            return None, f"{name}'s rewrite was refused: {exc}", spent
    try:
        content = rewrites.with_messages(ctx.content, replaced)
    except rewrites.RewriteRefused as exc:
        return None, f"{name}'s rewrite was refused: {exc}", spent
    before = sum(len(ctx.content.messages[i].content) for i in indexes)
    after = sum(len(t) for t in replaced.values())
    summary = f"instructions {before:,} → {after:,} characters ({1 - after / before:.0%} shorter)"
    candidate = _rewrite(ctx, "tighter", f"Shorter instructions (by {name})", content, summary,
                         cached)
    return candidate, None, spent


def _target(provider: ProviderSettings) -> gw.ModelTarget:
    return gw.ModelTarget(name=provider.name, model=provider.model, base_url=provider.base_url,
                          api_key=provider.api_key())


def _cached_answer(workspace: Workspace, key: str) -> Mapping[str, Any] | None:
    with workspace.session() as session:
        return run_repo.cache_get_many(session, [key]).get(key)


def _cache_answer(workspace: Workspace, key: str, model: str, result: gw.CallResult) -> None:
    with workspace.session() as session:
        run_repo.cache_put_many(session, [(key, model, cache_keys.to_entry(result))])


def _combinations(ctx: _Context, models: list[Candidate], rewritten: list[Candidate],
                  cached: frozenset[str]) -> list[Candidate]:
    out = []
    for r in rewritten:
        for m in models:
            provider = ctx.providers[m.provider]
            out.append(Candidate(
                key=f"combined:{r.key.removeprefix('rewrite:')}+{m.provider}", kind="combined",
                label=f"{r.label} on {m.label}", provider=m.provider, model=m.model,
                content=r.content, estimate=_estimate(ctx, r.content, provider, cached),
                why="both parts held up on their own", summary=r.summary, diff=r.diff,
                parts=(r.key, m.key)))
    return out


def _cache_hits(workspace: Workspace, ctx: _Context,
                pairs: Sequence[tuple[PromptContent, ProviderSettings]]) -> frozenset[str]:
    keys = [k for content, provider in pairs
            for k in costs.request_keys(content, provider, ctx.cases, ctx.renderings)]
    with workspace.session() as session:
        return frozenset(run_repo.cache_get_many(session, keys))


async def propose(workspace: Workspace, request: AdviceRequest, *,
                  gateway: gw.Gateway | None = None) -> Proposal:
    """Every candidate with its estimate and diff (see the module); nothing runs on any.
    Raises AdviceError for a request that cannot be answered."""
    stats.warm()  # scipy.stats takes a second to import: meanwhile, not at the verdict
    ctx = await asyncio.to_thread(_read, workspace, request)
    others = [p for n, p in ctx.providers.items() if n != ctx.baseline.name]
    cached = await asyncio.to_thread(_cache_hits, workspace, ctx,
                                     [(ctx.content, p) for p in others])
    models, excluded = await asyncio.to_thread(_model_candidates, ctx, cached)
    rewritten: list[Candidate] = []
    notes: list[str] = []
    spent = 0.0
    if request.rewrites:
        local, skipped, notes = await asyncio.to_thread(_local_rewrites, ctx, cached)
        rewritten += local
        excluded += skipped
    tighter, why_not, spent = await _tighter(ctx, workspace, cached, gateway)
    if tighter is not None:
        rewritten.append(tighter)
    elif why_not is not None:
        excluded.append(("shorter instructions", why_not))
    if rewritten:  # the rewrites' own cache hits (asking again finds them)
        hits = await asyncio.to_thread(
            _cache_hits, workspace, ctx,
            [(r.content, ctx.providers[m]) for r in rewritten
             for m in [ctx.baseline.name, *(c.provider for c in models)]])
        if hits - cached:
            cached = cached | hits
            rewritten = [dataclasses.replace(r, estimate=_estimate(ctx, r.content, ctx.baseline,
                                                                   cached)) for r in rewritten]
    combined = _combinations(ctx, models, rewritten, cached) if request.combinations else []
    base_estimate = _estimate(ctx, ctx.content, ctx.baseline, frozenset())
    baseline = Baseline(ctx.baseline.name, ctx.baseline.model, ctx.baseline.base_url,
                        ctx.baseline_run, base_estimate)
    return Proposal(
        request=request, prompt=ctx.prompt, version_id=ctx.version_id,
        version_pk=ctx.version_pk, content=ctx.content, description=ctx.description,
        test_set=ctx.test_set, cases=len(ctx.cases), evaluator_specs=ctx.specs,
        baseline=baseline, candidates=tuple(models + rewritten + combined),
        excluded=tuple(excluded), rewrite_cost=spent, notes=tuple(notes))

