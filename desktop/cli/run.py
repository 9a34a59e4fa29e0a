"""Running a CLI command: open the workspace, call desktop/core, print plainly.

Errors a user can act on print one line on stderr and exit 1; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from desktop.core.errors import USER_ERRORS

EXIT_USER_ERROR = 1


def run_command(args: argparse.Namespace) -> int:
    handler = _handler(args)
    try:
        return handler(args)
    except USER_ERRORS as exc:
        print(f"promptpress: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("promptpress: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130


def _handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    from desktop.cli.versions_args import handles as versions_handles

    if versions_handles(args):
        from desktop.cli.versions import handler

        return handler(args)
    if args.command == "provider":
        from desktop.cli import providers

        return getattr(providers, f"cmd_{args.action}")
    if args.command == "prompt":
        from desktop.cli import prompts

        return getattr(prompts, f"cmd_{args.action}")
    if args.command == "release":
        from desktop.cli.releases import handler

        return handler(args)
    if args.command == "play":
        from desktop.cli.play import cmd_play

        return cmd_play
    from desktop.cli.evals_args import handles as evals_handles

    if evals_handles(args):
        from desktop.cli.evals import handler

        return handler(args)
    from desktop.cli.logs_args import handles as logs_handles

    if logs_handles(args):
        from desktop.cli.logs import handler as logs_handler

        return logs_handler(args)

    from desktop.cli.monitor_args import handles as monitor_handles

    if monitor_handles(args):
        from desktop.cli.monitor import handler as monitor_handler

        return monitor_handler(args)
    from desktop.cli.advise_args import handles as advise_handles

    if advise_handles(args):
        from desktop.cli.advise import cmd_advise

        return cmd_advise
    raise SystemExit(f"promptpress: unknown command {args.command!r}")
