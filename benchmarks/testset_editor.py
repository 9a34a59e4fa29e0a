"""The test-set editor at 100,000 cases: open, edit one case, save.

Uses (or builds) make_big_workspace.py's test set "big". In this process, with the app's
`TestSetEditor` (1200x700, offscreen) on a qasync loop, it prints:

- open: `open_async` until the first screen of cases is painted (target < 300 ms), the pages
  of cases it read, and the ratio to the figure before paging; scrolling to the last case;
- save after editing one case: the editor's save now (only the edited case, by id) and the
  save it used before (every case's order and data, `save_cases`), timed in one run, and
  their ratio; the memory the open set holds;
- save after inserting a case at the top, deleting one and moving one (the new order as case
  ids, `arrange_cases`; no case read), against that same whole save.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/testset_editor.py --big /tmp/big
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.grid import rss_mb  # noqa: E402
from benchmarks.make_big_workspace import build_testset  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402

# The editor read and held every case before it read them a page at a time (commit 2263dc9,
# this benchmark at 100,000 cases): the figure the ratio is taken against.
OPEN_BEFORE_MS = 8192


def measure(path: Path) -> None:
    import qasync
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.core.ops import testsets as testset_ops
    from desktop.ui.evaluation.testset_editor import TestSetEditor
    from desktop.ui.evaluation.testset_model import PAGE
    from desktop.ui.app import configure_loop
    from desktop.ui.tasks import Writer

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    configure_loop(loop)  # the app's worker threads, as run_app sets them
    workspace = Workspace.open(path)
    writer = Writer()
    editor = TestSetEditor(workspace, writer)
    editor.resize(1200, 700)
    editor.show()
    for _ in range(5):
        QCoreApplication.processEvents()

    def run(coro):
        task = asyncio.ensure_future(coro)
        while not task.done():
            QCoreApplication.processEvents()
            time.sleep(0.0005)
        return task.result()

    rss = rss_mb()
    t0 = time.perf_counter()
    run(editor.open_async("big"))
    editor.table.viewport().repaint()
    open_ms = (time.perf_counter() - t0) * 1000
    n = editor.model.rowCount()
    pages = editor.model.pages_read
    print(f"open: {open_ms:.0f} ms to the first painted screen ({n:,} cases; {pages} page(s) of "
          f"{PAGE} cases read: RSS +{rss_mb() - rss:.0f} MB)  target < 300 ms")
    print(f"open before paging (every case read and held, measured on this machine at 100,000 "
          f"cases): {OPEN_BEFORE_MS:,} ms; ratio before/now: {OPEN_BEFORE_MS / open_ms:.0f}x")
    run(editor.columns_task)
    print(f"every case's variables found (json_each, off the GUI thread) "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms after opening began")
    t0 = time.perf_counter()
    editor.table.scrollToBottom()
    editor.table.viewport().repaint()
    print(f"scroll to the last case: {(time.perf_counter() - t0) * 1000:.1f} ms "
          f"({editor.model.pages_read - pages} more page(s) read)")

    index = editor.model.index(n // 2, 0)
    editor.model.setData(index, "أين الطلب؟ edited")
    editor.save_timer.stop()
    t0 = time.perf_counter()
    run(editor.flush())
    new_ms = (time.perf_counter() - t0) * 1000
    print(f"save after editing one case (now: that case only): {new_ms:.1f} ms")

    def timed_save(what: str) -> float:
        editor.save_timer.stop()
        started = time.perf_counter()
        run(editor.flush())
        ms = (time.perf_counter() - started) * 1000
        print(f"save after {what} (now: the order as ids, no case read): {ms:.0f} ms "
              f"({editor.model.pages_read - pages} page(s) read since opening)")
        return ms

    pages = editor.model.pages_read
    editor.table.setCurrentIndex(editor.model.index(0, 0))
    editor.add_empty_case()  # below the first case: every case after it moves down one
    order_ms = [timed_save("inserting a case at the top")]
    editor.model.remove_positions([n // 3])
    order_ms.append(timed_save("deleting a case a third of the way down"))
    editor.model.move(n // 2, 1)
    order_ms.append(timed_save("moving a case in the middle down one"))
    print(f"unread cases still unread: {len(editor.model.unread()):,} of {n + 1:,}")
    rows = [(r.case_id, r.data()) for r in editor.model.rows()]
    t0 = time.perf_counter()
    testset_ops.save_cases(workspace, editor.loaded.id, rows)
    old_ms = (time.perf_counter() - t0) * 1000
    print(f"save of the same edit as before (every case's order and data): {old_ms:.0f} ms")
    print(f"save ratio before/now: {old_ms / new_ms:.0f}x (one edit); "
          f"{old_ms / max(order_ms):.1f}x (insert, delete or move, the slowest)")
    editor.shutdown()
    writer.close()
    editor.close()
    editor.deleteLater()
    QCoreApplication.processEvents()
    workspace.close()
    asyncio.events._set_running_loop(None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big", type=Path, required=True, help="folder of the big workspaces")
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    path = args.big / f"testset-{args.cases}.promptpress"
    if not path.exists():
        args.big.mkdir(parents=True, exist_ok=True)
        build_testset(path, args.cases)
    measure(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
