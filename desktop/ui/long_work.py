"""Long work in another thread, shown in a small progress window that can cancel it.

The window is not modal: the person goes on working while a backup copies a gigabyte. The
work reports from its thread through `report(done, total)` (a plain assignment, read by a
timer on the GUI thread ten times a second) and polls `cancelled()`; nothing it does touches
a widget. Work that ends within half a second never shows the window at all.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

T = TypeVar("T")

SHOW_AFTER_MS = 500


class LongWork:
    """`await LongWork(parent, title, label).run(lambda report, cancelled: ...)`: the callable
    returns an awaitable (e.g. `asyncio.to_thread(fn, ..., progress=report,
    cancelled=cancelled)`); `describe(done, total)` words the progress (default: megabytes)."""

    def __init__(self, parent: QWidget | None, title: str, label: str, *,
                 describe: Callable[[int, int], str] | None = None) -> None:
        self.label = label
        self.describe = describe or _megabytes
        self._done = self._total = 0
        self._cancel = threading.Event()
        self.dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
        self.dialog.setObjectName("longWork")
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)
        self.timer = QTimer(self.dialog)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._show)

    # -- from the work's thread ----------------------------------------------------------
    def report(self, done: int, total: int) -> None:
        self._done, self._total = done, total

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    # -- on the GUI thread ---------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()
        self.dialog.setLabelText("Cancelling…")

    async def run(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]],
                                       Awaitable[T]]) -> T:
        self.dialog.setValue(0)  # starts the minimum-duration clock
        self.timer.start()
        try:
            return await work(self.report, self.cancelled)
        except asyncio.CancelledError:  # the window is closing: the thread stops too
            self._cancel.set()
            raise
        finally:
            self.timer.stop()
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()

    def _show(self) -> None:
        if self._cancel.is_set():
            return
        done, total = self._done, self._total
        if total <= 0:
            return
        scale = max(1, total // 1_000_000)  # QProgressDialog counts in int
        self.dialog.setMaximum(max(1, total // scale))
        self.dialog.setValue(min(done, total) // scale)
        self.dialog.setLabelText(f"{self.label}\n{self.describe(done, total)}")


def _megabytes(done: int, total: int) -> str:
    if done >= total:
        return f"{total / 1_000_000:,.1f} MB copied; checking the copy…"
    return f"{done / 1_000_000:,.1f} of {total / 1_000_000:,.1f} MB"
