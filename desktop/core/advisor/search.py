"""Running the search: ordinary runs through the runner, a verdict per candidate, a recommendation.

    search = Search(workspace, proposal, budget=1.00)
    advice = await search.run(on_progress=show)     # search.cancel() stops it at any time

Stages, each one or more ordinary runs (response cache on, so nothing is paid twice):
0. the baseline, when there is no usable run of it: the version on its provider;
1. the version on every model candidate, in one run;
2. every rewrite on the current provider, in one run (the rewrites are stored as suggested
   versions, out of the prompt's history: see storage/workspace/prompts/candidates.py);
3. each rewrite on the models that held up, one run per rewrite, when neither part scored
   worse.
Before each stage its candidates are checked against what is left of the budget; during a run
the money spent is watched and the run is stopped when it passes the budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from storage.workspace import prompts as prompt_repo
from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace

from desktop.core import gateway as gw
from desktop.core.advisor.proposal import AdviceError, Candidate, Proposal, costs_text
from desktop.core.advisor.verdict import ChartPoint, Figures, Verdict, chart_points, compare, figures
from desktop.core.identity import author_name
from desktop.core.runner import EvalRequest, Progress, RunOutcome, prepare_run

Status = Literal["finished", "cancelled", "budget"]


@dataclass(frozen=True, slots=True)
class AdviceProgress:
    """Where the search is: `stage` in words, cells done of those planned so far, money."""

    stage: str
    done: int
    total: int
    spent: float
    budget: float | None
    run_id: int | None
    elapsed_s: float


@dataclass(frozen=True)
class Advice:
    """The outcome: a verdict per candidate that ran, why the others did not, the runs made."""

    proposal: Proposal
    baseline_run: int | None
    baseline: Figures | None
    verdicts: tuple[Verdict, ...]
    skipped: tuple[tuple[str, str], ...]
    runs: tuple[int, ...]
    spent: float
    status: Status
    recommended: str | None
    run_seconds: float = 0.0  # time spent inside the runs (preparing and running them)
    wall_seconds: float = 0.0

    def verdict(self, key: str) -> Verdict:
        for v in self.verdicts:
            if v.key == key:
                return v
        raise AdviceError(f"{key!r} has no verdict in this advice.")

    @property
    def baseline_label(self) -> str:
        return self.proposal.baseline.label

    def sentences(self) -> list[str]:
        return [v.sentence() for v in self.verdicts]

    def chart(self) -> list[ChartPoint]:
        return chart_points(self.verdicts, self.recommended, self.baseline_label, self.baseline)

    def headline(self) -> str:
        """The advice in one sentence."""
        if self.recommended is not None:
            v = self.verdict(self.recommended)
            how = "scores better" if v.decision == "better" else "scores the same"
            gains = []
            if v.cheaper and v.baseline.cost_per_1k:
                gains.append(f"at {v.candidate.cost_per_1k / v.baseline.cost_per_1k:.0%} of "
                             "the cost" if v.candidate.cost_per_1k else "for free")
            # "faster" only where the verdict's own words say so (not within 10%: "as fast")
            if v.faster and v.candidate.p50_ms and v.baseline.p50_ms / v.candidate.p50_ms > 1.1:
                gains.append(f"{v.baseline.p50_ms / v.candidate.p50_ms:.1f}\u00d7 faster")
            return (f"Suggested: {v.label}. It {how} on your {v.score.n} cases"
                    + (f", {' and '.join(gains)}" if gains else "") + ".")
        if not self.verdicts:
            return "Nothing was compared." + (" " + self.skipped[0][1].capitalize() + "."
                                             if self.skipped else "")
        if any(v.decision == "undecided" for v in self.verdicts):
            return ("No suggestion yet: no candidate is shown to score the same at a lower cost "
                    "or latency, and some need more cases to decide.")
        return "No suggestion: no candidate scores the same at a lower cost or latency."


def recommend(verdicts: Sequence[Verdict]) -> str | None:
    """The cheapest candidate that scores the same or better, and is cheaper or faster (a
    stopped run's partial verdict never counts)."""
    good = [v for v in verdicts if v.decision in ("same", "better") and v.complete
            and (v.cheaper or v.faster)]
    if not good:
        return None
    best = min(good, key=lambda v: (v.candidate.cost_per_1k if v.candidate.cost_per_1k
                                    is not None else float("inf"),
                                    -(v.candidate.mean_score or 0.0),
                                    v.candidate.p50_ms or float("inf")))
    return best.key


class Search:
    """Runs a Proposal's candidates (all, or the `chosen` keys) within `budget` (USD; None:
    the request's). Make one per search; `run()` once; `cancel()` from the same loop."""

    def __init__(self, workspace: Workspace, proposal: Proposal, *,
                 chosen: Collection[str] | None = None, budget: float | None = None,
                 gateway: gw.Gateway | None = None, baseline_only: bool = False) -> None:
        self.workspace = workspace
        self.baseline_only = baseline_only  # make the baseline run (if there is none), no more
        self.proposal = proposal
        self.budget = proposal.request.budget if budget is None else budget
        self.chosen = None if chosen is None else set(chosen)
        for key in self.chosen or ():
            proposal.candidate(key)  # an unknown key is refused now, not half way
        self.gateway = gateway
        self._runner: Any = None
        self._cancelled = False
        self._status: Status = "finished"
        self._spent = 0.0
        self._done = 0
        self._total = 0
        self._stage = ""
        self._started = 0.0
        self._run_seconds = 0.0
        self._runs: list[int] = []
        self._verdicts: dict[str, Verdict] = {}
        self._skipped: list[tuple[str, str]] = []
        self._on_progress: Callable[[AdviceProgress], None] | None = None

    def cancel(self) -> None:
        """Stop now: the run going on is cancelled (its results are kept and it can be
        resumed), nothing more starts; `run()` returns the verdicts so far."""
        self._cancelled = True
        self._status = "cancelled"
        if self._runner is not None:
            self._runner.cancel()

    @property
    def stopped(self) -> bool:
        return self._cancelled or self._status == "budget"

    async def run(self, *, on_progress: Callable[[AdviceProgress], None] | None = None) -> Advice:
        self._on_progress = on_progress
        self._started = time.perf_counter()
        proposal = self.proposal
        keys, skipped, _ = proposal.plan(() if self.baseline_only else self.chosen, self.budget)
        self._skipped += skipped
        candidates = [proposal.candidate(k) for k in keys]
        models = [c for c in candidates if c.kind == "model"]
        rewritten = [c for c in candidates if c.kind == "rewrite"]
        combined = [c for c in candidates if c.kind == "combined"]
        self._total = proposal.cases * (len(models) + len(rewritten)
                                        + (proposal.baseline.run_id is None))
        baseline_run = proposal.baseline.run_id
        if not candidates and any("budget" in why for _, why in skipped):
            self._status = "budget"  # nothing fits: not even a baseline is worth paying for
        if baseline_run is None and (candidates or self.baseline_only) and not self.stopped:
            baseline_run = await self._baseline()
        base_cells = await asyncio.to_thread(self._cells, baseline_run, proposal.version_pk,
                                             proposal.baseline.provider) if baseline_run else []
        if baseline_run is None or len(base_cells) < proposal.cases:
            self._skip_all(models + rewritten + combined, "the baseline run did not finish"
                           if not self.stopped else self._why_stopped())
        else:
            if models:
                await self._models(models, base_cells)
            if rewritten:
                await self._rewrites(rewritten, base_cells)
            if combined:
                await self._combinations(combined, base_cells)
        verdicts = [self._verdicts[c.key] for c in candidates if c.key in self._verdicts]
        base_figures = None
        if base_cells:
            base_figures = figures(base_cells, proposal.baseline.model, proposal.baseline.base_url)
        return Advice(
            proposal=proposal, baseline_run=baseline_run, baseline=base_figures,
            verdicts=tuple(verdicts), skipped=tuple(self._skipped), runs=tuple(self._runs),
            spent=self._spent + proposal.rewrite_cost, status=self._status,
            recommended=recommend(verdicts), run_seconds=self._run_seconds,
            wall_seconds=time.perf_counter() - self._started)

    # ---- stages ----------------------------------------------------------------------------

    async def _baseline(self) -> int | None:
        p = self.proposal
        estimate = p.baseline.estimate.total
        if self.budget is not None and (estimate is None or estimate > self.budget):
            self._status = "budget"
            self._skip_all(list(p.candidates), "the baseline run alone would pass the budget"
                           f" ({costs_text(estimate)} of {costs_text(self.budget)})")
            return None
        outcome = await self._run("Running the baseline", [f"{p.prompt}@{p.version_id}"],
                                  [p.baseline.provider])
        return outcome.run_id if outcome is not None else None

    async def _models(self, candidates: list[Candidate], base_cells) -> None:
        candidates = self._affordable(candidates)
        if not candidates:
            return
        p = self.proposal
        outcome = await self._run("Trying other models", [f"{p.prompt}@{p.version_id}"],
                                  [c.provider for c in candidates])
        if outcome is None:
            self._skip_all(candidates, self._why_stopped())
            return
        for c in candidates:
            await self._judge(c, outcome.run_id, p.version_pk, p.version_id, base_cells)

    async def _rewrites(self, rewritten: list[Candidate], base_cells) -> None:
        rewritten = self._affordable(rewritten)
        if not rewritten:
            return
        stored = await asyncio.to_thread(self._store, rewritten)
        outcome = await self._run("Trying shorter prompts", [ref for _, ref, _ in stored],
                                  [self.proposal.baseline.provider])
        if outcome is None:
            self._skip_all(rewritten, self._why_stopped())
            return
        for c, (pk, _, vid) in zip(rewritten, stored):
            await self._judge(c, outcome.run_id, pk, vid, base_cells)

    async def _combinations(self, combined: list[Candidate], base_cells) -> None:
        ready = []
        for c in combined:
            parts = [self._verdicts.get(k) for k in c.parts]
            if any(v is None for v in parts):
                self._skipped.append((c.key, "one of its parts did not run"))
            elif any(v.decision == "worse" for v in parts):  # type: ignore[union-attr]
                self._skipped.append((c.key, "one of its parts scored worse on its own"))
            else:
                ready.append(c)
        by_rewrite: dict[str, list[Candidate]] = {}
        for c in ready:
            by_rewrite.setdefault(c.parts[0], []).append(c)
        self._total += self.proposal.cases * len(ready)
        for group in by_rewrite.values():
            if self.stopped:
                self._skip_all(group, self._why_stopped())
                continue
            group = self._affordable(group)
            if not group:
                continue
            [(pk, ref, vid)] = await asyncio.to_thread(self._store, group[:1])
            outcome = await self._run("Trying shorter prompts on other models", [ref],
                                      [c.provider for c in group])
            if outcome is None:
                self._skip_all(group, self._why_stopped())
                continue
            for c in group:
                await self._judge(c, outcome.run_id, pk, vid, base_cells)

    def _affordable(self, candidates: list[Candidate]) -> list[Candidate]:
        """Those that still fit in what is left of the budget (in order)."""
        if self.stopped:
            self._skip_all(candidates, self._why_stopped())
            return []
        if self.budget is None:
            return candidates
        out, total = [], self._spent + self.proposal.rewrite_cost
        for c in candidates:
            cost = c.estimate.total or 0.0
            if total + cost > self.budget + 1e-12:
                self._skipped.append((c.key, f"not enough budget left ({costs_text(cost)} "
                                             f"needed, {costs_text(self.budget - total)} left)"))
                self._total -= self.proposal.cases
                continue
            out.append(c)
            total += cost
        return out

    def _why_stopped(self) -> str:
        return "the search was cancelled" if self._cancelled else \
            "the search stopped at the budget"

    def _skip_all(self, candidates: Sequence[Candidate], reason: str) -> None:
        for c in candidates:
            if c.key not in self._verdicts and all(k != c.key for k, _ in self._skipped):
                self._skipped.append((c.key, reason))

    # ---- one run ---------------------------------------------------------------------------

    async def _run(self, stage: str, versions: list[str], providers: list[str]
                   ) -> RunOutcome | None:
        """One ordinary run (cache on); None when the search stopped before it ended."""
        if self.stopped:
            return None
        p = self.proposal
        request = EvalRequest(versions=versions, test_set=p.test_set, providers=providers,
                              evaluators=list(p.evaluator_specs),
                              concurrency=p.request.concurrency, timeout=p.request.timeout,
                              cache=True)
        started = time.perf_counter()
        runner = await asyncio.to_thread(prepare_run, self.workspace, request,
                                         gateway=self.gateway)
        self._runner = runner
        self._runs.append(runner.run_id)
        self._stage = stage
        spent_before, done_before = self._spent, self._done
        if self._cancelled:
            runner.cancel()

        def progress(progress: Progress) -> None:
            self._spent = spent_before + progress.cost
            self._done = done_before + progress.done
            if self.budget is not None and \
                    self._spent + p.rewrite_cost > self.budget + 1e-12 and not self.stopped:
                self._status = "budget"
                runner.cancel()
            self._report(runner.run_id)

        try:
            outcome = await runner.run(on_progress=progress)
        finally:
            self._runner = None
            self._run_seconds += time.perf_counter() - started
        return outcome if outcome.status == "finished" else None

    def _report(self, run_id: int | None) -> None:
        if self._on_progress is not None:
            self._on_progress(AdviceProgress(self._stage, self._done, max(self._total, self._done),
                                             self._spent + self.proposal.rewrite_cost,
                                             self.budget, run_id,
                                             time.perf_counter() - self._started))

    # ---- reading back ----------------------------------------------------------------------

    def _store(self, candidates: list[Candidate]) -> list[tuple[int, str, str]]:
        """Store the rewrites as suggested versions: (version pk, ref, version id) each."""
        out = []
        with self.workspace.session() as session:
            prompt = prompt_repo.require_prompt(session, self.proposal.prompt)
            for c in candidates:
                version = prompt_repo.save_suggestion(
                    session, prompt, c.content, author=author_name(),
                    message=f"Suggested by the advisor: {c.label}")
                out.append((version.pk, f"{version.prompt.name}@{version.version_id}",
                            version.version_id))
        return out

    def _cells(self, run_id: int, version_pk: int, provider: str):
        with self.workspace.session() as session:
            return run_repo.column_figures(session, run_id, version_pk, provider)

    async def _judge(self, c: Candidate, run_id: int, version_pk: int, version_id: str,
                     base_cells) -> None:
        p = self.proposal
        settings = await asyncio.to_thread(_provider_settings, self.workspace, c.provider)
        cells = await asyncio.to_thread(self._cells, run_id, version_pk, c.provider)
        self._verdicts[c.key] = await asyncio.to_thread(
            compare, key=c.key, label=c.label, kind=c.kind, provider=c.provider, model=c.model,
            base_url=settings.base_url if settings else None, run_id=run_id,
            version_id=version_id, baseline_label=p.baseline.label, baseline_cells=base_cells,
            baseline_model=p.baseline.model, baseline_base_url=p.baseline.base_url, cells=cells,
            planned_cases=p.cases, margin=p.request.margin)


def _provider_settings(workspace: Workspace, name: str):
    from desktop.core.providers import get_provider
    from storage.workspace.providers import ProviderError

    try:
        return get_provider(workspace, name)
    except ProviderError:
        return None


@dataclass(frozen=True, slots=True)
class SuggestionDraft:
    """A suggestion as the start of a new draft (the UI opens it in a new tab): the content to
    edit, run on `provider`, based on the version it was suggested for. Nothing is saved."""

    prompt_name: str
    description: str
    content: Any  # PromptContent, its model set to the provider's
    base_version_id: str
    base_version_pk: int
    provider: str
    label: str = ""
    notes: tuple[str, ...] = field(default=())


def draft_for(proposal: Proposal, key: str) -> SuggestionDraft:
    """The draft for the suggestion `key` of `proposal` (see SuggestionDraft)."""
    import dataclasses

    c = proposal.candidate(key)
    content = dataclasses.replace(c.content, model=c.model)
    return SuggestionDraft(proposal.prompt, proposal.description, content, proposal.version_id,
                           proposal.version_pk, c.provider, c.label,
                           tuple(x for x in (c.summary, c.why) if x))
