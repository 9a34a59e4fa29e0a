"""Run the real app on a workspace, make an edit, wait for the autosave, then say READY.

Used by test_drafts.py, which kills this process with SIGKILL after READY and checks that the
draft comes back. Run as: python -m tests.ui.app_driver WORKSPACE PROMPT
"""

from __future__ import annotations

import asyncio
import sys

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QApplication

from desktop.ui import main_window
from desktop.ui.app import run_app

TYPED = " — edited before the crash, مع نص عربي"


def type_text(widget, text: str) -> None:
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, ch))


def script(window, prompt: str) -> None:
    view = window.view

    async def go() -> None:
        await view.wait_loaded()
        tab = await view.open_prompt_async(prompt)
        saved = asyncio.Event()
        view.drafts_saved.connect(lambda _ids: saved.set())
        editor = tab.messages.cards[0].editor
        cursor = editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        editor.setTextCursor(cursor)
        type_text(editor, TYPED)
        type_text(tab.variables.fields["topic"].editor, "green tea")
        await saved.wait()  # the debounced autosave, not a flush at exit
        print("READY", flush=True)

    view.tasks.spawn(go())


def main() -> int:
    workspace, prompt = sys.argv[1], sys.argv[2]
    original = main_window.MainWindow._set_workspace

    def set_workspace(self, ws) -> None:
        original(self, ws)
        script(self, prompt)

    main_window.MainWindow._set_workspace = set_workspace
    return run_app(workspace)


if __name__ == "__main__":
    sys.exit(main())
