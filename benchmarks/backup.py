"""Backing up a large workspace while the app writes to it (issue 14: "backup while the app
writes; size reported; VACUUM offered").

Builds a workspace with `--cases` x `--models` results (benchmarks/make_big_workspace.py's
grid; 100,000 x 10 = 1M by default, about 1 GB), then, with a writer committing one small
transaction every 10 ms (the app saving drafts and results), measures in one run:

- the backup as the app ran it before (on the app's writer thread, one step): how long, and
  the longest any save waited for it;
- the backup as it runs now (its own thread, steps of STEP_PAGES pages inside one read
  transaction, progress between steps): how long, how often progress came, and the longest
  save wait;
- the ratios of the two.

    .venv/bin/python benchmarks/backup.py [--cases 100000] [--models 10] [--keep /tmp/big.db]
"""

from __future__ import annotations

import argparse
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.make_big_workspace import build_grid  # noqa: E402
from storage.workspace import backup as backups  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402
from storage.workspace.models import Result  # noqa: E402


def _writes(workspace: Workspace, run_id: int, jobs: "queue.Queue", stop: threading.Event,
            waits: list[float]) -> None:
    """The app's writer thread: a save every 10 ms, each timed from asked to committed; a job
    put in `jobs` (the old backup) runs on this same thread, as it did."""
    while not stop.is_set():
        asked = time.perf_counter()
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            job = None
        if job is not None:
            job()
        with workspace.session() as s:
            s.add(Result(run_id=run_id, provider="draft", output="ردّ 😀 " * 40))
        waits.append(time.perf_counter() - asked)
        time.sleep(0.01)


def _measure(workspace: Workspace, run_id: int, target: Path, on_writer_thread: bool):
    stop = threading.Event()
    jobs: queue.Queue = queue.Queue()
    waits: list[float] = []
    writer = threading.Thread(target=_writes, args=(workspace, run_id, jobs, stop, waits))
    writer.start()
    time.sleep(0.3)
    steps: list[float] = []
    done = threading.Event()
    began = time.perf_counter()

    def old() -> None:  # what features._backup did: writer.run(back_up) with pages=-1
        backups.STEP_PAGES, saved = -1, backups.STEP_PAGES
        try:
            backups.backup_workspace(workspace, target, overwrite=True)
        finally:
            backups.STEP_PAGES = saved
            done.set()

    if on_writer_thread:
        jobs.put(old)
        done.wait()
    else:
        backups.backup_workspace(workspace, target, overwrite=True,
                                 progress=lambda d, t: steps.append(time.perf_counter()))
    took = time.perf_counter() - began
    time.sleep(0.2)
    stop.set()
    writer.join()
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    return took, max(waits), len(waits), max(gaps) if gaps else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "big.promptpress"
        if not path.exists():
            print(f"building {args.cases:,} x {args.models} results…", flush=True)
            build_grid(path, args.cases, args.models)
        size = path.stat().st_size
        with Workspace.open(path) as workspace:
            with workspace.session() as s:
                run_id = s.query(Result.run_id).limit(1).scalar()
            old = _measure(workspace, run_id, Path(tmp) / "old.promptpress", True)
            new = _measure(workspace, run_id, Path(tmp) / "new.promptpress", False)
            info = backups.inspect_backup(Path(tmp) / "new.promptpress")
    mb = size / 1e6
    print(f"workspace {mb:,.0f} MB ({info.counts.get('results', 0):,} results in the backup)")
    print(f"{'':28}{'backup s':>10}{'MB/s':>8}{'longest save wait':>20}{'saves':>8}")
    print(f"{'before: on the writer':28}{old[0]:>10.2f}{mb / old[0]:>8.0f}{old[1] * 1000:>17.0f} ms"
          f"{old[2]:>8}")
    print(f"{'now: own thread, stepped':28}{new[0]:>10.2f}{mb / new[0]:>8.0f}{new[1] * 1000:>17.0f} ms"
          f"{new[2]:>8}")
    print(f"longest gap between progress reports: {new[3] * 1000:.0f} ms "
          f"(steps of {backups.STEP_PAGES} pages)")
    print(f"ratios now/before: backup time {new[0] / old[0]:.2f}x, longest save wait "
          f"{new[1] / old[1]:.3f}x")


if __name__ == "__main__":
    main()
