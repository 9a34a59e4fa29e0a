"""Starting the app: one QApplication, one qasync loop for its lifetime, the window first.

The window is shown before anything slow happens: the workspace opens right after the first
paint, and litellm (seconds to import) loads in a worker thread after that.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()


def configure_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The app's loop: plain worker threads, and exceptions to the one crash handler."""
    from concurrent.futures import ThreadPoolExecutor

    from desktop.ui import crash

    # Plain Python threads for run_in_executor/to_thread: qasync's QThread executor leaves a
    # dummy threading.Thread behind for every worker that touches `threading`.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=8, thread_name_prefix="promptpress"))
    loop.set_exception_handler(crash.loop_exception_handler)


def run_app(workspace: str | os.PathLike[str] | None = None) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import qasync

    from desktop.ui import crash, garbage
    from desktop.ui.main_window import MainWindow
    from storage.workspace.location import default_workspace_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Promptpress")
    app.setOrganizationName("Promptpress")
    app.setApplicationDisplayName("Promptpress")
    crash.install()
    collector = garbage.GuiThreadCollector(app)  # never destroy a Qt object off this thread

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    configure_loop(loop)

    path = Path(workspace) if workspace else default_workspace_path()
    window = MainWindow(path)
    window.resize(1400, 900)

    exit_after_shown = os.environ.get("PROMPTPRESS_EXIT_AFTER_SHOWN") == "1"
    if exit_after_shown:
        # For benchmarks/startup.py: report when the window is on screen, then leave.
        def shown() -> None:
            print(f"shown {time.perf_counter() - _T0:.6f}", flush=True)
            app.quit()

        window.first_shown.connect(lambda: QTimer.singleShot(0, shown))
    else:
        window.first_shown.connect(lambda: QTimer.singleShot(0, window.start))

    window.show()
    with loop:
        app.aboutToQuit.connect(window.shutdown)
        app_close = asyncio.Event()
        app.aboutToQuit.connect(app_close.set)
        loop.run_until_complete(app_close.wait())
    collector.stop()
    return 0
