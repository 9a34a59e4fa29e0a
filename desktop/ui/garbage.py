"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed:
the workspace's writer thread, a worker of the loop's executor, a backup's thread. A Qt object
(a closed dialog, a widget held in a cycle by a lambda) found garbage there is destroyed in that
thread while the GUI thread may still be delivering its events, and the app crashes later, in
the event loop, far from the cause. So the app turns automatic collection off and collects on
the GUI thread instead, with the same thresholds, from a timer (as pyqtgraph's
GarbageCollector does). Code that calls `gc.collect()` itself is unaffected.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500

_threshold: tuple[int, int, int] | None = None  # gc's thresholds, when this module took over


def take_over() -> None:
    """Turn automatic collection off; `collect_due` does it instead. Call on the GUI thread."""
    global _threshold
    if _threshold is None:
        _threshold = gc.get_threshold()
        gc.disable()


def give_back() -> None:
    global _threshold
    if _threshold is not None:
        _threshold = None
        gc.enable()


def collect_due() -> int:
    """Collect the generations whose counts passed their thresholds, as automatic collection
    would have; the number of objects found unreachable. Only on the thread that took over."""
    if _threshold is None or threading.current_thread() is not threading.main_thread():
        return 0
    first, second, third = _threshold
    young, middle, old = gc.get_count()
    found = 0
    if young > first:
        found += gc.collect(0)
        if middle > second:
            found += gc.collect(1)
            if old > third:
                found += gc.collect(2)
    return found


class GuiThreadCollector(QObject):
    """The timer that runs `collect_due` on the GUI thread for the app's lifetime."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        take_over()
        self.timer = QTimer(self)
        self.timer.setObjectName("guiThreadCollector")
        self.timer.timeout.connect(collect_due)
        self.timer.start(interval_ms)

    def stop(self) -> None:
        self.timer.stop()
        give_back()
