"""argparse definitions for `promptpress logs ...`. Imports nothing heavy (`--help` builds it)."""

from __future__ import annotations

import argparse

from .common_args import command_with_actions, handles_commands

FEEDBACK = ("negative", "positive", "neutral", "any", "none", "corrected")  # as CallFilter's
EXPECTED = ("corrected", "output", "corrected-only")

WHEN = ("a date or time in UTC (2026-12-01, 2026-12-01T09:30) or a span back from now "
        "(30m, 24h, 7d, 2w)")


handles = handles_commands("logs")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN", help=f"calls from then on: {WHEN}")
    parser.add_argument("--until", metavar="WHEN", help="calls before then (same forms)")
    parser.add_argument("--release", type=int, metavar="N", help="calls of release N only")
    parser.add_argument("--version", metavar="ID", help="calls of this version (an id prefix)")
    parser.add_argument("--feedback", choices=FEEDBACK,
                        help="calls with negative, positive, neutral or any feedback, none, or "
                             "a corrected output")
    errors = parser.add_mutually_exclusive_group()
    errors.add_argument("--errors", dest="errors", action="store_true", default=None,
                        help="failed calls only")
    errors.add_argument("--no-errors", dest="errors", action="store_false",
                        help="successful calls only")
    parser.add_argument("--search", metavar="WORDS",
                        help="calls whose variables, output, error or feedback contain every "
                             "word (each as a prefix)")
    parser.add_argument("--model", metavar="MODEL", help="calls made with this model")
    parser.add_argument("--channel", metavar="CHANNEL", help="calls of readers on this channel")


def add_arguments(commands: argparse._SubParsersAction) -> None:
    actions = command_with_actions(
        commands, "logs",
        help="production logs and feedback from the applications that read releases",
        description="Pull the calls and feedback that applications log with "
                    "promptpress_reader (Reader(..., log_to=FOLDER_OR_URL)), look through them, "
                    "and turn them into test cases.")

    pull = actions.add_parser(
        "pull", help="read new logs from a sink into the workspace",
        description="Read every segment not pulled before from SOURCE: the folder or http(s) "
                    "address the applications log to, or a release repository whose sinks "
                    "are set with `logs sink add`. A record is stored once however often it "
                    "is pulled. Files and lines that cannot be read are listed and skipped; "
                    "the rest is imported.")
    pull.add_argument("source", metavar="SOURCE")
    pull.add_argument("--project", metavar="PROJECT",
                      help="only this project's logs (default: every project in the sink)")

    lst = actions.add_parser("list", help="list logged calls, newest first")
    lst.add_argument("prompt", metavar="PROMPT", nargs="?", help="one prompt (default: all)")
    _filters(lst)
    lst.add_argument("--limit", type=int, default=50, metavar="N",
                     help="at most N calls (default 50)")
    lst.add_argument("--json", action="store_true",
                     help="print the calls in full as JSON (variables, output, feedback)")

    show = actions.add_parser("show", help="print one logged call in full")
    show.add_argument("log_id", metavar="LOG_ID")
    show.add_argument("--json", action="store_true", help="as JSON")

    ts = actions.add_parser(
        "to-testset", help="add logged calls to a test set",
        description="Add the calls of PROMPT that match the filters (newest first) to the test "
                    "set T, created if needed: each case has the call's variables and, as "
                    "expected output, the corrected output feedback gave, else the output. "
                    "Cases already in the set are left out.")
    ts.add_argument("prompt", metavar="PROMPT")
    ts.add_argument("--testset", required=True, metavar="T")
    _filters(ts)
    ts.add_argument("--expected", choices=EXPECTED, default="corrected",
                    help="corrected (default): the corrected output, else the output; output: "
                         "always the output; corrected-only: only calls with a correction")
    ts.add_argument("--limit", type=int, metavar="N", help="at most N calls")

    ft = actions.add_parser(
        "export-finetune", help="write fine-tuning examples (chat JSONL) from logs or a test set",
        description="Write one chat example a line: the system and user turns rendered with "
                    "the logged variables, then the answer (the corrected output feedback "
                    "gave, else the output). Text is written exactly; identical examples are "
                    "written once. Prints the counts and a token estimate (4 characters a "
                    "token).")
    ft.add_argument("output", metavar="FILE.jsonl")
    ft.add_argument("--from", dest="source", default="positive",
                    choices=("positive", "corrected", "monitor"),
                    help="calls with positive feedback (default), with a corrected output, or "
                         "that --monitor passed")
    ft.add_argument("--prompt", metavar="PROMPT", help="only this prompt's calls")
    ft.add_argument("--monitor", metavar="NAME", help="with --from monitor: its passing calls")
    ft.add_argument("--testset", metavar="T",
                    help="instead of logs: the test set's cases with an expected output")
    ft.add_argument("--limit", type=int, metavar="N", help="at most N examples")
    ft.add_argument("--dry-run", action="store_true", help="only print the counts")
    ft.add_argument("--json", action="store_true", help="print the counts as JSON")

    sink = actions.add_parser("sink", help="which log sinks belong to a release repository")
    sink_actions = sink.add_subparsers(dest="sink_action", metavar="ACTION", required=True)
    add = sink_actions.add_parser("add", help="pull SINK's logs for REPOSITORY")
    add.add_argument("repository", metavar="REPOSITORY", help="the release folder or address")
    add.add_argument("sink", metavar="SINK", help="the folder or address its readers log to")
    add.add_argument("--project", metavar="PROJECT",
                     help="the project (default: the repository's, when known)")
    remove = sink_actions.add_parser("remove", help="stop pulling SINK for REPOSITORY")
    remove.add_argument("repository", metavar="REPOSITORY")
    remove.add_argument("sink", metavar="SINK")
    show_sinks = sink_actions.add_parser("list", help="list the sinks")
    show_sinks.add_argument("repository", metavar="REPOSITORY", nargs="?")
