"""The main window: menus, the workspace view, and what to do when a workspace will not open."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton,
                               QStackedWidget, QToolButton, QVBoxLayout, QWidget)

from desktop import __version__
from desktop.ui import asking
from desktop.ui.widgets import MessageBar, make_action, on_click, vbox

if TYPE_CHECKING:
    from storage.workspace.db import Workspace

log = logging.getLogger(__name__)
WORKSPACE_FILTER = "Promptpress workspaces (*.promptpress);;All files (*)"


def _open_workspace_file(path: Path) -> tuple["Workspace | None", str | None]:
    """(workspace, None), or (None, what went wrong in words). Runs in a worker thread."""
    from storage.workspace.db import Workspace, WorkspaceError

    try:
        return Workspace.open(path), None
    except WorkspaceError as exc:
        return None, str(exc)


def _copy_sample() -> Path:
    """The sample workspace, built in its own folder on first use. Runs in a worker thread."""
    from desktop.core.ops import sample

    return sample.copy_sample(sample.sample_folder())


def _loop_running() -> bool:
    try:
        return asyncio.get_event_loop().is_running()
    except RuntimeError:
        return False


def _restore_file(backup: Path, target: Path):
    """(Changes, None), or (None, what went wrong). Runs on the workspace thread."""
    from desktop.core.ops import workspace as workspace_ops
    from storage.workspace.backup import BackupError
    from storage.workspace.db import WorkspaceError

    try:
        return workspace_ops.restore(backup, target), None
    except (BackupError, WorkspaceError, OSError) as exc:
        return None, str(exc)


class MessagePage(QWidget):
    """A calm full-window message with actions, for loading and for a workspace that won't open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("pageTitle")
        self.title.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setMaximumWidth(640)
        self.body.setMinimumWidth(420)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addStretch(1)
        for w in (self.title, self.body):
            box.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addSpacing(12)
        box.addLayout(self.buttons)
        box.addStretch(2)

    def show_message(self, title: str, body: str, actions: list[tuple[str, object]] = ()) -> None:
        self.title.setText(title)
        self.body.setText(body)
        while self.buttons.count() > 1:
            item = self.buttons.takeAt(1)
            if item.widget():
                item.widget().deleteLater()
        for label, slot in actions:
            button = QPushButton(label)
            on_click(button.clicked, slot)
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)


