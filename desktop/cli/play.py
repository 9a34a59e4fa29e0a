"""`promptpress play NAME[@VERSION] --model P [--model P ...]`: run once on each model at once."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from desktop.core import play as core_play
from desktop.core.errors import UserError
from desktop.core.providers import ProviderSettings, get_provider
from storage.workspace import prompts as repo

from .common import open_workspace, parse_assignment, write_text


def _values(args: argparse.Namespace) -> dict:
    values: dict = {}
    if args.vars_file:
        path = Path(args.vars_file)
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{path}: no such file.") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"{path}: not a JSON file ({exc}).") from None
        if not isinstance(loaded, dict):
            raise UserError(f"{path}: must hold a JSON object of variable names and values.")
        values.update(loaded)
    for item in args.var:
        key, value = parse_assignment(item, "--var")
        values[key] = value
    return values


def _money(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    return f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}"


def _tokens(n: int | None) -> str:
    return "?" if n is None else str(n)


def cmd_play(args: argparse.Namespace) -> int:
    values = _values(args)
    names = list(dict.fromkeys(args.models))
    with open_workspace(args) as workspace:
        with workspace.session() as session:
            version = repo.resolve(session, args.ref)
            content = repo.content_of(version)
            label = f"{version.prompt.name}@{version.version_id[:12]}"
        providers: list[ProviderSettings] = [get_provider(workspace, n) for n in names]
    core_play.render(content, values)  # refuse a missing variable before any call

    stream_live = len(providers) == 1 and not args.no_stream and not args.json and sys.stdout.isatty()

    def on_delta(_provider: str, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    async def run() -> list[core_play.PlayOutcome]:
        from desktop.core import gateway

        try:
            if stream_live:
                print(f"── {providers[0].name} ({providers[0].model}) ──", flush=True)
            return await core_play.play(
                content, providers, values, stream=not args.no_stream,
                on_delta=on_delta if stream_live else None, timeout=args.timeout,
            )
        finally:
            await gateway.aclose()

    outcomes = asyncio.run(run())
    if args.json:
        print(json.dumps([_as_json(o) for o in outcomes], ensure_ascii=False, indent=2))
    else:
        for outcome in outcomes:
            _print_outcome(outcome, label, printed_text=stream_live)
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        print(f"promptpress: {outcome.provider}: {_error_line(outcome.error)}", file=sys.stderr)
    return 1 if failed else 0


def _error_line(error) -> str:
    hint = getattr(error, "hint", "")
    text = getattr(error, "message", None) or str(error)
    return f"{text} {hint}".strip()


def _print_outcome(outcome: core_play.PlayOutcome, label: str, *, printed_text: bool) -> None:
    if not printed_text:
        print(f"── {outcome.provider} ({outcome.model}) · {label} ──", flush=True)
    result = outcome.result
    if result is None:
        print(f"FAILED: {_error_line(outcome.error)}\n", flush=True)
        return
    if not printed_text:
        write_text(result.text)
    if not result.text.endswith("\n"):
        print()
    print(
        f"tokens {_tokens(result.tokens_in)} in / {_tokens(result.tokens_out)} out · "
        f"cost {_money(result.cost)} · latency {result.latency_s:.2f} s · "
        f"first token {result.ttft_s:.2f} s · finish {result.finish_reason or '?'}\n",
        flush=True,
    )


def _as_json(outcome: core_play.PlayOutcome) -> dict:
    if outcome.result is None:
        error = outcome.error
        return {"provider": outcome.provider, "model": outcome.model, "ok": False,
                "error": {"kind": getattr(error, "kind", "error"), "message": _error_line(error)}}
    r = outcome.result
    return {"provider": outcome.provider, "model": outcome.model, "ok": True, "text": r.text,
            "tokens_in": r.tokens_in, "tokens_out": r.tokens_out, "cost": r.cost,
            "latency_s": r.latency_s, "ttft_s": r.ttft_s, "finish_reason": r.finish_reason}
