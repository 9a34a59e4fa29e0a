"""The `promptpress` entry point: no subcommand opens the app, a subcommand runs headless.

Kept light on purpose: `promptpress --help` and `--version` import neither PySide6 nor litellm.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from desktop.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "smoke_test", False):
        from desktop.ui.smoke import run_smoke_test

        return run_smoke_test()
    if getattr(args, "command", None) is None:
        from desktop.ui.app import run_app

        return run_app(workspace=args.workspace)
    from desktop.cli.run import run_command

    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
