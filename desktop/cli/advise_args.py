"""argparse definitions for `advise`. Imports nothing heavy: `promptpress --help` builds these."""

from __future__ import annotations

import argparse

from .common_args import add_evaluator_option, add_ref_argument, handles_commands

ADVISE_EPILOG = """\
Every candidate runs as an ordinary run (response cache on: nothing is paid twice) that
`promptpress eval --list` and the app show. "Scores the same" means the 95% interval of the
paired difference in mean score stays above -MARGIN; with too few cases the advice says so,
and how many more would decide it.

exit status: 0 the advice was given (whatever it says: usable in CI to report savings);
1 it could not be given (the message says why); 130 cancelled."""


handles = handles_commands("advise")


def add_arguments(commands: argparse._SubParsersAction) -> None:
    advise = commands.add_parser(
        "advise", help="find a cheaper model or a shorter prompt that scores the same",
        description="Try the prompt on every configured provider that is cheaper or faster,\n"
                    "and shorter versions of it, on a test set; compare each with the current\n"
                    "one case by case and say, with a 95% interval, whether it scores the same.",
        epilog=ADVISE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_ref_argument(advise)
    advise.add_argument("--testset", required=True, metavar="T", help="the test set to compare on")
    advise.add_argument("--model", action="append", dest="models", default=[],
                        metavar="PROVIDER", help="a provider to try (repeatable; default: every "
                                                 "provider that is cheaper or faster)")
    advise.add_argument("--baseline", metavar="PROVIDER",
                        help="the provider the prompt runs on now (default: the one with its "
                             "model, or of its newest run on the test set)")
    advise.add_argument("--rewrite-with", metavar="PROVIDER",
                        help="let this provider's model write shorter instructions to try")
    advise.add_argument("--no-rewrites", dest="rewrites", action="store_false",
                        help="do not try fewer examples or a lower max_tokens")
    advise.add_argument("--no-combinations", dest="combinations", action="store_false",
                        help="do not try shorter prompts on the other models")
    advise.add_argument("--budget", type=float, metavar="USD",
                        help="spend at most this much on the whole search")
    advise.add_argument("--margin", type=float, default=0.02, metavar="X",
                        help="how much lower a mean score (0..1) may be and still count as the "
                             "same (default 0.02: 2 points)")
    add_evaluator_option(advise)
    advise.add_argument("--concurrency", type=int, default=8, metavar="N",
                        help="calls in flight at once (default 8)")
    advise.add_argument("--dry-run", action="store_true",
                        help="only show the candidates, their diffs and the estimated cost")
    advise.add_argument("--json", metavar="OUT", dest="json_out",
                        help="write the advice (verdicts, intervals, chart points) to OUT")
