"""argparse definitions for `promptpress monitor ...`. Imports nothing heavy (`--help`)."""

from __future__ import annotations

import argparse

from .common_args import command_with_actions, handles_commands

EXIT_BELOW = 3  # `monitor check`: some monitor is below its threshold


handles = handles_commands("monitor")


def add_arguments(commands: argparse._SubParsersAction) -> None:
    actions = command_with_actions(
        commands, "monitor", help="quality checks over production logs, with alerts",
        description="Monitors score each logged call of a prompt (or of every prompt in a "
                    "folder) with a check that needs no expected output, and alert when the "
                    "score over a window falls below a threshold.")
    add = actions.add_parser(
        "add", help="add a monitor",
        description="CHECK is an evaluator spec that needs no expected output (is-json, "
                    "json-schema:..., regex:..., contains:..., not:contains:..., "
                    "length:..280, judge:PROVIDER:RUBRIC) or feedback:thumbs-down / "
                    "feedback:corrected (the share of calls without one).")
    add.add_argument("name", metavar="NAME")
    add.add_argument("target", metavar="PROMPT", help="a prompt, or a folder ending in /")
    add.add_argument("check", metavar="CHECK")
    add.add_argument("--threshold", type=float, metavar="X",
                     help="alert when the window's score is below X (0-1; default 0.95, "
                          "0.8 for feedback, the judge's own threshold for judges)")
    add.add_argument("--margin", type=float, default=0.05, metavar="X",
                     help="an alert closes at threshold + X (default 0.05)")
    window = add.add_mutually_exclusive_group()
    window.add_argument("--last", type=int, metavar="N", dest="window_calls",
                        help="the window is the last N scored calls (default 100)")
    window.add_argument("--days", type=float, metavar="D", dest="window_days",
                        help="the window is the last D days")
    add.add_argument("--min-samples", type=int, default=20, metavar="N",
                     help="decide nothing with fewer scored calls (default 20)")
    add.add_argument("--sample", type=float, default=1.0, metavar="RATE",
                     help="judges: score this share of the calls (default 1)")
    add.add_argument("--daily-budget", type=int, metavar="N",
                     help="judges: at most N judged calls a day")
    add.add_argument("--webhook", metavar="URL", help="POST JSON here when an alert opens")
    lst = actions.add_parser("list", help="list monitors and their open alerts")
    lst.add_argument("--json", action="store_true")
    rem = actions.add_parser("remove", help="remove a monitor, its scores and alerts")
    rem.add_argument("name", metavar="NAME")
    chk = actions.add_parser(
        "check", help="score new logged calls; exit 3 when a monitor is below threshold",
        description="Score the calls each monitor has not scored yet, open and close alerts, "
                    "and print each monitor's window. Exit status: 0 when every monitor is at "
                    "or above its threshold (or has too few calls to say), 3 when one is "
                    "below, 1 on an error.")
    chk.add_argument("names", metavar="NAME", nargs="*", help="only these monitors")
    chk.add_argument("--json", action="store_true")
    chk.add_argument("--estimate", action="store_true",
                     help="only say how many calls would be scored and judged")
