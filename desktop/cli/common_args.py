"""What the argparse definitions share. Imports nothing heavy: `promptpress --help` builds them."""

from __future__ import annotations

import argparse
from collections.abc import Callable

EVALUATOR_HELP = "score with this evaluator (repeatable; default: the test set's)"
REF_HELP = "the prompt and version (default: its current version)"


def command_with_actions(commands: argparse._SubParsersAction, name: str,
                         **options) -> argparse._SubParsersAction:
    """Add `promptpress NAME ACTION ...`; returns the subparsers its required ACTION picks from."""
    parser = commands.add_parser(name, **options)
    return parser.add_subparsers(dest="action", metavar="ACTION", required=True)


def handles_commands(*names: str) -> Callable[[argparse.Namespace], bool]:
    """`handles(args)`: whether the parsed command is one of `names`."""

    def handles(args: argparse.Namespace) -> bool:
        return getattr(args, "command", None) in names

    return handles


def add_ref_argument(parser: argparse.ArgumentParser, nargs: str | None = None) -> None:
    """The NAME[@VERSION] a command runs."""
    parser.add_argument("ref", metavar="NAME[@VERSION]", nargs=nargs, help=REF_HELP)


def add_evaluator_option(parser: argparse.ArgumentParser) -> None:
    """--evaluator SPEC, repeatable, into `args.evaluators` (None: the test set's own)."""
    parser.add_argument("--evaluator", action="append", dest="evaluators", metavar="SPEC",
                        help=EVALUATOR_HELP)
