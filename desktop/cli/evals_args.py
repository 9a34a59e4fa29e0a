"""argparse definitions for `testset import|export|list` and `eval`.

Imports nothing heavy: `promptpress --help` builds these. Wire it in `parser.build_parser`,
after the other commands:

    from desktop.cli.evals_args import add_arguments as add_eval_arguments
    ...
    add_eval_arguments(commands)

and in `run._handler`, before the final `raise SystemExit`:

    from desktop.cli.evals_args import handles as handles_eval
    if handles_eval(args):
        from desktop.cli.evals import handler
        return handler(args)
"""

from __future__ import annotations

import argparse

from .common_args import (add_evaluator_option, add_ref_argument, command_with_actions,
                          handles_commands)

EVAL_EPILOG = """\
evaluator specs (repeat --evaluator; each is one check with a threshold and a weight):
  contains:refund  icontains:thanks  equals:{{ expected }}  starts-with:Dear  ends-with:.
  contains-any:refund,money back   contains-all:order,date   regex:^\\d{4}-\\d{2}-\\d{2}$
  length:..280   is-json   json-schema:@schema.json   edit-similarity>=0.8   bleu>=0.3
  chrf  rouge-l>=0.4  judge:PROVIDER:RUBRIC (or judge:PROVIDER:@rubric.txt)
  prefixes: not: (invert), weight=N: (share of the case score), KIND>=T (threshold)
  See the README, "Evaluator specs", for the full syntax.

exit status: 0 the run passed; 1 it could not run (the message says why); 3 the mean score
of a column is below the gate (--fail-under, else the test set's minimum score); 4 more
errors than --max-errors allows (default 0: any failed call fails the run); 130 cancelled."""


handles = handles_commands("testset", "eval")


def add_arguments(commands: argparse._SubParsersAction) -> None:
    """Add the `testset` and `eval` commands to the top-level subparsers."""
    actions = command_with_actions(commands, "testset",
                                   help="test sets: rows of variables and expected outputs")
    imp = actions.add_parser(
        "import", help="import a CSV, JSONL or XLSX file as a test set (all rows or none)",
        description="Read FILE (CSV in any common encoding and delimiter, JSONL or XLSX) into "
                    "the test set NAME, replacing its cases if it exists. Every row-level "
                    "problem is listed and nothing is imported while there is any.")
    imp.add_argument("name", metavar="NAME")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--prompt", metavar="NAME",
                     help="the prompt the set is for: its variables name the columns")
    imp.add_argument("--min-score", type=float, metavar="X",
                     help="the gate: a run whose mean score is below X (0..1) fails")
    imp.add_argument("--evaluator", action="append", dest="evaluators", metavar="SPEC",
                     help="an evaluator the set carries by default (repeatable)")
    imp.add_argument("--exact", action="store_true",
                     help="read CSV cells exactly as written: keep the apostrophe that CSV "
                          "export puts before =, +, -, @ (by default it is removed again)")
    exp = actions.add_parser("export", help="write a test set to CSV or JSONL (by extension)")
    exp.add_argument("name", metavar="NAME")
    exp.add_argument("--to", required=True, metavar="FILE",
                     help="FILE.csv (UTF-8 with BOM, for Excel) or FILE.jsonl")
    exp.add_argument("--exact", action="store_true",
                     help="write CSV cells exactly; by default a cell starting with =, +, -, @, "
                          "tab or CR gets a leading apostrophe so that spreadsheets do not run "
                          "it as a formula (import removes it again). JSONL is always exact")
    actions.add_parser("list", help="list test sets")

    run = commands.add_parser(
        "eval", help="run a test set on prompt versions and models, scored",
        description="Run every case of a test set on each version x each model, score the\n"
                    "outputs, and print a summary per column. Every result is saved as it\n"
                    "arrives; an interrupted run continues with --resume.",
        epilog=EVAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ref_argument(run, nargs="?")
    run.add_argument("--testset", metavar="T", help="the test set to run")
    run.add_argument("--model", action="append", dest="models", default=[], metavar="PROVIDER",
                     help="provider to run on (repeat for several)")
    run.add_argument("--version", action="append", dest="versions", default=[],
                     metavar="VERSION", help="another version of the same prompt to run "
                                             "(repeatable): an id prefix, or latest")
    add_evaluator_option(run)
    run.add_argument("--concurrency", type=int, default=None, metavar="N",
                     help="calls in flight at once, all providers together (default 8); each "
                          "provider's own limit also applies")
    run.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                     help="give up on a call after this long (default 120); timeouts are "
                          "retried twice")
    run.add_argument("--fail-under", type=float, metavar="X",
                     help="fail when a column's mean score is below X (default: the test "
                          "set's minimum score)")
    run.add_argument("--max-errors", default="0", metavar="N|PCT",
                     help="errors allowed before the run fails: a count, or a share of the "
                          "cells such as 5%% (default 0)")
    run.add_argument("--resume", type=int, metavar="RUN_ID",
                     help="continue a stopped run: only the cells without a result are run")
    run.add_argument("--retry-errors", action="store_true",
                     help="with --resume, also run again the cells whose call failed")
    run.add_argument("--json", metavar="OUT", dest="json_out",
                     help="write the run with every result and score to OUT as JSON")
    cache = run.add_mutually_exclusive_group()
    cache.add_argument("--cache", dest="cache", action="store_true", default=None,
                       help="answer identical requests from the workspace's response cache "
                            "(cached results cost nothing and report the original latency)")
    cache.add_argument("--no-cache", dest="cache", action="store_false",
                       help="call the model for every cell (the default)")
    run.add_argument("--batch", action="store_true",
                     help="send each provider's cells as one batch through its batch API "
                          "(OpenAI, Anthropic): half price, answered within a day; the batch is "
                          "kept in the run, so an interrupted run is collected with --resume")
    run.add_argument("--poll", type=float, default=None, metavar="SECONDS",
                     help="with --batch: how often to ask the provider how far the batch is "
                          "(default 30)")
    run.add_argument("--list", action="store_true", dest="list_runs",
                     help="list recent runs instead of running")
