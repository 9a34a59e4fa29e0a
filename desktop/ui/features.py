"""The menus around the playground: versions, files in and out, backups and releases.

Each action opens a window built elsewhere (`versions/`, `releases/`) and connects it to the
workspace view; the work itself runs on the view's writer thread.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QVBoxLayout, QWidget

from desktop.core.errors import USER_ERRORS

from .widgets import make_action

if TYPE_CHECKING:
    from .workspace_view import WorkspaceView

log = logging.getLogger(__name__)


def _fork_version(workspace, version_pk: int):
    from desktop.core import history

    from storage.workspace.models import Version

    with workspace.session() as session:
        version = session.get(Version, version_pk)
        return history.fork(session, f"{version.prompt.name}@{version.version_id}")


def _saved_content(workspace, version_id: str | None, name: str):
    if not version_id:
        return None
    from storage.workspace import prompts as repo

    with workspace.session() as session:
        return repo.content_of(repo.resolve(session, f"{name}@{version_id}"))


def _export(workspace, directory: str, names: list[str] | None):
    from desktop.core.exchange import export_prompts

    with workspace.session() as session:
        return export_prompts(session, Path(directory), names)


def _import(workspace, paths: list[str]):
    from desktop.core.exchange import import_paths
    from desktop.core.identity import author_name

    return import_paths(workspace, [Path(p) for p in paths], author=author_name())


def _rename(workspace, old: str, new: str, kind: str) -> list[tuple[str, str]]:
    """Rename a prompt or a folder; returns the (old, new) name of every prompt that moved."""
    from desktop.core.identity import author_name
    from storage.workspace import prompts as repo

    with workspace.session() as session:
        if kind == "folder":
            return list(repo.rename_folder(session, old, new, author=author_name()))
        repo.rename_prompt(session, old, new, author=author_name())
        return [(old, new)]


def _delete(workspace, name: str):
    from desktop.core.identity import author_name
    from storage.workspace import prompts as repo

    with workspace.session() as session:
        return repo.delete_prompt(session, name, author=author_name())


def _undelete(workspace, name: str):
    from desktop.core.identity import author_name
    from storage.workspace import prompts as repo

    with workspace.session() as session:
        return repo.undelete_prompt(session, name, author=author_name())


def _backup(workspace, target: str):
    from storage.workspace.backup import backup_workspace

    return backup_workspace(workspace, Path(target), overwrite=True)


class WorkspaceFeatures(QObject):
    """Versions, Files and Release actions for one workspace view."""

    def __init__(self, view: "WorkspaceView") -> None:
        super().__init__(view)
        self.view = view
        self.windows: list[QWidget] = []

        def action(text: str, slot, shortcut: str | None = None) -> QAction:
            a = make_action(view, text, slot, shortcut)
            view.addAction(a)
            return a

        self.a_history = action("&History…", self.show_history, "Ctrl+Shift+H")
        self.a_compare = action("&Compare Draft with Saved Version…", self.compare_with_saved,
                                "Ctrl+Shift+D")
        self.a_import = action("&Import Prompts…", self.import_prompts)
        self.a_export = action("&Export Prompts…", self.export_prompts)
        self.a_backup = action("&Back Up Workspace…", self.backup_workspace)
        view.browser.rename_requested.connect(self.rename)
        view.browser.delete_requested.connect(self.delete)
        self.a_tests = action("&Test Sets and Runs…", self.show_tests, "Ctrl+Shift+T")
        self.a_add_case = action("&Add These Values to a Test Set…", self.add_values_to_test_set)
        self.a_publish = action("&Publish…", self.publish)
        self.a_browse = action("&Browse Releases…", self.browse_releases)
        self.a_review = action("&Review Pending Release…", self.review_pending)
        self.a_keys = action("Signing &Keys…", self.signing_keys)

    def menus(self) -> list[QMenu]:
        versions = QMenu("V&ersions", self.view)
        for a in (self.a_history, self.a_compare, None, self.a_import, self.a_export, None,
                  self.a_backup):
            versions.addSeparator() if a is None else versions.addAction(a)
        test = QMenu("&Test", self.view)
        test.addAction(self.a_tests)
        test.addAction(self.a_add_case)
        release = QMenu("Re&lease", self.view)
        for a in (self.a_publish, self.a_browse, self.a_review, None, self.a_keys):
            release.addSeparator() if a is None else release.addAction(a)
        return [versions, test, release]

    # -- helpers ---------------------------------------------------------------------------
    def _keep(self, window: QWidget) -> None:
        self.windows.append(window)
        window.destroyed.connect(lambda *_: self.windows.remove(window)
                                 if window in self.windows else None)

    def _problem(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self.view, title, str(exc))

    def _tab_or_say(self):
        tab = self.view.current_tab()
        if tab is None:
            QMessageBox.information(self.view, "Promptpress", "Open a prompt first.")
        return tab

    # -- versions --------------------------------------------------------------------------
    def show_history(self) -> None:
        tab = self._tab_or_say()
        if tab is None:
            return
        if not tab.base_version_id:
            QMessageBox.information(self.view, "History",
                                    f"“{tab.name}” has no saved version yet. Save one (Ctrl+S) "
                                    "and its history starts.")
            return
        from .versions import HistoryPanel

        window = QDialog(self.view)
        window.setWindowTitle(f"History — {tab.name}")
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.resize(1200, 800)
        panel = HistoryPanel(self.view.workspace, tab.name, writer=self.view.writer, parent=window)
        box = QVBoxLayout(window)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(panel)
        try:
            panel.set_draft(tab.state().to_content(tab.used), "your draft")
        except USER_ERRORS:
            pass  # a draft that is not valid content yet cannot be compared
        panel.open_version_requested.connect(self.open_version)
        panel.restored.connect(lambda _vid: self.view.tasks.spawn(self.view.refresh_browser()))
        tab.saved.connect(lambda _r, p=panel: p.refresh())
        window.finished.connect(lambda _r: panel.shutdown())
        self._keep(window)
        window.show()

    def open_version(self, version_pk: int) -> None:
        self.view.tasks.spawn(self._open_version(version_pk))

    async def _open_version(self, version_pk: int) -> None:
        seed = await self.view.writer.run(_fork_version, self.view.workspace, version_pk)
        await self.view.open_seed(seed)

    def compare_with_saved(self) -> None:
        tab = self._tab_or_say()
        if tab is not None:
            self.view.tasks.spawn(self._compare(tab))

    async def _compare(self, tab) -> None:
        from .versions import DraftDiffDialog

        try:
            draft = tab.state().to_content(tab.used)
        except USER_ERRORS as exc:
            self._problem("Compare", exc)
            return
        saved = await self.view.writer.run(_saved_content, self.view.workspace,
                                           tab.base_version_id, tab.name)
        dialog = DraftDiffDialog(draft, saved, prompt_name=tab.name, parent=self.view)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep(dialog)
        dialog.show()

    # -- organising ------------------------------------------------------------------------
    def rename(self, path: str, kind: str) -> None:
        from PySide6.QtWidgets import QInputDialog

        what = "folder" if kind == "folder" else "prompt"
        new, ok = QInputDialog.getText(
            self.view, f"Rename {what}",
            f"New name for the {what} “{path}”. Use / for folders: moving is renaming.",
            text=path)
        new = new.strip() if ok else ""
        if new and new != path:
            self.view.tasks.spawn(self._rename(path, new, kind))

    async def _rename(self, old: str, new: str, kind: str) -> None:
        try:
            moved = await self.view.writer.run(_rename, self.view.workspace, old, new, kind)
        except USER_ERRORS as exc:
            self._problem("Rename", exc)
            return
        renamed = dict(moved)
        for tab in self.view.tab_list():
            if tab.name in renamed:  # keep open tabs pointing at the prompt under its new name
                tab.name = renamed[tab.name]
                tab.refresh_now()
                self.view._tab_changed(tab)
                self.view._update_tab_title(tab)
        await self.view.refresh_browser()
        self.view.notice.show_message("info", f"Renamed “{old}” to “{new}”. Its history is kept.")

    def delete(self, name: str) -> None:
        answer = QMessageBox.question(
            self.view, "Delete prompt",
            f"Delete “{name}” and its versions? You can undo this, and until you empty the "
            "trash (`promptpress prompt trash`) nothing is gone for good.")
        if answer == QMessageBox.StandardButton.Yes:
            self.view.tasks.spawn(self._delete(name))

    async def _delete(self, name: str) -> None:
        try:
            await self.view.writer.run(_delete, self.view.workspace, name)
        except USER_ERRORS as exc:
            self._problem("Delete", exc)
            return
        await self.view.refresh_browser()
        self.view.notice.show_message(
            "info", f"Deleted “{name}”.", [("Undo", lambda: self.view.tasks.spawn(self._undelete(name)))])

    async def _undelete(self, name: str) -> None:
        try:
            await self.view.writer.run(_undelete, self.view.workspace, name)
        except USER_ERRORS as exc:
            self._problem("Undo delete", exc)
            return
        await self.view.refresh_browser()
        self.view.notice.show_message("success", f"“{name}” is back, with its history.")

    # -- files and backups -----------------------------------------------------------------
    def import_prompts(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self.view, "Import prompts", str(Path.home()),
            "Prompt files (*.prompt *.prompty);;All files (*)")
        if paths:
            self.view.tasks.spawn(self._import(paths))

    async def _import(self, paths: list[str]) -> None:
        try:
            report = await self.view.writer.run(_import, self.view.workspace, paths)
        except USER_ERRORS as exc:
            self._problem("Import", exc)
            return
        await self.view.refresh_browser()
        lines = [line for file in report.files for line in file.lines()]
        box = QMessageBox(self.view)
        box.setWindowTitle("Import")
        box.setText(f"Imported from {len(report.files)} file(s). Nothing was overwritten.")
        box.setDetailedText("\n".join(lines))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def export_prompts(self) -> None:
        directory = QFileDialog.getExistingDirectory(self.view, "Export prompts to", str(Path.home()))
        if not directory:
            return
        tab = self.view.current_tab()
        names = None
        if tab is not None and tab.base_version_id:
            answer = QMessageBox.question(
                self.view, "Export", f"Export only “{tab.name}”? (No exports every prompt.)")
            names = [tab.name] if answer == QMessageBox.StandardButton.Yes else None
        self.view.tasks.spawn(self._export(directory, names))

    async def _export(self, directory: str, names: list[str] | None) -> None:
        try:
            report = await self.view.writer.run(_export, self.view.workspace, directory, names)
        except USER_ERRORS as exc:
            self._problem("Export", exc)
            return
        count = len(getattr(report, "prompts", []) or [])
        self.view.notice.show_message("info", f"Exported {count} prompt(s) with their history "
                                      f"to {directory}.")

    def backup_workspace(self) -> None:
        suggested = self.view.workspace.path.with_name(self.view.workspace.path.stem + "-backup.promptpress")
        target, _ = QFileDialog.getSaveFileName(self.view, "Back up workspace", str(suggested),
                                                "Promptpress workspaces (*.promptpress)")
        if target:
            self.view.tasks.spawn(self._backup(target))

    async def _backup(self, target: str) -> None:
        try:
            await self.view.writer.run(_backup, self.view.workspace, target)
        except USER_ERRORS as exc:
            self._problem("Back up", exc)
            return
        except OSError as exc:
            self._problem("Back up", f"Could not write {target}: {exc.strerror or exc}. "
                          "Your workspace is unchanged.")
            return
        self.view.notice.show_message("info", f"Backed up the workspace to {target}. Restore it "
                                      "with `promptpress workspace restore FILE`.")

    # -- test sets and runs ----------------------------------------------------------------
    def show_tests(self, page: str = "testsets"):
        tab = self._tab_or_say()
        if tab is None:
            return None
        from .evaluation_window import EvaluationWindow

        window = EvaluationWindow(self.view.workspace, self.view.writer, tab.name, self.view)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep(window)
        window.show()
        window.tasks.spawn(window.load(page))
        return window

    def add_values_to_test_set(self) -> None:
        tab = self.view.current_tab()
        window = self.show_tests()
        if window is not None and tab is not None:
            values = dict(tab.variables.values())
            self.view.tasks.spawn(self._add_case_when_loaded(window, values))

    async def _add_case_when_loaded(self, window, values: dict) -> None:
        import asyncio

        for _ in range(100):  # the editor opens its first test set once loaded
            if window.editor.loaded is not None:
                window.editor.add_case(values)
                return
            await asyncio.sleep(0.05)
        QMessageBox.information(window, "Test sets", "Create a test set first (New test set), "
                                "then add these values to it.")

    # -- releases --------------------------------------------------------------------------
    def _open_dialog(self, dialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep(dialog)
        dialog.open()
        dialog.work.spawn(dialog.load())  # closing the dialog cancels its loading

    def publish(self) -> None:
        from .releases import PublishDialog

        tab = self.view.current_tab()
        prompts = [tab.name] if tab is not None and tab.base_version_id else []
        dialog = PublishDialog(self.view.workspace, self.view.writer, self.view.tasks, self.view,
                               prompts=prompts)
        self._open_dialog(dialog)

    def browse_releases(self) -> None:
        from .releases import ReleasesBrowser

        dialog = ReleasesBrowser(self.view.workspace, self.view.writer, self.view.tasks, self.view)
        dialog.pulled.connect(lambda *_: self.view.tasks.spawn(self.view.refresh_browser()))
        self._open_dialog(dialog)

    def review_pending(self) -> None:
        from .releases import ReviewDialog

        self._open_dialog(ReviewDialog(self.view.workspace, self.view.writer, self.view.tasks, self.view))

    def signing_keys(self) -> None:
        from .releases import KeysDialog

        self._open_dialog(KeysDialog(self.view.tasks, self.view))

    def shutdown(self) -> None:
        for window in list(self.windows):
            window.close()