class MainWindow(QMainWindow):
    first_shown = Signal()
    workspace_opened = Signal(object)  # Workspace

    def __init__(self, workspace_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace_path = Path(workspace_path)
        self.workspace: Workspace | None = None
        self.view: QWidget | None = None
        self._shown_once = False
        self._closing = False
        self._tasks: set[asyncio.Task] = set()
        # A workspace is opened and closed on this one thread: its file lock (filelock) is
        # thread-local, so a close from another thread would leave the file locked.
        self._workspace_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workspace")

        self.pages = QStackedWidget()
        self.message_page = MessagePage()
        self.pages.addWidget(self.message_page)
        self.home_path: Path | None = None  # the person's own workspace while the sample is open
        self.sample_banner = MessageBar()
        self.sample_banner.setObjectName("sampleBanner")
        self.sample_banner.setStyleSheet(
            "QFrame#sampleBanner { background: #fef3c7; border-bottom: 1px solid #f59e0b; } "
            "QFrame#sampleBanner QLabel { color: #78350f; }")
        for close in self.sample_banner.findChildren(QToolButton):
            close.hide()  # it says where you are for as long as you are there
        central = QWidget()
        vbox(self.sample_banner, (self.pages, 1), margins=(0, 0, 0, 0), spacing=0,
             parent=central)
        self.setCentralWidget(central)
        self.message_page.show_message("Opening your workspace…", str(self.workspace_path))
        self._update_title()
        self._build_menus()
        self.models_status = QLabel("")
        self.statusBar().addPermanentWidget(self.models_status)

    # -- lifecycle -------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.first_shown.emit()

    def start(self) -> None:
        """After the first paint: open the workspace, then warm up the model gateway."""
        self._spawn(self._open_workspace(self.workspace_path))

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        import sys

        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            sys.excepthook(type(exc), exc, exc.__traceback__)

    async def _open_workspace(self, path: Path) -> None:
        self.message_page.show_message("Opening your workspace…", str(path))
        self.pages.setCurrentWidget(self.message_page)
        loop = asyncio.get_running_loop()
        # SQLAlchemy and Alembic load in the worker too: the window never waits for them.
        workspace, problem = await loop.run_in_executor(self._workspace_thread,
                                                        _open_workspace_file, path)
        if problem is not None:
            self._show_workspace_problem(path, problem)
            return
        self._set_workspace(workspace)
        self._spawn(self._warm_up_models())

    def _close_workspace(self) -> None:
        workspace, self.workspace = self.workspace, None
        if workspace is not None:
            self._workspace_thread.submit(workspace.close).result()

    def _set_workspace(self, workspace: Workspace) -> None:
        if self.workspace is not None:
            self._close_view()
            self._close_workspace()
        self.workspace = workspace
        self.workspace_path = workspace.path
        self._update_title()
        self._update_sample_banner()
        self.view = self._make_view(workspace)
        if hasattr(self.view, "sample_requested"):
            self.view.sample_requested.connect(self.open_sample)
        self._install_view_menus(self.view)
        self.pages.addWidget(self.view)
        self.pages.setCurrentWidget(self.view)
        self.statusBar().showMessage(f"Workspace: {workspace.path}", 8000)
        self.workspace_opened.emit(workspace)

    def _make_view(self, workspace: Workspace) -> QWidget:
        from desktop.ui.workspace_view import WorkspaceView

        return WorkspaceView(workspace, self)

    def _install_view_menus(self, view: QWidget) -> None:
        """The view's menus go before Help, its file actions (import, export, back up) into
        File; they leave with the view."""
        self._view_menus = list(getattr(view, "menus", lambda: [])())
        for menu in self._view_menus:
            self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        self._view_file_actions = []
        for action in getattr(view, "file_actions", lambda: [])():
            if action is None:
                action = QAction(self)
                action.setSeparator(True)
            self.file_menu.insertAction(self.action_restore_backup, action)
            self._view_file_actions.append(action)

    def _remove_view_menus(self) -> None:
        for menu in getattr(self, "_view_menus", []):
            self.menuBar().removeAction(menu.menuAction())
        self._view_menus = []
        for action in getattr(self, "_view_file_actions", []):
            self.file_menu.removeAction(action)
        self._view_file_actions = []

    def _close_view(self) -> None:
        if self.view is not None:
            self._remove_view_menus()
            close = getattr(self.view, "shutdown", None)
            if close is not None:
                close()
            self.pages.removeWidget(self.view)
            self.view.deleteLater()
            self.view = None

    async def _warm_up_models(self) -> None:
        from desktop.core import gateway

        self.models_status.setText("Loading model support…")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, gateway.preload)  # seconds: off the GUI thread
        from desktop.core import diff
        await loop.run_in_executor(None, diff.warm_up)  # the first diff then costs no extra
        self.models_status.setText("")

    def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self._close_view()
        self._close_workspace()
        self._workspace_thread.shutdown(wait=True)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.view is not None and hasattr(self.view, "confirm_close") and not self._closing:
            if not self.view.confirm_close():
                event.ignore()
                return
            if _loop_running():
                # Close the model connections first, so nothing is left half-open at exit.
                self._closing = True
                event.ignore()
                self._spawn(self._close_connections_then_close())
                return
        super().closeEvent(event)

    async def _close_connections_then_close(self) -> None:
        from desktop.core import gateway

        try:
            features = getattr(self.view, "features", None)
            if features is not None:
                await features.flush()  # test-set edits still waiting for their save
            if self.view is not None and hasattr(self.view, "cancel_calls"):
                self.view.cancel_calls()
                await asyncio.sleep(0)
            await asyncio.wait_for(gateway.aclose(), 2)
        except (asyncio.TimeoutError, OSError):
            log.warning("model connections did not close in time")
        finally:
            self.close()

    # -- workspace choice -------------------------------------------------------------------
    def _show_workspace_problem(self, path: Path, message: str) -> None:
        self.message_page.show_message(
            "This workspace could not be opened",
            f"{message}\n\n{path}",
            [("Open another workspace…", self.choose_workspace),
             ("Create a new workspace…", self.create_workspace)],
        )
        self.pages.setCurrentWidget(self.message_page)

    def choose_workspace(self) -> None:
        self._spawn(self._ask_workspace())

    async def _ask_workspace(self) -> None:
        name = await asking.open_file(self, "Open workspace", "workspace", WORKSPACE_FILTER)
        if name:
            await self._open_workspace(Path(name))

    def create_workspace(self) -> None:
        self._spawn(self._ask_new_workspace())

    async def _ask_new_workspace(self) -> None:
        name = await asking.save_file(self, "New workspace", "workspace", "prompts.promptpress",
                                      WORKSPACE_FILTER)
        if not name:
            return
        path = Path(name)
        if path.suffix == "":
            path = path.with_suffix(".promptpress")
        if path.exists() and path.stat().st_size > 0:
            # Never overwrite: a new workspace must be a new file.
            asking.tell(self, "Promptpress", f"{path.name} exists already. Choose a new name; "
                        "Promptpress never overwrites a file.")
            return
        await self._open_workspace(path)

    # -- chrome -----------------------------------------------------------------------------
    @property
    def in_sample(self) -> bool:
        from desktop.core.ops.sample import is_sample

        return is_sample(self.workspace_path)

    def _update_title(self) -> None:
        if self.in_sample:
            self.setWindowTitle("Promptpress — SAMPLE workspace (a copy to explore; "
                                "your own work is not here)")
        else:
            self.setWindowTitle(f"Promptpress — {self.workspace_path.stem}")

    def _update_sample_banner(self) -> None:
        if not self.in_sample:
            self.sample_banner.hide()
            return
        from storage.workspace.location import default_workspace_path

        home = self.home_path or default_workspace_path()
        self.sample_banner.show_message(
            "info", "<b>This is the sample workspace</b> — a copy to explore, with prompts, "
            "runs and releases made already. Try anything: your own work is elsewhere.",
            [(f"Back to {home.stem}", self.back_to_workspace)])
        self.sample_banner.show()

    # -- the sample workspace ----------------------------------------------------------------
    def open_sample(self) -> None:
        self._spawn(self.open_sample_async())

    async def open_sample_async(self) -> None:
        """Build (once) and open the sample in a file of its own; the banner leads back."""
        if self.in_sample:
            return
        if self.view is not None and hasattr(self.view, "confirm_close"):
            if not self.view.confirm_close():
                return
        home = self.workspace_path
        self.message_page.show_message("Preparing the sample workspace…",
                                       "A copy of its own, beside your workspace: nothing of "
                                       "yours changes.")
        self.pages.setCurrentWidget(self.message_page)
        from desktop.core.ops.sample import SampleError

        loop = asyncio.get_running_loop()
        try:
            path = await loop.run_in_executor(None, _copy_sample)
        except (OSError, SampleError) as exc:  # a full disk, a read-only folder: say so
            if self.view is not None:
                self.pages.setCurrentWidget(self.view)
            asking.tell(self, "Sample workspace", f"The sample workspace could not be made: "
                        f"{exc}\n\nYour workspace is unchanged.")
            return
        self.home_path = home
        await self._open_workspace(path)

    def back_to_workspace(self) -> None:
        self._spawn(self.back_to_workspace_async())

    async def back_to_workspace_async(self) -> None:
        from storage.workspace.location import default_workspace_path

        if self.view is not None and hasattr(self.view, "confirm_close"):
            if not self.view.confirm_close():
                return
        home, self.home_path = self.home_path or default_workspace_path(), None
        await self._open_workspace(home)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_new_workspace = QAction("&New Workspace…", self)
        self.action_new_workspace.triggered.connect(self.create_workspace)
        self.action_open_workspace = QAction("&Open Workspace…", self)
        self.action_open_workspace.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.action_open_workspace.triggered.connect(self.choose_workspace)
        self.action_quit = QAction("&Quit", self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        self.action_restore_backup = QAction("&Restore Workspace from Backup…", self)
        self.action_restore_backup.triggered.connect(self.choose_backup)
        file_menu.addAction(self.action_new_workspace)
        file_menu.addAction(self.action_open_workspace)
        file_menu.addSeparator()
        file_menu.addAction(self.action_restore_backup)
        file_menu.addSeparator()
        self.file_menu = file_menu
        file_menu.addAction(self.action_quit)
        help_menu = self.menuBar().addMenu("&Help")
        self.help_menu = help_menu
        self.action_guide = make_action(self, "&Getting Started", self.show_guide)
        self.action_shortcuts = make_action(self, "&Keyboard Shortcuts", self.show_shortcuts,
                                            "Ctrl+/")
        self.action_format = make_action(self, "The Prompt &File Format", self.show_format)
        self.action_sample = make_action(self, "Open &Sample Workspace", self.open_sample)
        self.action_about = make_action(self, "&About Promptpress", self._about)
        for action in (self.action_guide, self.action_sample, self.action_shortcuts,
                       self.action_format, None, self.action_about):
            help_menu.addSeparator() if action is None else help_menu.addAction(action)
        self.addAction(self.action_shortcuts)

    # -- restoring a backup -----------------------------------------------------------------
    def choose_backup(self) -> None:
        self._spawn(self._ask_backup())

    async def _ask_backup(self) -> None:
        name = await asking.open_file(self, "Restore workspace from backup", "backup",
                                      WORKSPACE_FILTER)
        if name and await asking.confirm(
                self, "Restore workspace",
                f"Replace the workspace {self.workspace_path.name} with the backup "
                f"{Path(name).name}? The current file is kept beside it, so nothing is lost."):
            await self.restore_backup(Path(name))

    async def restore_backup(self, backup: Path) -> str | None:
        """Close the workspace, put the backup in its place (keeping the old file), reopen it.

        Returns the path of the kept file, or None when nothing was changed.
        """
        if self.view is not None and hasattr(self.view, "confirm_close"):
            if not self.view.confirm_close():
                return None
        target = self.workspace_path
        self._close_view()
        self._close_workspace()
        loop = asyncio.get_running_loop()
        changes, problem = await loop.run_in_executor(self._workspace_thread, _restore_file,
                                                      backup, target)
        await self._open_workspace(target)
        if problem is not None:
            asking.tell(self, "Restore workspace", f"{problem}\n\nThe workspace is unchanged.")
            return None
        self.statusBar().showMessage(changes.message, 15000)
        return str(changes.value.kept) if changes.value.kept else ""

    def show_guide(self) -> None:
        if self.view is not None and hasattr(self.view, "show_guide"):
            self.view.show_guide()

    def show_shortcuts(self) -> None:
        from desktop.ui.help import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_format(self) -> None:
        from desktop.ui.help import FormatDialog

        dialog = FormatDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Promptpress",
            f"<b>Promptpress {__version__}</b><p>Write prompts, compare models side by side, keep "
            "every version, test, and publish signed releases — on your own machine.</p>"
            f"<p>Workspace: {self.workspace_path}</p>",
        )
