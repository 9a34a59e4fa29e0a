"""Time to window shown: Promptpress against a bare PySide6 window started the same way.

Both are started as fresh Python processes and timed from spawn until they report that their
window has been shown; runs alternate so machine noise hits both alike. Prints the median ratio.
Target: at most 1.5x.

    .venv/bin/python benchmarks/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = r"""
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import qasync, asyncio
app = QApplication(sys.argv[:1])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
w = QMainWindow()
w.setWindowTitle("bare")
w.resize(1400, 900)
def shown():
    print("shown", flush=True)
    app.quit()
w.show()
QTimer.singleShot(0, shown)
with loop:
    done = asyncio.Event()
    app.aboutToQuit.connect(done.set)
    loop.run_until_complete(done.wait())
"""


def time_to_shown(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=ROOT, text=True)
    for line in proc.stdout:
        if line.startswith("shown"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise SystemExit(f"{cmd} never showed its window")
    proc.wait(30)
    return elapsed


def compare(first: tuple[list[str], dict[str, str]], second: tuple[list[str], dict[str, str]],
            runs: int) -> tuple[float, float]:
    """Median seconds to window shown of two (command, environment) pairs, after one warm-up
    start each (the OS file cache), their runs alternating so machine noise hits both alike."""
    for cmd, env in (first, second):
        time_to_shown(cmd, env)
    first_times, second_times = [], []
    for _ in range(runs):
        first_times.append(time_to_shown(*first))
        second_times.append(time_to_shown(*second))
    return statistics.median(first_times), statistics.median(second_times)


def report(runs: int, first: tuple[str, float], second: tuple[str, float], ratio: str) -> None:
    """Each median (`label` already padded to line up), then `ratio` with second/first."""
    for label, seconds in (first, second):
        print(f"{label} median {seconds * 1000:.0f} ms over {runs} runs")
    print(ratio.format(second[1] / first[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PROMPTPRESS_EXIT_AFTER_SHOWN="1", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "bench.promptpress"
        app_cmd = [sys.executable, "-m", "desktop.main", "--workspace", str(workspace)]
        bare_cmd = [sys.executable, "-c", BARE]
        bare, app = compare((bare_cmd, env), (app_cmd, env), args.runs)
    report(args.runs, ("bare PySide6 window:", bare), ("Promptpress window: ", app),
           "ratio: {:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
