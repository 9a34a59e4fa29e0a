"""`promptpress advise`: the advisor from the command line. Arguments: `advise_args`."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path

from desktop.core.errors import UserError

from .common import open_workspace, print_table

EXIT_CANCELLED = 130


def cmd_advise(args: argparse.Namespace) -> int:
    from desktop.core.advisor import AdviceRequest, advice_json
    from desktop.core.ops import advice as ops

    if args.concurrency < 1:
        raise UserError(f"--concurrency is a whole number of at least 1, not {args.concurrency}.")
    request = AdviceRequest(
        prompt=args.ref, test_set=args.testset, baseline=args.baseline, models=args.models,
        rewrite_with=args.rewrite_with, rewrites=args.rewrites, combinations=args.combinations,
        budget=args.budget, margin=args.margin, evaluators=args.evaluators,
        concurrency=args.concurrency)
    with open_workspace(args) as workspace:
        proposal = asyncio.run(ops.propose(workspace, request)).value
        spent = 0.0
        if proposal.baseline.run_id is None and not args.dry_run:
            # First the baseline, so that its outputs can suggest a lower max_tokens.
            estimate = proposal.baseline.estimate.total
            _say(f"No finished run of {proposal.prompt} on {proposal.test_set} with "
                 f"{proposal.baseline.provider} yet: making one first (estimated "
                 f"{_money(estimate)} from {proposal.baseline.estimate.basis}).")
            search = ops.prepare_search(workspace, proposal, baseline_only=True)
            advice = asyncio.run(_run(search)).value
            spent = advice.spent
            if advice.status != "finished" or advice.baseline_run is None:
                return _stopped(advice)
            if args.budget is not None:
                request = _with_budget(request, max(0.0, args.budget - spent))
            proposal = asyncio.run(ops.propose(workspace, request)).value
        _show_proposal(proposal, request.budget)
        if args.dry_run:
            return 0
        search = ops.prepare_search(workspace, proposal)
        changes = asyncio.run(_run(search))
    advice = changes.value
    _show_advice(advice)
    if args.json_out:
        from storage.releases.atomic import write_atomic

        target = Path(args.json_out).absolute()
        data = advice_json(advice)
        data["spent"] = spent + advice.spent
        write_atomic(target, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        _say(f"Wrote the advice to {target}.")
    print(changes.message)
    if spent:
        print(f"The baseline run cost {_money(spent)} more.")
    return EXIT_CANCELLED if advice.status == "cancelled" else 0


def _with_budget(request, budget: float):
    import dataclasses

    return dataclasses.replace(request, budget=budget)


def _stopped(advice) -> int:
    why = advice.skipped[0][1] if advice.skipped else "the baseline run did not finish"
    _say(f"promptpress: no advice: {why}.")
    return EXIT_CANCELLED if advice.status == "cancelled" else 1


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _money(value: float | None) -> str:
    from desktop.core.advisor.proposal import costs_text

    return costs_text(value)


async def _run(search):
    from desktop.core.ops import advice as ops

    loop = asyncio.get_running_loop()
    interactive = sys.stderr.isatty()
    shown = [0.0]

    def progress(p) -> None:
        now = time.monotonic()
        if not interactive or (now - shown[0] < 0.1 and p.done < p.total):
            return
        shown[0] = now
        budget = f" of {_money(p.budget)}" if p.budget is not None else ""
        print(f"\r  {p.stage}: {p.done}/{p.total} cells, {_money(p.spent)}{budget} spent, "
              f"{p.elapsed_s:.1f} s ", end="", file=sys.stderr, flush=True)

    def interrupt() -> None:
        loop.remove_signal_handler(signal.SIGINT)
        search.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)
    except (NotImplementedError, RuntimeError):
        pass
    try:
        return await ops.run_search(search, on_progress=progress)
    finally:
        if interactive:
            print(file=sys.stderr)


def _show_proposal(proposal, budget: float | None) -> None:
    from desktop.core.diff import render_terminal

    color = sys.stdout.isatty()
    base = proposal.baseline
    print(f"{proposal.prompt}@{proposal.version_id[:12]} on {base.label}, test set "
          f"{proposal.test_set} ({proposal.cases} cases), scored by "
          f"{', '.join(proposal.evaluator_specs)}.")
    for c in proposal.candidates:
        if c.diff is not None and c.kind == "rewrite":
            print(f"\n{c.label}: {c.summary}")
            print(render_terminal(c.diff, color).rstrip("\n"))
    rows = [[c.key, c.label, c.why, str(c.estimate.calls - c.estimate.cached),
             _money(c.estimate.total)] for c in proposal.candidates]
    if rows:
        print()
        print_table(["SUGGESTION", "WHAT", "WHY", "CALLS", "ESTIMATE"], rows)
    for what, why in proposal.excluded:
        print(f"Not tried: {what}: {why}.")
    for note in proposal.notes:
        print(note)
    keys, skipped, total = proposal.plan(budget=budget)
    for key, why in skipped:
        print(f"Left out: {key}: {why}.")
    within = f" (budget {_money(budget)})" if budget is not None else ""
    extra = " before any combination is left out" if any(
        proposal.candidate(k).kind == "combined" for k in keys) else ""
    print(f"Estimated cost of the search: {_money(total)}{within}{extra}; answers already "
          "in the response cache are not paid again.")


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _show_advice(advice) -> None:
    from desktop.core.advisor.verdict import money, points

    rows = []
    if advice.baseline is not None:
        b = advice.baseline
        rows.append(["current", advice.baseline_label, str(b.cases), _fmt(b.mean_score, ".3f"),
                     _fmt(b.pass_rate, ".0%"), "", "", money(b.cost_per_1k),
                     _fmt(b.p50_ms, ".0f"), _fmt(b.p95_ms, ".0f"), str(advice.baseline_run)])
    for v in advice.verdicts:
        s = v.score
        verdict = {"better": "better", "same": "same", "worse": "worse",
                   "undecided": "not enough cases"}[v.decision]
        if v.key == advice.recommended:
            verdict += " *"
        rows.append([v.key, v.label, str(s.n), _fmt(v.candidate.mean_score, ".3f"),
                     _fmt(v.candidate.pass_rate, ".0%"),
                     f"{points(s.estimate)} [{points(s.low)}, {points(s.high)}]", verdict,
                     money(v.candidate.cost_per_1k), _fmt(v.candidate.p50_ms, ".0f"),
                     _fmt(v.candidate.p95_ms, ".0f"), str(v.run_id)])
    print()
    if rows:
        print_table(["SUGGESTION", "WHAT", "CASES", "MEAN", "PASS", "DIFF (95%)", "VERDICT",
                     "PER 1K CALLS", "P50 MS", "P95 MS", "RUN"], rows)
        print()
    for sentence in advice.sentences():
        print(sentence)
    for key, why in advice.skipped:
        print(f"Not run: {key}: {why}.")
