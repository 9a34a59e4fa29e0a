"""The run grid at scale: 100,000 results, opened and scrolled offscreen.

Builds a workspace with one run of 25,000 cases x 4 columns (2 versions x 2 providers) =
100,000 results, each with an output of 40-1,500 characters (some Arabic, some several
paragraphs) and one evaluator score, by bulk inserts. Then, in this process, with the app's
widgets (`RunGridView`, 1400x900, offscreen) on a qasync loop as the app runs them, it prints:

- open time: `open_run` until the first screen of rows is painted (target < 300 ms); the
  column totals (SQL, in a thread) are timed apart, since the grid shows before them;
- scroll: the time to paint each new screen, scrolling page by page through all 25,000 rows
  (every cell on screen is new: the worst case), wheel scrolling (the view shifts what it
  painted and paints the rows coming into view), and jumping to random places (median, p95,
  max; a frame is 16.7 ms);
- a filter ("failures") and a search, end to end;
- memory growth from before opening to after the scroll-through: RSS (target < 300 MB);
  `--tracemalloc` adds Python's allocation peak, in a run whose timings are then slower.

- sort by score and filter failures in a thread, as the app runs them, with the GUI thread's
  longest stall meanwhile (target < 500 ms), and today's failures query plan beside the new one.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/grid.py [--rows 25000] [--keep DIR]
    .venv/bin/python benchmarks/grid.py --big /tmp/big   # 1,000,000 results (10 x 100,000)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sqlalchemy import insert, text  # noqa: E402

from benchmarks.make_big_workspace import output  # noqa: E402
from storage.releases.content import Message, PromptContent  # noqa: E402
from storage.workspace import prompts as prompt_repo  # noqa: E402
from storage.workspace import runs as run_repo  # noqa: E402
from storage.workspace import testsets  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402
from storage.workspace.models import Result, TestCase  # noqa: E402

def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def build(path: Path, rows: int) -> int:
    """One run of `rows` cases x 2 versions x 2 providers, inserted in bulk."""
    rng = random.Random(5)
    t0 = time.perf_counter()
    workspace = Workspace.open(path)
    try:
        with workspace.session() as s:
            versions = [prompt_repo.save_version(s, "support/refund-reply", PromptContent(
                messages=(Message("user", f"Answer the customer ({i}): {{{{ question }}}}"),))
            ).version for i in range(2)]
            test_set = testsets.create_test_set(s, "gold", min_score=0.7)
            s.execute(insert(TestCase), [
                {"test_set_id": test_set.id, "position": i,
                 "variables": {"question": f"Where is my refund for order {i}?",
                               "language": "Arabic" if i % 17 == 0 else "English"},
                 "expected": "The refund arrives within five working days.",
                 "notes": "", "tags": []} for i in range(rows)])
            case_ids = list(s.scalars(text("SELECT id FROM test_cases ORDER BY position")))
            run = run_repo.create_run(
                s, test_set=test_set, case_ids=case_ids, test_set_hash="bench",
                versions=versions, providers=[{"name": "fast", "model": "openai/gpt-4o-mini"},
                                              {"name": "big", "model": "openai/gpt-4o"}],
                evaluators=["icontains:refund"], options={"gate": 0.7})
            run_id = run.id
            pks = [v.pk for v in versions]
        batch: list[dict] = []
        with workspace.session() as s:
            for row, case_id in enumerate(case_ids):
                for pk in pks:
                    for provider in ("fast", "big"):
                        error = rng.random() < 0.01
                        passed = None if error else rng.random() < 0.8
                        batch.append({
                            "run_id": run_id, "case_id": case_id, "version_pk": pk,
                            "provider": provider, "model": provider, "row": row,
                            "output": None if error else output(rng, row),
                            "error_kind": "rate_limited" if error else None,
                            "error_message": "Still rate limited after 6 waits." if error else None,
                            "tokens_in": 40, "tokens_out": rng.randint(10, 400),
                            "cost": 0.0002, "latency_ms": rng.lognormvariate(6.3, 0.4),
                            "score": None if error else float(passed), "passed": passed,
                            "cached": False, "attempts": 1})
                if len(batch) >= 20_000:
                    s.execute(insert(Result), batch)
                    batch.clear()
            if batch:
                s.execute(insert(Result), batch)
            s.execute(text(
                "INSERT INTO scores (result_id, evaluator, kind, value, passed, reason, weight, "
                "details, rater, created_at) SELECT id, 'icontains:refund', 'auto', score, passed, "
                "'', 1.0, '{}', '', created_at FROM results WHERE run_id = :run AND "
                "error_kind IS NULL"), {"run": run_id})
            n = s.scalar(text("SELECT count(*) FROM results WHERE run_id = :run"), {"run": run_id})
        print(f"built {n:,} results ({rows:,} cases x 4 columns) in "
              f"{time.perf_counter() - t0:.1f} s")
        return run_id
    finally:
        workspace.close()


SCREENS = 10**9  # --screens limits the scroll-through


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(path: Path, run_id: int, jumps: int, trace: bool, freeze: bool) -> None:
    import gc

    import qasync
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.ui.evaluation.run_grid import RunGridView

    from concurrent.futures import ThreadPoolExecutor

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    pool = ThreadPoolExecutor(max_workers=2)
    loop.set_default_executor(pool)
    workspace = Workspace.open(path)
    view = RunGridView(workspace)
    view.resize(1400, 900)
    view.show()
    for _ in range(5):
        QCoreApplication.processEvents()
    if freeze:
        # As the app does once start-up is over (gateway.preload, after loading litellm): what
        # is loaded by then is never walked by a full collection again.
        gc.freeze()

    if trace:  # slows Python down several times: timings are then not meaningful
        tracemalloc.start()
    rss_before = rss_mb()
    t0 = time.perf_counter()
    model = view.open_run(run_id)
    view.table.viewport().repaint()  # paints the first screen: reads its page
    open_ms = (time.perf_counter() - t0) * 1000
    visible_rows = view.table.viewport().height() // view.table.verticalHeader().defaultSectionSize()
    print(f"open: {open_ms:.0f} ms to the first painted screen ({model.rowCount():,} rows x "
          f"{model.columnCount() - 1} result columns, {visible_rows} rows on screen, "
          f"{model.pages_loaded} page(s) read)  target < 300 ms")

    t0 = time.perf_counter()
    totals = model.load_totals()
    totals_ms = (time.perf_counter() - t0) * 1000
    model.set_totals(totals)
    print(f"column totals (SQL, off the GUI thread): {totals_ms:.0f} ms")

    bar = view.table.verticalScrollBar()
    page = view.table.viewport().height()
    times = []
    value = 0
    t_all = time.perf_counter()
    while value < bar.maximum() and len(times) < SCREENS:
        value = min(bar.maximum(), value + page)
        t0 = time.perf_counter()
        bar.setValue(value)
        view.table.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    total_s = time.perf_counter() - t_all
    print(f"scroll-through, {len(times):,} screens: median {statistics.median(times):.1f} ms, "
          f"p95 {pct(times, 95):.1f} ms, max {max(times):.1f} ms per screen "
          f"({total_s:.1f} s in all; {model.pages_loaded:,} pages read)")

    # Wheel scrolling as the view does it: the viewport is shifted and only the rows that
    # come into view are painted (on the next event-loop turn).
    wheel = []
    bar.setValue(bar.maximum() // 3)
    QCoreApplication.processEvents()
    step = 3 * view.table.verticalScrollBar().singleStep() * 4  # ~ one wheel notch
    for _ in range(400):
        t0 = time.perf_counter()
        bar.setValue(bar.value() + step)
        QCoreApplication.processEvents()
        wheel.append((time.perf_counter() - t0) * 1000)
    print(f"wheel scrolling ({len(wheel)} notches of {step} px): median "
          f"{statistics.median(wheel):.1f} ms, p95 {pct(wheel, 95):.1f} ms, "
          f"max {max(wheel):.1f} ms per notch")

    rng = random.Random(1)
    jump_times = []
    for _ in range(jumps):
        t0 = time.perf_counter()
        bar.setValue(rng.randint(0, bar.maximum()))
        view.table.viewport().repaint()
        jump_times.append((time.perf_counter() - t0) * 1000)
    print(f"random jumps ({jumps}): median {statistics.median(jump_times):.1f} ms, "
          f"p95 {pct(jump_times, 95):.1f} ms, max {max(jump_times):.1f} ms")

    for label, kind, search in (("filter failures", "failures", None),
                                ("search 'patience'", None, "patience")):
        t0 = time.perf_counter()
        rows = model.filtered_rows(kind, search)
        model.set_rows(rows)
        view.table.viewport().repaint()
        print(f"{label}: {(time.perf_counter() - t0) * 1000:.0f} ms "
              f"({len(rows or ()):,} rows; SQL runs in a thread in the app)")
    model.set_rows(None)
    arrange_off_thread(view, model, pool, path, run_id)

    growth = rss_mb() - rss_before
    traced = ""
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        traced = f"; Python allocations peaked at {peak / 2**20:.0f} MB (tracemalloc)"
    print(f"memory: RSS grew {growth:.0f} MB from before opening to after all of the above"
          f"{traced}  target < 300 MB")

    view.shutdown()
    for _ in range(50):  # let the totals task the grid started finish
        QCoreApplication.processEvents()
        time.sleep(0.01)
    pool.shutdown(wait=True)
    view.close()
    view.deleteLater()
    QCoreApplication.processEvents()
    workspace.close()
    asyncio.events._set_running_loop(None)


def arrange_off_thread(view, model, pool, path: Path, run_id: int) -> None:
    """Sort by score and filter failures as the app does: in a thread, progress reported to
    the GUI thread, which keeps painting; prints the time and the GUI's longest stall."""
    from PySide6.QtCore import QCoreApplication

    results = model.total_rows * len(model.columns)
    column = model.columns[0].key
    for label, kind, sort in (("sort by score (highest first)", None, (column, True)),
                              ("filter failures", "failures", None),
                              ("filter failures, sorted by score", "failures", (column, False))):
        steps = []
        t0 = time.perf_counter()
        future = pool.submit(model.arranged_rows, kind, None, sort,
                             lambda done, total: steps.append(done) or True)
        stall, last = 0.0, time.perf_counter()
        while not future.done():
            QCoreApplication.processEvents()
            now = time.perf_counter()
            stall, last = max(stall, now - last), now
            time.sleep(0.001)
        rows = future.result()
        model.set_rows(rows)
        view.table.viewport().repaint()
        ms = (time.perf_counter() - t0) * 1000
        print(f"{label}: {ms:.0f} ms in a thread to the repainted grid ({len(rows):,} rows of "
              f"{results:,} results, {len(steps)} progress steps, GUI thread's longest stall "
              f"{stall * 1000:.0f} ms)  target < 500 ms")
    model.set_rows(None)
    # Today's failures filter was one query over the run's results (ix_results_run); the new
    # partial index reads only the failures. Both plans, on this file:
    import sqlite3
    con = sqlite3.connect(path)
    timings = {}
    for name, index in (("today (ix_results_run)", "ix_results_run"),
                        ("new (ix_results_run_failures)", "ix_results_run_failures")):
        t0 = time.perf_counter()
        n = len(con.execute(f"SELECT DISTINCT row FROM results INDEXED BY {index} WHERE run_id = "
                            "? AND (passed = 0 OR error_kind IS NOT NULL)", (run_id,)).fetchall())
        timings[name] = (time.perf_counter() - t0) * 1000
        print(f"failures query, {name}: {timings[name]:.0f} ms ({n:,} rows)")
    con.close()
    today, new = timings.values()
    print(f"failures query ratio today/new: {today / new:.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=25_000, help="cases (x4 results each)")
    parser.add_argument("--jumps", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the workspace here")
    parser.add_argument("--big", type=Path, help="use (or build) make_big_workspace.py's 1M-result "
                        "run in this folder (--cases, --models)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--no-freeze", action="store_true",
                        help="skip the gc.freeze() the app does after start-up (shows the "
                             "cost of full garbage collections over every loaded module)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace Python allocations (slows every timing down)")
    parser.add_argument("--screens", type=int, default=0,
                        help="scroll through at most this many screens (0: all)")
    args = parser.parse_args()
    global SCREENS
    SCREENS = args.screens or SCREENS
    if args.big:
        from benchmarks.make_big_workspace import build_grid
        path = args.big / f"grid-{args.cases}x{args.models}.promptpress"
        if not path.exists():
            args.big.mkdir(parents=True, exist_ok=True)
            build_grid(path, args.cases, args.models)
        with Workspace.open(path) as ws, ws.session() as s:
            run_id = s.scalar(text("SELECT max(id) FROM runs"))
        print(f"workspace: {path.stat().st_size / 2**20:,.0f} MB")
        measure(path, run_id, args.jumps, args.tracemalloc, not args.no_freeze)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"grid-{args.rows}.promptpress"
        if path.exists():
            with Workspace.open(path) as ws, ws.session() as s:
                run_id = s.scalar(text("SELECT max(id) FROM runs"))
        else:
            run_id = build(path, args.rows)
        measure(path, run_id, args.jumps, args.tracemalloc, not args.no_freeze)
    return 0


if __name__ == "__main__":
    sys.exit(main())
