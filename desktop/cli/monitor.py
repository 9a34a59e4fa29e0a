"""`promptpress monitor add|list|remove|check`. Arguments: `monitor_args`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from .common import open_workspace, print_rows, print_table
from .monitor_args import EXIT_BELOW


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    return {"add": cmd_add, "list": cmd_list, "remove": cmd_remove,
            "check": cmd_check}[args.action]


def cmd_add(args: argparse.Namespace) -> int:
    from desktop.core.ops import monitors as ops

    with open_workspace(args) as workspace:
        changes = ops.add(workspace, args.name, args.target, args.check,
                          threshold=args.threshold, margin=args.margin,
                          window_calls=args.window_calls, window_days=args.window_days,
                          min_samples=args.min_samples, sample_rate=args.sample,
                          daily_budget=args.daily_budget, webhook=args.webhook)
    print(changes.message)
    return 0


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.core.monitors import alert_dict
    from desktop.core.ops import monitors as ops

    with open_workspace(args) as workspace:
        monitors = ops.list_monitors(workspace)
        open_alerts = {a.monitor: a for a in ops.alerts(workspace)}
    if args.json:
        print(json.dumps([{"name": m.name, "target": m.target, "check": m.check_spec,
                           "threshold": m.threshold, "margin": m.margin,
                           "window_calls": m.window_calls, "window_days": m.window_days,
                           "min_samples": m.min_samples, "sample_rate": m.sample_rate,
                           "daily_budget": m.daily_budget, "webhook": m.webhook,
                           "alert": alert_dict(open_alerts[m.name])
                           if m.name in open_alerts else None} for m in monitors],
                         ensure_ascii=True, indent=2))
        return 0
    return print_rows(["NAME", "PROMPT", "CHECK", "THRESHOLD", "WINDOW", "ALERT"], [
        [m.name, m.target, m.check_spec, f"{m.threshold:g}",
         f"{m.window_calls} calls" if m.window_calls else f"{m.window_days:g} days",
         open_alerts[m.name].status if m.name in open_alerts else ""] for m in monitors],
        empty="No monitors. Add one with `promptpress monitor add NAME PROMPT CHECK`.")


def cmd_remove(args: argparse.Namespace) -> int:
    from desktop.core.ops import monitors as ops

    with open_workspace(args) as workspace:
        print(ops.remove(workspace, args.name).message)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desktop.core.ops import monitors as ops

    with open_workspace(args) as workspace:
        names = args.names or None
        if args.estimate:
            rows = [(name, ops.estimate(workspace, name))
                    for name in names or [m.name for m in ops.list_monitors(workspace)]]
            if args.json:
                print(json.dumps([{"monitor": n, "unscored": e.unscored,
                                   "judge_calls": e.judge_calls} for n, e in rows], indent=2))
            else:
                print_table(["MONITOR", "NEW CALLS", "JUDGE CALLS"],
                            [[n, str(e.unscored), str(e.judge_calls)] for n, e in rows])
            return 0
        changes = ops.check(workspace, names)
    statuses = changes.value
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses], ensure_ascii=True, indent=2))
    else:
        print_table(["MONITOR", "PROMPT", "SCORE", "THRESHOLD", "CALLS", "ERRORS", "NEW",
                     "STATE"],
                    [[s.monitor.name, s.monitor.target, _value(s.value),
                      f"{s.monitor.threshold:g}", str(s.scored), str(s.errors), str(s.new),
                      ("BELOW" if s.below else "ok" if s.enough else
                       f"too few calls (<{s.monitor.min_samples})")
                      + (f", alert {s.alert.status}" if s.alert else "")]
                     for s in statuses])
        print(changes.message)
    return EXIT_BELOW if any(s.below for s in statuses) else 0
