"""One place where bugs land: `sys.excepthook` logs them and shows a crash dialog.

qasync's `asyncSlot` and the asyncio loop's exception handler forward here too, so nothing fails
silently. Errors a user can act on never come here: they are shown where they happen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

log = logging.getLogger("promptpress.crash")

# Tests replace this to turn bugs into failures instead of dialogs.
Reporter = Callable[[type[BaseException], BaseException, TracebackType | None], None]
_reporter: Reporter | None = None
_showing = False


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter


def excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    log.error("Unexpected error", exc_info=(exc_type, exc, tb))
    if _reporter is not None:
        _reporter(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    # Show the dialog from the event loop, never from inside whatever was running.
    QTimer.singleShot(0, lambda: show_crash_dialog(details))


def show_crash_dialog(details: str) -> None:
    global _showing
    if _showing or QApplication.instance() is None:
        print(details, file=sys.stderr)
        return
    _showing = True
    try:
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Promptpress — something went wrong")
        box.setText(
            "Promptpress ran into a problem it did not expect.\n\n"
            "Your prompts, drafts and results are saved in the workspace as you go, so nothing "
            "you made is lost. You can keep working; if it happens again, please send the "
            "details below to the Promptpress team."
        )
        box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.exec()
    finally:
        _showing = False


def loop_exception_handler(loop, context: dict) -> None:
    """asyncio's handler: exceptions from tasks and callbacks go to the one excepthook."""
    exc = context.get("exception")
    if exc is None:
        log.error("asyncio: %s", context.get("message"))
        return
    sys.excepthook(type(exc), exc, exc.__traceback__)


def install() -> None:
    sys.excepthook = excepthook
