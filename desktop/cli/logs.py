"""`promptpress logs pull|list|show|to-testset|sink`. Arguments: `logs_args`.

Logged text comes from outside: tables show previews in which control characters, escape
sequences and bidi marks are visible marks (desktop.core.logs.text), never sent to the terminal
as they are; `--json` escapes them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from desktop.core.errors import UserError

from .common import open_workspace, print_rows, print_table

_SPAN = re.compile(r"^(\d+)\s*([mhdw])\Z")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    if args.action == "sink":
        return {"add": cmd_sink_add, "remove": cmd_sink_remove,
                "list": cmd_sink_list}[args.sink_action]
    return {"pull": cmd_pull, "list": cmd_list, "show": cmd_show,
            "to-testset": cmd_to_testset, "export-finetune": cmd_export_finetune}[args.action]


def parse_when(text: str, option: str, now: datetime | None = None) -> datetime:
    """`7d`, `24h`, `30m`, `2w` back from now, or a date / date and time in UTC."""
    value = text.strip()
    span = _SPAN.match(value.lower())
    if span:
        now = now or datetime.now(timezone.utc)
        return now - timedelta(**{_UNITS[span.group(2)]: int(span.group(1))})
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{option} {text!r}: give a date or time in UTC (2026-12-01, "
                        "2026-12-01T09:30) or a span back from now (30m, 24h, 7d, 2w).") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _filter(args: argparse.Namespace, prompt: str | None) -> Any:
    from desktop.core.logs import CallFilter

    try:
        return CallFilter(
            prompt=prompt, release=args.release, version=args.version.lower()
            if args.version else None,
            since=parse_when(args.since, "--since") if args.since else None,
            until=parse_when(args.until, "--until") if args.until else None,
            feedback=args.feedback, errors=args.errors, text=args.search, model=args.model,
            channel=args.channel)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _warn_problems(problems: list[Any], limit: int = 50) -> None:
    for problem in problems[:limit]:
        print(f"promptpress: warning: {problem}", file=sys.stderr)
    if len(problems) > limit:
        print(f"promptpress: warning: ... and {len(problems) - limit} more problem(s)",
              file=sys.stderr)


def cmd_pull(args: argparse.Namespace) -> int:
    from desktop.core.ops import logs as ops

    with open_workspace(args) as workspace:
        repository = None if args.project else _configured_repository(workspace, args.source)
        if repository is not None:  # a release repository: every sink set for it
            changes = ops.pull_repository(workspace, repository)
            reports = changes.value
        else:
            changes = ops.pull(workspace, args.source, project=args.project)
            reports = [changes.value]
    for report in reports:
        _warn_problems(report.problems)
    print(changes.message)
    return 0


def _configured_repository(workspace: Any, source: str) -> str | None:
    from desktop.core.logs import views
    from desktop.core.releases.destinations import normalise
    from desktop.core.releases.errors import ReleaseError

    try:
        place = normalise(source)
    except ReleaseError:  # not a place at all: the pull says why
        return None
    return next((s.repository for s in views.sinks(workspace) if s.repository == place), None)


def _feedback_cell(row: Any) -> str:
    marks = ((row.positive, f"+{row.positive}"), (row.negative, f"-{row.negative}"),
             (row.corrected, "corrected"))
    return " ".join(text for count, text in marks if count) or "-"


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.core.logs import text, views

    f = _filter(args, args.prompt)
    with open_workspace(args) as workspace:
        page = views.calls(workspace, f, limit=max(0, args.limit))
        if args.json:
            full = [views.call(workspace, row.pk) for row in page.rows]
    if args.json:
        print(text.safe_json([_detail_json(view.call) for view in full], indent=1))
        return 0
    if not page.rows:
        print("No logged calls match. Pull them first: promptpress logs pull SOURCE",
              file=sys.stderr)
        return 0
    rows = [[f"{r.time:%Y-%m-%d %H:%M:%S}", r.log_id, text.preview(r.prompt, 28),
             str(r.release) if r.release is not None else "-", r.version_id[:12],
             text.variables_preview(r.variables_preview, 36),
             text.preview(r.output_preview, 40) if r.error_preview is None
             else "ERROR " + text.preview(r.error_preview, 34),
             f"{r.latency_ms:.0f}" if r.latency_ms is not None else "-",
             f"{r.tokens_in or 0}+{r.tokens_out or 0}" if r.tokens_in or r.tokens_out else "-",
             f"{r.cost:.5f}" if r.cost is not None else "-", _feedback_cell(r)]
            for r in page.rows]
    print_table(["TIME (UTC)", "LOG ID", "PROMPT", "RELEASE", "VERSION", "VARIABLES",
                 "OUTPUT", "MS", "TOKENS", "COST $", "FEEDBACK"], rows)
    if page.total > len(page.rows):
        print(f"({len(page.rows)} of {page.total_text} calls; --limit shows more)",
              file=sys.stderr)
    return 0


def _detail_json(call: Any) -> dict[str, Any]:
    return {
        "log_id": call.log_id, "time": call.time.isoformat(), "project": call.project,
        "channel": call.channel, "release": call.release, "prompt": call.prompt,
        "version_id": call.version_id, "model": call.model, "variables": call.variables,
        "output": call.output, "error": call.error, "latency_ms": call.latency_ms,
        "tokens": call.tokens, "cost": call.cost, "metadata": call.metadata,
        "feedback": [{"feedback_id": f.feedback_id, "time": f.time.isoformat(),
                      "rating": f.rating, "polarity": f.polarity, "label": f.label,
                      "comment": f.comment, "corrected_output": f.corrected_output,
                      "metadata": f.metadata} for f in call.feedback],
    }


def cmd_show(args: argparse.Namespace) -> int:
    from desktop.core.logs import text, views
    from storage.workspace import logs as repo

    with open_workspace(args) as workspace:
        with workspace.session() as session:
            found = repo.call_detail(session, log_id=args.log_id.strip())
        if found is None:
            raise UserError(f"There is no logged call {args.log_id!r} in this workspace. "
                            "`promptpress logs list` shows their ids.")
        view = views.call(workspace, found.pk)
    call = view.call
    if args.json:
        print(text.safe_json({**_detail_json(call), "messages": view.messages}, indent=1))
        return 0
    print(f"Call {call.log_id} of {text.visible(call.prompt)}, release {call.release}, version "
          f"{call.version_id[:12]}, {call.time:%Y-%m-%d %H:%M:%S} UTC, model "
          f"{text.visible(call.model or '-')}")
    for name, value in call.variables.items():
        print(f"variable {text.visible(name)}:\n  {_block(value)}")
    if view.messages is not None:
        for message in view.messages:
            print(f"message {message['role']}:\n  {_block(message['content'])}")
    elif view.note:
        print(view.note)
    print(f"output:\n  {_block(call.output)}")
    if call.error is not None:
        print(f"error:\n  {_block(call.error)}")
    for f in call.feedback:
        print(f"feedback {f.time:%Y-%m-%d %H:%M} {f.polarity or '-'}"
              + (f" [{text.visible(f.label)}]" if f.label else "")
              + (f": {text.visible(f.comment)}" if f.comment else ""))
        if f.corrected_output is not None:
            print(f"  corrected output:\n  {_block(f.corrected_output)}")
    return 0


def _block(value: Any) -> str:
    """Text with its line breaks kept (⏎ marks where each was) and everything else visible."""
    from desktop.core.logs import text

    if value is None:
        return "(none)"
    if not isinstance(value, str):
        return text.safe_json(value)
    lines = value.split("\n")
    shown = [text.preview(line, 10**9) for line in lines]
    return "⏎\n  ".join(shown)


def cmd_to_testset(args: argparse.Namespace) -> int:
    from desktop.core.ops import logs as ops

    f = _filter(args, args.prompt)
    with open_workspace(args) as workspace:
        changes = ops.to_testset(workspace, args.testset, filter=f, expected=args.expected,
                                 limit=args.limit)
    print(changes.message)
    return 0


def cmd_export_finetune(args: argparse.Namespace) -> int:
    import json

    from desktop.core.logs import finetune

    with open_workspace(args) as workspace:
        if args.testset:
            export = finetune.from_test_set(workspace, args.testset)
        else:
            if args.source == "monitor" and not args.monitor:
                raise UserError("--from monitor needs --monitor NAME.")
            export = finetune.from_logs(workspace, args.source, prompt=args.prompt,
                                        monitor=args.monitor, limit=args.limit)
    if not args.dry_run:
        finetune.write(export, args.output)
    if args.json:
        print(json.dumps({"examples": len(export.rows), "considered": export.considered,
                          "duplicates": export.duplicates, "skipped": export.skipped,
                          "tokens": export.tokens, "written": not args.dry_run}))
    else:
        print(("Would write " if args.dry_run else f"Wrote {args.output}: ") + export.summary())
    return 0


def cmd_sink_add(args: argparse.Namespace) -> int:
    from desktop.core.ops import logs as ops

    with open_workspace(args) as workspace:
        changes = ops.add_sink(workspace, args.repository, args.sink, project=args.project)
    print(changes.message)
    return 0


def cmd_sink_remove(args: argparse.Namespace) -> int:
    from desktop.core.ops import logs as ops

    with open_workspace(args) as workspace:
        changes = ops.remove_sink(workspace, args.repository, args.sink)
    print(changes.message)
    return 0


def cmd_sink_list(args: argparse.Namespace) -> int:
    from desktop.core.logs import views

    with open_workspace(args) as workspace:
        rows = views.sinks(workspace, args.repository)
    return print_rows(["REPOSITORY", "SINK", "PROJECT", "PULLED (UTC)"],
                      [[s.repository, s.location, s.project or "(all)",
                        f"{s.pulled_at:%Y-%m-%d %H:%M}" if s.pulled_at else "never"]
                       for s in rows],
                      empty="No log sinks yet: promptpress logs sink add REPOSITORY SINK",
                      empty_file=sys.stderr)
