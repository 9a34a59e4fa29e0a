"""Time to window shown: the built app (packaging/app) against the same code run from the venv.

Both start as fresh processes on an empty workspace and are timed from spawn until they report
their window shown (PROMPTPRESS_EXIT_AFTER_SHOWN=1); runs alternate so machine noise hits both
alike. Prints the medians and their ratio. Target: at most 1.0x (the build is no slower).

    ./dev package && .venv/bin/python benchmarks/installer_startup.py [--runs 7] [--app PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _loopback import ROOT
from startup import compare, report

sys.path.insert(0, str(ROOT / "packaging" / "app"))
import build as app_build  # noqa: E402  packaging/app/build.py


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--app", type=Path, default=app_build.executable(ROOT / "build" / "app" / "dist"),
                        help="the built executable (default: where ./dev package puts it)")
    args = parser.parse_args()
    args.app = args.app.resolve()
    if not args.app.exists():
        raise SystemExit(f"No built app at {args.app}: run ./dev package first")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PROMPTPRESS_EXIT_AFTER_SHOWN="1", PYTHONPATH=str(ROOT))
    frozen_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    with tempfile.TemporaryDirectory() as tmp:
        venv_cmd = [sys.executable, "-m", "desktop.main", "--workspace", str(Path(tmp) / "venv.promptpress")]
        app_cmd = [str(args.app), "--workspace", str(Path(tmp) / "built.promptpress")]
        venv, app = compare((venv_cmd, env), (app_cmd, frozen_env), args.runs)
    report(args.runs, ("venv (python -m desktop.main):", venv),
           (f"built app ({args.app.name}):    ", app), "ratio built/venv: {:.2f}x (target <= 1.0x)")


if __name__ == "__main__":
    main()
