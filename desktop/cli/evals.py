"""`promptpress testset import|export|list` and `promptpress eval`. Arguments: `evals_args`."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.core.errors import UserError

from .common import open_workspace, print_rows, print_table

EXIT_GATE = 3
EXIT_ERRORS = 4
EXIT_CANCELLED = 130


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    if args.command == "eval":
        return cmd_eval
    return {"import": cmd_testset_import, "export": cmd_testset_export,
            "list": cmd_testset_list}[args.action]


# ---- testset ------------------------------------------------------------------------------

def cmd_testset_import(args: argparse.Namespace) -> int:
    from desktop.core.runner import parse_evaluators
    from desktop.core.templates import find_variables
    from desktop.core.testsets import preview_import
    from storage.workspace import prompts as prompt_repo
    from storage.workspace import testsets

    if args.min_score is not None and not 0 <= args.min_score <= 1:
        raise UserError(f"--min-score is a score between 0 and 1, not {args.min_score:g}.")
    if args.evaluators:
        parse_evaluators(args.evaluators)  # refuse a bad spec before reading anything
    with open_workspace(args) as workspace:
        variables = defaults = None
        prompt = None
        if args.prompt:
            with workspace.session() as session:
                prompt = prompt_repo.require_prompt(session, args.prompt)
                version = prompt_repo.latest_version(session, prompt)
                if version is None:
                    raise UserError(f"The prompt {args.prompt!r} has no saved version yet.")
                content = prompt_repo.content_of(version)
                variables = find_variables(content)
                defaults = [v.name for v in content.variables if v.default is not None]
        preview = preview_import(args.file, variables, defaults=defaults or (), exact=args.exact)
        for warning in preview.warnings:
            print(f"promptpress: warning: {warning}", file=sys.stderr)
        if not preview.ok:
            for error in preview.errors:
                print(f"promptpress: {preview.table.source}: {error}", file=sys.stderr)
            raise UserError(f"Nothing was imported: {len(preview.errors)} problem(s) in "
                            f"{preview.table.source}. Fix them and import again.")
        rows = preview.cases()
        with workspace.session() as session:
            try:
                test_set = testsets.get_test_set(session, args.name)
                replaced = 0
                if test_set is None:
                    test_set = testsets.create_test_set(
                        session, args.name, prompt=prompt_repo.get_prompt(session, args.prompt)
                        if args.prompt else None, min_score=args.min_score,
                        evaluators=args.evaluators or ())
                else:
                    replaced = len(testsets.cases(session, test_set))
                    if args.min_score is not None:
                        test_set.min_score = args.min_score
                    if args.evaluators:
                        test_set.evaluators = list(args.evaluators)
                    if args.prompt:
                        test_set.prompt_id = prompt_repo.get_prompt(session, args.prompt).id
                count = testsets.replace_cases(session, test_set, [
                    testsets.CaseData(row.variables, row.expected, row.notes, row.tags)
                    for row in rows])
            except testsets.TestSetError as exc:
                raise UserError(str(exc)) from None
    table = preview.table
    how = ", ".join(x for x in (table.format.upper(), table.encoding,
                                f"delimiter {table.delimiter!r}" if table.delimiter else "",
                                f"sheet {table.sheet!r}" if table.sheet else "") if x)
    note = f", replacing {replaced}" if replaced else ""
    print(f"Imported {count} case(s) into {args.name!r}{note} ({how}).")
    return 0


def cmd_testset_export(args: argparse.Namespace) -> int:
    from desktop.core.testsets import ExportProblem, write_export
    from storage.workspace import testsets

    target = Path(args.to)
    if target.suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
        raise UserError(f"Export to a .csv or .jsonl file, not {target.name!r}.")
    with open_workspace(args) as workspace, workspace.session() as session:
        try:
            test_set = testsets.require_test_set(session, args.name)
        except testsets.TestSetError as exc:
            raise UserError(str(exc)) from None
        rows = [testsets.CaseData.of(c) for c in testsets.cases(session, test_set)]
    try:
        # CaseData is row-shaped.
        write_export(target, rows, exact=args.exact)  # type: ignore[arg-type]
    except (ExportProblem, OSError) as exc:
        raise UserError(f"Cannot write {target}: {exc}") from None
    print(f"Wrote {len(rows)} case(s) of {args.name!r} to {target}.")
    return 0


def cmd_testset_list(args: argparse.Namespace) -> int:
    from storage.workspace import testsets

    with open_workspace(args) as workspace, workspace.session() as session:
        rows = [[ts.name, str(n), "" if ts.min_score is None else f"{ts.min_score:g}",
                 " ".join(ts.evaluators or [])] for ts, n in testsets.list_test_sets(session)]
    return print_rows(["NAME", "CASES", "GATE", "EVALUATORS"], rows,
                      empty="No test sets yet. Import one with `promptpress testset import NAME "
                            "FILE`.")


# ---- eval ---------------------------------------------------------------------------------

def parse_error_budget(text: str) -> tuple[int | None, float | None]:
    """`3` -> (3, None); `5%` -> (None, 0.05)."""
    value = text.strip()
    try:
        if value.endswith("%"):
            share = float(value[:-1]) / 100
            if not 0 <= share <= 1 or math.isnan(share):
                raise ValueError
            return None, share
        count = int(value)
        if count < 0:
            raise ValueError
        return count, None
    except ValueError:
        raise UserError(f"--max-errors takes a count such as 3 or a share such as 5%, not "
                        f"{text!r}.") from None


def cmd_eval(args: argparse.Namespace) -> int:
    from desktop.core.runner import EvalRequest, prepare_resume, prepare_run
    from storage.workspace.prompts import split_ref
    from storage.workspace.runs import WriterError

    budget = parse_error_budget(args.max_errors)
    with open_workspace(args) as workspace:
        if args.list_runs:
            return _list_runs(workspace)
        if args.resume is not None:
            if args.ref or args.testset or args.models or args.versions or args.evaluators \
                    or args.fail_under is not None:
                raise UserError("--resume continues a run as it was started: give only the run "
                                "id (and optionally --concurrency, --timeout, --cache).")
            runner = prepare_resume(workspace, args.resume, concurrency=args.concurrency,
                                    timeout=args.timeout, cache=args.cache,
                                    retry_errors=args.retry_errors)
        else:
            if args.retry_errors:
                raise UserError("--retry-errors goes with --resume RUN_ID.")
            missing = [flag for flag, given in (("NAME[@VERSION]", args.ref),
                                                ("--testset", args.testset),
                                                ("--model", args.models)) if not given]
            if missing:
                raise UserError(f"eval needs {', '.join(missing)} (or --resume RUN_ID).")
            name, _ = split_ref(args.ref)
            refs = [args.ref, *(f"{name}@{v}" for v in args.versions)]
            runner = prepare_run(workspace, EvalRequest(
                versions=refs, test_set=args.testset, providers=args.models,
                evaluators=args.evaluators, concurrency=args.concurrency or 8,
                timeout=args.timeout or 120.0, cache=bool(args.cache),
                fail_under=args.fail_under, batch=args.batch))
        if args.poll is not None:
            if not args.poll > 0:
                raise UserError(f"--poll is a number of seconds above 0, not {args.poll:g}.")
            runner.batch_poll_s = args.poll
        plan = runner.plan
        verb = "Resuming" if plan.resumed else "Run"
        how = "as provider batches" if plan.batch else f"{plan.concurrency} at a time"
        print(f"{verb} {runner.run_id}: {len(plan.versions)} version(s) x "
              f"{len(plan.providers)} model(s) x {len(plan.cases)} case(s); {runner.total} cell(s) "
              f"to run, {how}.", file=sys.stderr, flush=True)
        try:
            outcome = asyncio.run(_run(runner))
        except WriterError as exc:
            raise UserError(f"{exc} Continue later with `promptpress eval --resume "
                            f"{runner.run_id}`.") from None
        _print_summary(outcome)
        if args.json_out:
            _write_json(workspace, outcome, Path(args.json_out))
    if outcome.status == "cancelled":
        batch = (" The batch goes on at the provider; --resume collects its answers."
                 if runner.plan.batch else "")
        print(f"promptpress: cancelled; {outcome.done} result(s) of this session were saved. "
              f"Continue with `promptpress eval --resume {outcome.run_id}`.{batch}",
              file=sys.stderr)
        return EXIT_CANCELLED
    return _verdict(outcome, budget)


async def _run(runner) -> Any:
    loop = asyncio.get_running_loop()
    interactive = sys.stderr.isatty()
    shown = [0.0]

    def progress(p) -> None:
        now = time.monotonic()
        if now - shown[0] < 0.1 and p.done < p.total:
            return
        shown[0] = now
        cost = f"  ${p.cost:.4f}" if p.cost else ""
        batch = f"  {p.batch}" if p.batch else ""
        print(f"\r  {p.done}/{p.total} done  {p.errors} error(s)  {p.cached} cached{cost}  "
              f"{p.elapsed_s:.1f} s{batch} ", end="", file=sys.stderr, flush=True)

    def interrupt() -> None:
        loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl-C stops at once
        runner.cancel()

    try:
        loop.add_signal_handler(signal.SIGINT, interrupt)
    except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C ends the process
        pass
    try:
        return await runner.run(on_progress=progress if interactive else None)
    finally:
        if interactive:
            print(file=sys.stderr)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print_summary(outcome) -> None:
    rows = []
    for t in outcome.totals:
        if t.done == 0 or (t.cost_unknown and not t.cost):
            cost = "?" if t.cost_unknown else "-"  # "?": the model's price is unknown
        else:
            cost = f"${t.cost:.4f}" + ("+?" if t.cost_unknown else "")
        rows.append([t.column.label, f"{t.done}/{t.total}",
                     "-" if t.pass_rate is None else f"{t.pass_rate:.1%}",
                     _fmt(t.mean_score, ".3f"), str(t.errors), cost,
                     _fmt(t.p50_ms, ".0f"), _fmt(t.p95_ms, ".0f")])
    print_table(["VERSION · MODEL", "DONE", "PASS", "MEAN", "ERRORS", "COST", "P50 MS",
                 "P95 MS"], rows)
    gate = outcome.gate
    if gate.threshold is not None:
        print(f"Gate {gate.threshold:g}: {'passed' if gate.passed else 'FAILED'} "
              f"(run {outcome.run_id}, mean score {_fmt(gate.mean_score, '.3f')}).")


def _verdict(outcome, budget: tuple[int | None, float | None]) -> int:
    reasons = []
    code = 0
    gate = outcome.gate
    if gate.threshold is not None and not gate.passed:
        reasons.append(gate.reason())
        code = EXIT_GATE
    count, share = budget
    errors, cells = outcome.run_errors, outcome.run_cells
    allowed = count if count is not None else math.floor((share or 0) * cells)
    if errors > allowed:
        first = next((t for t in outcome.totals if t.errors), None)
        where = f" (first in {first.column.label})" if first else ""
        reasons.append(f"{errors} of {cells} cells failed{where}, more than the {allowed} "
                       "--max-errors allows")
        code = code or EXIT_ERRORS
    if reasons:
        print(f"promptpress: FAILED: {'; '.join(reasons)}. Details: `promptpress eval --json` or "
              "the run grid.", file=sys.stderr)
    return code


def _list_runs(workspace) -> int:
    from storage.workspace.runs import list_runs

    with workspace.session() as session:
        runs = list_runs(session, limit=50)
    return print_rows(["RUN", "STATUS", "STARTED", "TEST SET", "PROMPT", "DONE", "ERRORS", "MEAN",
                       "GATE"],
                      [[str(r.id), r.status, r.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                        r.test_set or "-", r.prompt, f"{r.done}/{r.total}", str(r.errors),
                        _fmt(r.mean_score, ".3f"),
                        {True: "passed", False: "failed", None: "-"}[r.gate_passed]]
                       for r in runs],
                      empty="No runs yet.")


def _write_json(workspace, outcome, target: Path) -> None:
    """The run, its columns and gate, and every result with its scores, as one JSON file."""
    from storage.workspace import runs as run_repo

    with workspace.session() as session:
        run = run_repo.get_run(session, outcome.run_id)
        columns = {c.key: c for c in run_repo.columns(run)}
        settings = {k: v for k, v in (run.settings or {}).items() if k != "case_ids"}
        data: dict[str, Any] = {
            "run": {"id": run.id, "status": run_repo.status_of(session, run),
                    "created_at": run.created_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "test_set_hash": run.test_set_hash, "mean_score": run.mean_score,
                    "gate_passed": run.gate_passed, "settings": settings},
            "gate": {"threshold": outcome.gate.threshold, "passed": outcome.gate.passed,
                     "mean_score": outcome.gate.mean_score, "reason": outcome.gate.reason()},
            "columns": [_totals_json(t) for t in outcome.totals],
            "results": [],
        }
        n = run_repo.row_count(run)
        for start in range(0, n, 500):
            for row in run_repo.load_rows(session, run, start, start + 500, preview_chars=None):
                for key, cell in row.cells.items():
                    column = columns.get(key)
                    data["results"].append({
                        "row": row.row, "case_id": row.case_id, "variables": dict(row.variables),
                        "expected": row.expected,
                        "prompt": column.prompt if column else None,
                        "version_id": column.version_id if column else None,
                        "provider": cell.provider, "model": cell.model, "output": cell.output,
                        "error_kind": cell.error_kind, "error_message": cell.error_message,
                        "tokens_in": cell.tokens_in, "tokens_out": cell.tokens_out,
                        "cost": cell.cost, "latency_ms": cell.latency_ms,
                        "ttft_ms": cell.ttft_ms, "finish_reason": cell.finish_reason,
                        "score": cell.score, "passed": cell.passed, "cached": cell.cached,
                        "attempts": cell.attempts,
                        "scores": [{"evaluator": s.evaluator, "kind": s.kind, "value": s.value,
                                    "passed": s.passed, "reason": s.reason, "error": s.error,
                                    "weight": s.weight, "rater": s.rater} for s in cell.scores],
                    })
    from storage.releases.atomic import write_atomic

    text = json.dumps(data, ensure_ascii=False, indent=1)
    target = target.absolute()
    write_atomic(target, text.encode("utf-8"))
    print(f"Wrote {len(data['results'])} result(s) to {target}.", file=sys.stderr)


def _totals_json(t) -> dict[str, Any]:
    return {"prompt": t.column.prompt, "version_id": t.column.version_id,
            "provider": t.column.provider, "model": t.column.model, "total": t.total,
            "done": t.done, "errors": t.errors, "passed": t.passed, "failed": t.failed,
            "cached": t.cached, "pass_rate": t.pass_rate, "mean_score": t.mean_score,
            "cost": t.cost, "cost_unknown": t.cost_unknown, "tokens_in": t.tokens_in,
            "tokens_out": t.tokens_out, "p50_ms": t.p50_ms, "p95_ms": t.p95_ms}
