"""What the release dialogs share: a destination picker, threads for blocking work, errors."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QLabel, QLayout,
                               QPushButton, QSizePolicy, QWidget)

from ..tasks import TaskSet
from ..widgets import on_click, splitter, vbox

T = TypeVar("T")

FOLDER_OR_URL = ("A folder (shared, synced or local) or an address like "
                 "https://prompts.example.com/acme/")


class DialogWork:
    """One dialog's blocking work (network, keychain, files) on its own Python threads, and
    the coroutines it spawned; `close()` cancels those and lets the threads go."""

    def __init__(self, tasks: TaskSet) -> None:
        self.tasks = tasks
        self.pool: ThreadPoolExecutor | None = None
        self.mine: set[asyncio.Task] = set()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=2,
                                           thread_name_prefix="promptpress-releases")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = self.tasks.spawn(coro)
        self.mine.add(task)
        task.add_done_callback(self.mine.discard)
        return task

    async def wait(self) -> None:
        """Until every coroutine this dialog spawned has ended."""
        while self.mine:
            await asyncio.gather(*list(self.mine), return_exceptions=True)

    def close(self) -> None:
        for task in list(self.mine):
            task.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def user_errors() -> tuple[type[BaseException], ...]:
    from desktop.core.errors import USER_ERRORS
    from desktop.core.releases.errors import RELEASE_USER_ERRORS

    return (*USER_ERRORS, *RELEASE_USER_ERRORS, OSError)


def explain(exc: BaseException) -> str:
    """A user error in words; a refused verification names the threat it stopped."""
    from storage.releases.errors import ReaderError, SourceError

    text = str(exc) or type(exc).__name__
    text = text[0].upper() + text[1:]
    if isinstance(exc, ReaderError) and not isinstance(exc, SourceError):
        text += f" (refused: {exc.threat})"
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename or ''}".rstrip(": ")
    return text if text.endswith((".", ")", "?", "!")) else text + "."


class DestinationPicker(QWidget):
    """Where releases are: an editable list of recent places, and a folder button."""

    chosen = Signal(str)  # a destination was typed (Enter), picked or browsed to

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.lineEdit().setPlaceholderText(FOLDER_OR_URL)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setMinimumContentsLength(30)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setToolTip(FOLDER_OR_URL)
        self.combo.lineEdit().returnPressed.connect(self._emit)
        self.combo.activated.connect(lambda _i: self._emit())
        self.browse = QPushButton("Choose folder…")
        # Enter in the address field opens that address; it must not "click" this button.
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._browse)
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.combo, 1)
        box.addWidget(self.browse)
        self._last = ""

    def set_recent(self, places: list[str]) -> None:
        current = self.text()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(places)
        self.combo.setEditText(current)
        self.combo.blockSignals(False)

    def text(self) -> str:
        return self.combo.currentText().strip()

    def set_text(self, text: str, *, emit: bool = True) -> None:
        self.combo.setEditText(text)
        if emit:
            self._emit()

    def ask_folder(self) -> str | None:
        """The folder dialog (tests replace this)."""
        from .. import asking

        start = self.text() if self.text() and "://" not in self.text() else \
            asking.last_folder("releases")
        folder = QFileDialog.getExistingDirectory(self, "Choose the releases folder", start)
        if folder:
            asking.remember_folder("releases", folder)
        return folder or None

    def _browse(self) -> None:
        folder = self.ask_folder()
        if folder:
            self.set_text(folder)

    def _emit(self) -> None:
        text = self.text()
        if text and text != self._last:
            self._last = text
            self.chosen.emit(text)

    def refresh(self) -> None:
        """Emit again even if unchanged (the user pressed Refresh)."""
        self._last = ""
        self._emit()


def isolate(text: str) -> str:
    """Text from users (names, notes) kept whole inside a sentence, whatever its direction."""
    return f"\u2068{text}\u2069"


def hint(text: str = "", name: str = "hint") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


class ReleaseDialog(QDialog):
    """What the Release menu's dialogs share: the workspace and its writer, this dialog's own
    work (cancelled when it closes) and the two-pane body most of them show."""

    def __init__(self, title: str, name: str, workspace=None, writer=None,
                 tasks: TaskSet | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.workspace = workspace
        self.writer = writer
        self.tasks = tasks if tasks is not None else TaskSet()
        self.work = DialogWork(self.tasks)

    def done(self, result: int) -> None:  # noqa: D102 (closing: stop this dialog's work)
        self.work.close()
        super().done(result)

    def spawn_on_click(self, button, coroutine_fn) -> None:
        """Clicking `button` runs `coroutine_fn()` as this dialog's work."""
        on_click(button.clicked, lambda: self.work.spawn(coroutine_fn()))

    async def write_file(self, path: str, make: Callable[..., bytes], *args: Any,
                         saved: str) -> str | None:
        """Make a file's bytes with `make(*args)` and write them to `path`, off the GUI thread;
        then say `saved`, or what went wrong, in the dialog's `bar`. The path, or None."""
        try:
            data = await self.work.run(make, *args)
            await self.work.run(_write, path, data)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return None
        self.bar.show_message("success", saved)
        return path


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def panes(left: tuple[str, QWidget], right: tuple[str, QWidget] | QLayout,
          stretch: tuple[int, int]):
    """Two titled panes side by side (a heading above each body), resizable."""
    def pane(part):
        if isinstance(part, QLayout):
            return part
        title, body = part
        return vbox(heading(title), (body, 1), margins=0)

    return splitter(pane(left), pane(right), stretch=stretch)
