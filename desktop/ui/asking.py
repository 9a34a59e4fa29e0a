"""Questions, notes and file choosers that never nest an event loop inside a running task.

`QMessageBox.question(...)` and `dialog.exec()` run a second event loop. Called from a coroutine,
that loop wakes other tasks while the first is still executing, and asyncio refuses them ("Cannot
enter into task ... while another task is being executed"): a streaming column or an autosave
would stall for good. So coroutines `await` these instead: each opens its dialog window-modal
(`open()`) and resumes when it is answered. From a plain slot they work the same way when
spawned; `tell()` needs no awaiting at all.

File choosers start in the folder last used for the same purpose, else the user's home.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

Button = QMessageBox.StandardButton


def dispose(dialog: QWidget) -> None:
    """Delete a dialog after use, unless it went already with the window it belonged to."""
    import shiboken6

    if shiboken6.isValid(dialog):
        dialog.deleteLater()


async def run_dialog(dialog: QDialog) -> int:
    """Open `dialog` window-modal and wait for its result (Accepted/Rejected or a button).

    Cancelling the waiting task closes the dialog.
    """
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[int] = loop.create_future()

    def finished(result: int) -> None:
        if not answered.done():
            answered.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answered
    finally:
        import shiboken6

        if not answered.done() and shiboken6.isValid(dialog):
            dialog.reject()


async def question(parent: QWidget | None, title: str, text: str,
                   buttons: Button = Button.Yes | Button.No, default: Button = Button.No, *,
                   icon: QMessageBox.Icon = QMessageBox.Icon.Question,
                   informative: str = "") -> Button:
    box = QMessageBox(icon, title, text, buttons, parent)
    box.setDefaultButton(default)
    if informative:
        box.setInformativeText(informative)
    try:
        await run_dialog(box)
        clicked = box.clickedButton()
        return box.standardButton(clicked) if clicked is not None else Button.Cancel
    finally:
        dispose(box)


async def confirm(parent: QWidget | None, title: str, text: str, *,
                  default_yes: bool = False) -> bool:
    answer = await question(parent, title, text, default=Button.Yes if default_yes else Button.No)
    return answer == Button.Yes


def tell(parent: QWidget | None, title: str, text: str, kind: str = "warning",
         details: str = "") -> QMessageBox:
    """A note the user dismisses; shown at once, nothing waits for it."""
    icon = {"warning": QMessageBox.Icon.Warning, "error": QMessageBox.Icon.Critical,
            "info": QMessageBox.Icon.Information}.get(kind, QMessageBox.Icon.Information)
    box = QMessageBox(icon, title, text, Button.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


async def text(parent: QWidget | None, title: str, label: str, value: str = "", *,
               password: bool = False) -> str | None:
    """The text typed, or None if cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(value)
    if password:
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    try:
        result = await run_dialog(dialog)
        return dialog.textValue() if result == QDialog.DialogCode.Accepted else None
    finally:
        dispose(dialog)


# -- files ----------------------------------------------------------------------------------

def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Promptpress",
                     "Promptpress")


def last_folder(purpose: str) -> str:
    """Where the chooser for `purpose` was last used, else the user's home folder."""
    folder = _settings().value(f"folders/{purpose}", "", str)
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(purpose: str, path: str) -> None:
    folder = path if Path(path).is_dir() else str(Path(path).parent)
    _settings().setValue(f"folders/{purpose}", folder)


async def _choose(parent: QWidget | None, caption: str, purpose: str, filters: str,
                  mode: QFileDialog.FileMode, accept: QFileDialog.AcceptMode,
                  suggested: str = "") -> list[str]:
    start = last_folder(purpose)
    if suggested:
        start = suggested if Path(suggested).is_absolute() else str(Path(start) / suggested)
    dialog = QFileDialog(parent, caption, start, filters)
    dialog.setFileMode(mode)
    dialog.setAcceptMode(accept)
    if mode == QFileDialog.FileMode.Directory:
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    try:
        if await run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return []
        chosen = dialog.selectedFiles()
    finally:
        dispose(dialog)
    if chosen:
        remember_folder(purpose, chosen[0])
    return chosen


async def open_file(parent: QWidget | None, caption: str, purpose: str,
                    filters: str = "All files (*)") -> str | None:
    chosen = await _choose(parent, caption, purpose, filters, QFileDialog.FileMode.ExistingFile,
                           QFileDialog.AcceptMode.AcceptOpen)
    return chosen[0] if chosen else None


async def open_files(parent: QWidget | None, caption: str, purpose: str,
                     filters: str = "All files (*)") -> list[str]:
    return await _choose(parent, caption, purpose, filters, QFileDialog.FileMode.ExistingFiles,
                         QFileDialog.AcceptMode.AcceptOpen)


async def save_file(parent: QWidget | None, caption: str, purpose: str, suggested: str = "",
                    filters: str = "All files (*)") -> str | None:
    """A path to write; `suggested` is a file name (in the last-used folder) or a full path."""
    chosen = await _choose(parent, caption, purpose, filters, QFileDialog.FileMode.AnyFile,
                           QFileDialog.AcceptMode.AcceptSave, suggested)
    return chosen[0] if chosen else None


async def folder(parent: QWidget | None, caption: str, purpose: str) -> str | None:
    chosen = await _choose(parent, caption, purpose, "", QFileDialog.FileMode.Directory,
                           QFileDialog.AcceptMode.AcceptOpen)
    return chosen[0] if chosen else None
