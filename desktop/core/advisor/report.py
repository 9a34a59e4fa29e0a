"""Proposals and advice as JSON-ready dicts (for `promptpress advise --json` and CI)."""

from __future__ import annotations

import dataclasses
from typing import Any

from desktop.core.advisor.proposal import Candidate, Proposal
from desktop.core.advisor.stats import Interval
from desktop.core.diff import render_terminal


def _interval(i: Interval | None) -> dict[str, Any] | None:
    return None if i is None else dataclasses.asdict(i)


def candidate_json(c: Candidate) -> dict[str, Any]:
    e = c.estimate
    return {"key": c.key, "kind": c.kind, "label": c.label, "provider": c.provider,
            "model": c.model, "why": c.why, "summary": c.summary, "parts": list(c.parts),
            "diff": render_terminal(c.diff, color=False) if c.diff is not None else None,
            "estimate": {"calls": e.calls, "cached": e.cached, "tokens_in": e.tokens_in,
                         "tokens_out": e.tokens_out, "cost": e.cost, "judge_cost": e.judge_cost,
                         "total": e.total, "basis": e.basis}}


def proposal_json(p: Proposal, *, chosen=None, budget: float | None = None) -> dict[str, Any]:
    keys, skipped, total = p.plan(chosen, budget if budget is not None else p.request.budget)
    return {
        "prompt": p.prompt, "version_id": p.version_id, "test_set": p.test_set,
        "cases": p.cases, "evaluators": list(p.evaluator_specs), "margin": p.request.margin,
        "baseline": {"provider": p.baseline.provider, "model": p.baseline.model,
                     "run_id": p.baseline.run_id,
                     "estimate": p.baseline.estimate.total if p.baseline.run_id is None else 0.0},
        "candidates": [candidate_json(c) for c in p.candidates],
        "excluded": [{"what": w, "why": why} for w, why in p.excluded],
        "notes": list(p.notes), "rewrite_cost": p.rewrite_cost,
        "plan": {"run": keys, "skipped": [{"key": k, "why": w} for k, w in skipped],
                 "estimated_cost": total, "budget": budget if budget is not None
                 else p.request.budget},
    }


def advice_json(advice) -> dict[str, Any]:
    """Everything the advice found: the proposal, every verdict (numbers and sentence), the
    chart's points, what was skipped and why, the runs it made."""
    verdicts = []
    for v in advice.verdicts:
        verdicts.append({
            "key": v.key, "label": v.label, "kind": v.kind, "provider": v.provider,
            "model": v.model, "run_id": v.run_id, "version_id": v.version_id,
            "decision": v.decision, "margin": v.margin, "cases": v.score.n,
            "planned_cases": v.planned_cases, "cases_needed": v.cases_needed,
            "more_cases": v.more_cases, "score_difference": _interval(v.score),
            "pass_rate_difference": _interval(v.pass_rate),
            "baseline": dataclasses.asdict(v.baseline),
            "candidate": dataclasses.asdict(v.candidate), "sentence": v.sentence()})
    return {
        "status": advice.status, "headline": advice.headline(),
        "recommended": advice.recommended, "spent": advice.spent,
        "runs": list(advice.runs), "baseline_run": advice.baseline_run,
        "baseline": dataclasses.asdict(advice.baseline) if advice.baseline else None,
        "verdicts": verdicts,
        "skipped": [{"key": k, "why": w} for k, w in advice.skipped],
        "chart": [dataclasses.asdict(p) for p in advice.chart()],
        "proposal": proposal_json(advice.proposal),
    }
