"""The menus around the playground: versions, files in and out, backups and releases.

Over 500 lines on purpose: one QObject holds every menu action that needs the workspace view and
its writer thread; each action is a short slot that opens a window built in its own package.

Each action opens a window built elsewhere (`versions/`, `releases/`) and connects it to the
workspace view; the work itself runs on the view's writer thread.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QVBoxLayout, QWidget

from desktop.core.errors import USER_ERRORS
from desktop.core.ops import prompts as prompt_ops
from desktop.core.ops import workspace as workspace_ops

from . import asking, older_hits
from .tasks import delete_when_done
from .widgets import make_action, menu, resize_within

log = logging.getLogger(__name__)


class WorkspaceFeatures(QObject):
    """Versions, Files and Release actions for one workspace view."""

    def __init__(self, view) -> None:  # the WorkspaceView (which imports this module)
        super().__init__(view)
        self.view = view
        self.windows: list[QWidget] = []  # open
        self.closing: list[QWidget] = []  # closed, deleted once their work has ended

        def action(text: str, slot, shortcut: str | None = None) -> QAction:
            a = make_action(view, text, slot, shortcut)
            view.addAction(a)
            return a

        self.a_history = action("&History…", self.show_history, "Ctrl+Shift+H")
        self.a_compare = action("&Compare Draft with Saved Version…", self.compare_with_saved,
                                "Ctrl+Shift+D")
        self.a_import = action("&Import Prompts…", self.import_prompts, "Ctrl+I")
        self.a_export = action("&Export Prompts…", self.export_prompts)
        self.a_backup = action("&Back Up Workspace…", self.backup_workspace)
        self.a_compact = action("&Compact Workspace…", self.compact_workspace)
        view.browser.rename_requested.connect(self.rename)
        view.browser.delete_requested.connect(self.delete)
        self.a_tests = action("&Test Sets and Runs…", self.show_tests, "Ctrl+Shift+T")
        self.a_add_case = action("&Add These Values to a Test Set…", self.add_values_to_test_set)
        self.a_suggest = action("&Suggestions…", self.show_suggestions, "Ctrl+Shift+G")
        self.a_publish = action("&Publish…", self.publish)
        self.a_browse = action("&Browse Releases…", self.browse_releases)
        self.a_review = action("&Review Pending Release…", self.review_pending)
        self.a_keys = action("Signing &Keys…", self.signing_keys)
        self.a_logs = action("&Logs…", lambda: self.open_logs(), "Ctrl+Shift+L")
        self.a_prompt_logs = action("Logs of This P&rompt…", self.show_prompt_logs)
        self.a_pull_logs = action("P&ull Logs…", self.pull_logs)
        view.browser.logs_requested.connect(lambda name: self.open_logs(prompt=name))
        view.browser.search_requested.connect(self.search_versions)
        view.browser.version_requested.connect(self.show_history_at)
        self.a_monitors = action("&Monitors…", lambda: self.open_monitors(), "Ctrl+Alt+M")
        self.a_prompt_monitors = action("Monitors of This Pro&mpt…", self.show_prompt_monitors)
        self.a_finetune = action("Export &Fine-Tuning Data…", lambda: self.open_finetune())

    def file_actions(self) -> list[QAction | None]:
        """For the main window's File menu (None is a separator)."""
        return [self.a_import, self.a_export, None, self.a_backup, self.a_compact]

    def menus(self) -> list[QMenu]:
        versions = menu("V&ersions", self.view, self.a_history, self.a_compare)
        test = menu("&Test", self.view, self.a_tests, self.a_add_case, None,
                    self.a_suggest)
        release = menu("Re&lease", self.view, self.a_publish, self.a_browse, self.a_review, None,
                       self.a_logs, self.a_prompt_logs, self.a_pull_logs, None,
                       self.a_monitors, self.a_prompt_monitors, self.a_finetune, None,
                       self.a_keys)
        return [versions, test, release]

    # -- helpers ---------------------------------------------------------------------------
    def _keep(self, window: QWidget) -> None:
        """Keep `window` while it is open. Once closed it leaves `windows` at once (it is never
        shown again: reopening makes a new one, even while the closed one still winds down its
        work) and stays referenced in `closing` until it is deleted."""
        self.windows.append(window)

        def closed(_result=None) -> None:
            if window in self.windows:
                self.windows.remove(window)
                self.closing.append(window)

        def destroyed(*_) -> None:
            for kept in (self.windows, self.closing):
                if window in kept:
                    kept.remove(window)

        if hasattr(window, "finished"):
            window.finished.connect(closed)
        window.destroyed.connect(destroyed)

    def _open(self, window, loading):
        """Show a window that has its own tasks: kept while open, deleted once closed and its
        tasks are done, `loading` (a coroutine) filling it."""
        window.finished.connect(lambda _r: self.view.tasks.spawn(self._wind_down(window)))
        self._keep(window)
        window.show()
        window.tasks.spawn(loading)
        return window

    async def _wind_down(self, window) -> None:
        """Delete the closed `window` once its work has ended; the windows open on the same
        prompt then read again what that work left (e.g. a run it stopped, now resumable)."""
        prompt = getattr(window, "prompt_name", None)
        kind = type(window)
        await delete_when_done(window, window.tasks.wait)
        for other in list(self.windows):
            if (type(other) is kind and getattr(other, "prompt_name", None) == prompt
                    and hasattr(other, "refresh_runs")):
                other.refresh_runs()

    def _problem(self, title: str, exc: BaseException | str) -> None:
        asking.tell(self.view, title, str(exc))

    async def _change(self, title: str, op, *args):
        """Run the operation `op(workspace, *args)` on the writer and show what it changed; if
        the request fails, say why under `title`. Its Changes, or None."""
        try:
            changes = await self.view.writer.run(op, self.view.workspace, *args)
        except USER_ERRORS as exc:
            self._problem(title, exc)
            return None
        await self.view.apply(changes)
        return changes

    def _tab_or_say(self):
        tab = self.view.current_tab()
        if tab is None:
            asking.tell(self.view, "Promptpress", "Open a prompt first: pick one in the list on "
                        "the left, or start a new one (Ctrl+N).", "info")
        return tab

    def _saved_tab_or_say(self, title: str, after_save: str):
        """The current tab if its prompt has a saved version; if it has none, say so under
        `title` ("… Save one (Ctrl+S)" and `after_save`) and return None."""
        tab = self._tab_or_say()
        if tab is not None and not tab.base_version_id:
            asking.tell(self.view, title, f"“{tab.name}” has no saved version yet. Save one "
                        f"(Ctrl+S){after_save}", "info")
            return None
        return tab

    # -- versions --------------------------------------------------------------------------
    def show_history(self):
        """The History window of the current tab's prompt; its panel, or None."""
        tab = self._saved_tab_or_say("History", " and its history starts.")
        if tab is None:
            return None
        from .versions import HistoryPanel

        window = QDialog(self.view)
        window.setWindowTitle(f"History — {tab.name}")
        resize_within(window, 1200, 800)
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
        window.finished.connect(lambda _r: self.view.tasks.spawn(
            delete_when_done(window, panel.tasks.wait)))
        self._keep(window)
        window.show()
        return panel

    def search_versions(self, query: str) -> None:
        """Every version and note, in a thread (a read; saves go on meanwhile)."""
        self.view.tasks.spawn(self._search_versions(query))

    async def _search_versions(self, query: str) -> None:
        try:
            hits = await asyncio.to_thread(prompt_ops.search, self.view.workspace, query,
                                           limit=older_hits.LIMIT)
        except USER_ERRORS as exc:
            log.warning("search of earlier versions failed: %s", exc)
            return
        self.view.browser.set_older_hits(query, hits)

    def show_history_at(self, name: str, version_id: str) -> None:
        self.view.tasks.spawn(self._show_history_at(name, version_id))

    async def _show_history_at(self, name: str, version_id: str) -> None:
        """Open the prompt, then its history with that version selected (and its diff shown)."""
        await self.view.open_prompt_async(name)
        panel = self.show_history()
        if panel is None or not version_id:
            return

        def select_once() -> None:  # later reloads keep what the person selects
            panel.loaded.disconnect(select_once)
            panel.select_versions(version_id)

        panel.loaded.connect(select_once)

    def open_version(self, version_pk: int) -> None:
        self.view.tasks.spawn(self._open_version(version_pk))

    async def _open_version(self, version_pk: int) -> None:
        changes = await self.view.writer.run(prompt_ops.fork, self.view.workspace, version_pk)
        await self.view.open_seed(changes.value)

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
        saved = None
        if tab.base_version_id:
            saved = await self.view.writer.run(prompt_ops.content, self.view.workspace,
                                               f"{tab.name}@{tab.base_version_id}")
        dialog = DraftDiffDialog(draft, saved, prompt_name=tab.name, parent=self.view)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep(dialog)
        dialog.show()

    # -- organising ------------------------------------------------------------------------
    def rename(self, path: str, kind: str) -> None:
        self.view.tasks.spawn(self._ask_rename(path, kind))

    async def _ask_rename(self, path: str, kind: str) -> None:
        what = "folder" if kind == "folder" else "prompt"
        new = await asking.text(
            self.view, f"Rename {what}",
            f"New name for the {what} “{path}”. Use / for folders: moving is renaming.", path)
        new = (new or "").strip()
        if new and new != path:
            await self._rename(path, new, kind)

    async def _rename(self, old: str, new: str, kind: str) -> None:
        changes = await self._change("Rename", prompt_ops.rename, old, new)
        if changes is not None:
            self.view.notice.show_message("info", changes.message)

    def delete(self, name: str) -> None:
        self.view.tasks.spawn(self._ask_delete(name))

    async def _ask_delete(self, name: str) -> None:
        if await asking.confirm(
                self.view, "Delete prompt",
                f"Delete “{name}” and its versions? You can undo this: until you empty the trash "
                "nothing is gone for good."):
            await self._delete(name)

    async def _delete(self, name: str) -> None:
        changes = await self._change("Delete", prompt_ops.delete, name)
        if changes is not None:
            self.view.notice.show_message(
                "info", changes.message,
                [("Undo", lambda: self.view.tasks.spawn(self._undelete(name)))])

    async def _undelete(self, name: str) -> None:
        changes = await self._change("Undo delete", prompt_ops.undelete, name)
        if changes is not None:
            self.view.notice.show_message("success", changes.message)

    # -- files and backups -----------------------------------------------------------------
    def import_prompts(self) -> None:
        self.view.tasks.spawn(self._ask_import())

    async def _ask_import(self) -> None:
        paths = await asking.open_files(
            self.view, "Import prompts", "import",
            "Prompt files (*.prompt *.prompty *.json *.jsonl *.yaml *.yml);;All files (*)")
        if paths:
            await self._import(paths)

    async def _import(self, paths: list[str]) -> None:
        changes = await self._change("Import", workspace_ops.import_files, paths)
        if changes is None:
            return
        lines = [line for file in changes.value.files for line in file.lines()]
        asking.tell(self.view, "Import", changes.message, "info", details="\n".join(lines))

    def export_prompts(self) -> None:
        self.view.tasks.spawn(self._ask_export())

    async def _ask_export(self) -> None:
        directory = await asking.folder(self.view, "Export prompts to", "export")
        if not directory:
            return
        tab = self.view.current_tab()
        names = None
        if tab is not None and tab.base_version_id:
            answer = await asking.question(
                self.view, "Export", f"Export only “{tab.name}”? (No exports every prompt.)",
                asking.Button.Yes | asking.Button.No | asking.Button.Cancel, asking.Button.Yes)
            if answer == asking.Button.Cancel:
                return
            names = [tab.name] if answer == asking.Button.Yes else None
        await self._export(directory, names)

    async def _export(self, directory: str, names: list[str] | None) -> None:
        try:
            changes = await self.view.writer.run(workspace_ops.export, self.view.workspace,
                                                 directory, names)
        except USER_ERRORS as exc:
            self._problem("Export", exc)
            return
        self.view.notice.show_message("info", changes.message)

    def backup_workspace(self) -> None:
        self.view.tasks.spawn(self._ask_backup())

    async def _ask_backup(self) -> None:
        suggested = self.view.workspace.path.stem + "-backup.promptpress"
        target = await asking.save_file(self.view, "Back up workspace", "backup", suggested,
                                        "Promptpress workspaces (*.promptpress)")
        if target:
            await self._backup(target)

    async def _backup(self, target: str) -> None:
        from .long_work import LongWork

        # In a thread of its own, not the writer's: a backup only reads (one snapshot), so the
        # app goes on saving while a large workspace is copied.
        work = LongWork(self.view, "Back up workspace",
                        f"Backing up the workspace to {Path(target).name}…")
        try:
            changes = await work.run(lambda report, cancelled: asyncio.to_thread(
                workspace_ops.back_up, self.view.workspace, target, progress=report,
                cancelled=cancelled))
        except workspace_ops.BackupCancelled as exc:
            self.view.notice.show_message("info", str(exc))
            return
        except USER_ERRORS as exc:
            self._problem("Back up", exc)
            return
        except OSError as exc:
            self._problem("Back up", f"Could not write {target}: {exc.strerror or exc}. "
                          "Your workspace is unchanged.")
            return
        info = changes.value
        text = f"{changes.message} Restore it with File → Restore Workspace from Backup…"
        actions = []
        if workspace_ops.worth_compacting(info):
            text += (f" The workspace holds {info.reclaimable / 1_000_000:,.1f} MB of space "
                     "left free by deleted work: compacting gives it back.")
            actions = [("Compact Workspace…", self.compact_workspace)]
        self.view.notice.show_message("info", text, actions)

    def compact_workspace(self) -> None:
        self.view.tasks.spawn(self._compact())

    async def _compact(self) -> None:
        # On the writer thread: no write of the app's interleaves with the VACUUM, and the GUI
        # stays live (its reads go through their own connections).
        from .long_work import LongWork

        work = LongWork(self.view, "Compact workspace", "Compacting the workspace… Saves wait "
                        "until it ends; cancelling leaves the workspace as it was.")
        try:
            changes = await work.run(lambda _report, cancelled: self.view.writer.run(
                workspace_ops.compact, self.view.workspace, cancelled=cancelled))
        except USER_ERRORS as exc:
            if work.cancelled():
                self.view.notice.show_message("info", str(exc))
            else:
                self._problem("Compact", exc)
            return
        self.view.notice.show_message("info", changes.message)

    # -- test sets and runs ----------------------------------------------------------------
    def show_tests(self) -> None:
        self.open_tests()

    def open_tests(self, page: str = "testsets", test_set: str | None = None,
                   prompt: str | None = None):
        """The Test window of `prompt` (else the current prompt's), on `page`; returns it
        (None: no prompt open)."""
        name = prompt
        if name is None:
            tab = self._tab_or_say()
            if tab is None:
                return None
            name = tab.name
        from .evaluation_window import EvaluationWindow

        for window in self.windows:  # one window per prompt: bring it forward
            if isinstance(window, EvaluationWindow) and window.prompt_name == name:
                window.show()
                window.raise_()
                window.activateWindow()
                window.tasks.spawn(window.load(page, test_set))
                return window
        window = EvaluationWindow(self.view.workspace, self.view.writer, name, self.view)
        return self._open(window, window.load(page, test_set))

    def show_suggestions(self):
        """The advisor's Suggestions window for the current prompt's saved version."""
        tab = self._saved_tab_or_say("Suggestions", ": suggestions are proved against a version.")
        if tab is None:
            return None
        from .advisor import SuggestionsDialog

        dialog = SuggestionsDialog(self.view.workspace, f"{tab.name}@{tab.base_version_id}",
                                   self.view)
        dialog.draft_requested.connect(lambda seed: self.view.tasks.spawn(
            self.view.open_seed(seed)))
        dialog.run_requested.connect(lambda run_id, name=tab.name: self.show_run(name, run_id))
        return self._open(dialog, dialog.load())

    def show_run(self, prompt_name: str, run_id: int) -> None:
        """Open a run in the Test window's run grid (the proof behind a suggestion)."""
        tab = self.view.tab_for(prompt_name)
        if tab is not None:
            self.view.tabs.setCurrentWidget(tab)
        window = self.open_tests("run")
        if window is not None:
            window.grid.open_run(run_id)

    def add_values_to_test_set(self) -> None:
        tab = self._tab_or_say()
        if tab is not None:
            self.view.tasks.spawn(self._add_values(tab))

    async def _add_values(self, tab) -> None:
        from desktop.core.ops import testsets as testset_ops

        from .evaluation.add_case_dialog import AddCaseDialog

        await tab.refresh()
        values = {name: tab.variables.values().get(name, "") for name in tab.used}
        sets = await self.view.writer.run(testset_ops.choices, self.view.workspace, tab.name)
        dialog = AddCaseDialog(tab.name, values, tab.primary_answer(), sets, self.view)
        try:
            if await asking.run_dialog(dialog) != QDialog.DialogCode.Accepted:
                return
            name, new, expected = dialog.choice()
        finally:
            asking.dispose(dialog)
        editor = self._open_editor_of(name)
        if editor is not None:  # that set is open for editing: add it there, undoably
            editor.add_case(values, expected)
            count = editor.model.rowCount()
        else:
            try:
                changes = await self.view.writer.run(
                    testset_ops.add_case, self.view.workspace, name, values, expected,
                    create_for=tab.name if new else None)
            except USER_ERRORS as exc:
                self._problem("Add to a test set", exc)
                return
            count = changes.value
        self.view.notice.show_message(
            "success", f"Added case {count} to the test set “{name}”"
            + (" with the answer as expected output." if expected is not None else "."),
            [("Open the test set", lambda: self.open_tests("testsets", name))])

    def _open_editor_of(self, name: str):
        from .evaluation_window import EvaluationWindow

        for window in self.windows:
            if (isinstance(window, EvaluationWindow) and window.editor.loaded is not None
                    and window.editor.loaded.name == name):
                return window.editor
        return None

    # -- releases --------------------------------------------------------------------------
    def _open_dialog(self, dialog) -> None:
        self._keep(dialog)
        # Closing cancels the dialog's work (its done()); it is deleted once that has ended.
        dialog.finished.connect(lambda _r: self.view.tasks.spawn(
            delete_when_done(dialog, dialog.work.wait)))
        dialog.open()
        dialog.work.spawn(dialog.load())

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

        self._open_dialog(ReviewDialog(self.view.workspace, self.view.writer, self.view.tasks,
                                       self.view))

    def signing_keys(self) -> None:
        from .releases import KeysDialog

        self._open_dialog(KeysDialog(self.view.tasks, self.view))

    # -- logs ------------------------------------------------------------------------------
    def open_logs(self, *, prompt: str | None = None, pks=None):
        """The Logs window (of one prompt, or only the calls `pks`); returns it."""
        from .logs import LogsWindow

        window = LogsWindow(self.view.workspace, self.view.writer, self.view, prompt=prompt,
                            pks=tuple(pks) if pks is not None else None)
        window.playground_requested.connect(
            lambda seed: self.view.tasks.spawn(self._open_logged(seed)))
        window.test_set_filled.connect(
            lambda prompt_name, name: self.open_tests("testsets", name, prompt=prompt_name or None))
        return self._open(window, window.load())

    def show_prompt_logs(self) -> None:
        tab = self._tab_or_say()
        if tab is not None:
            self.open_logs(prompt=tab.name)

    def pull_logs(self) -> None:
        self.open_logs().pull_logs()

    # -- monitors ---------------------------------------------------------------------------
    def open_monitors(self, *, prompt: str | None = None):
        """The Monitors window (of one prompt, or all); returns it."""
        from .monitors import MonitorsWindow

        window = MonitorsWindow(self.view.workspace, self.view.writer, self.view, prompt=prompt)
        window.logs_requested.connect(lambda pks: self.open_logs(pks=pks))
        window.finetune_requested.connect(
            lambda name: self.open_finetune(prompt=prompt, monitor=name or None))
        window.alerts_changed.connect(lambda _n: self.view.tasks.spawn(self.refresh_alerts()))
        return self._open(window, window.load())

    def show_prompt_monitors(self) -> None:
        tab = self._tab_or_say()
        if tab is not None:
            self.open_monitors(prompt=tab.name)

    def open_finetune(self, *, prompt: str | None = None, monitor: str | None = None):
        from storage.workspace import testsets

        from .monitors import FinetuneDialog

        with self.view.workspace.session() as session:
            names = tuple(t.name for t, _ in testsets.list_test_sets(session))
        dialog = FinetuneDialog(self.view.workspace, self.view, prompt=prompt, monitor=monitor,
                                test_sets=names)
        return self._open(dialog, dialog.refresh())

    async def refresh_alerts(self) -> None:
        """Badge the prompts that have an open monitor alert in the prompt list."""
        from desktop.core.ops import monitors as monitor_ops

        alerts = await self.view.writer.run(monitor_ops.alerts, self.view.workspace)
        names = {a.target for a in alerts if not a.target.endswith("/")}
        folders = [a.target for a in alerts if a.target.endswith("/")]
        if folders:
            entries = getattr(self.view.browser, "_entries", [])
            names |= {e.name for e in entries if any(e.name.startswith(f) for f in folders)}
        self.view.browser.set_alerts(names)

    async def _open_logged(self, seed) -> None:
        """A logged call in the playground: its version as a new tab, its variables filled."""
        import json

        tab = await self.view.open_seed(seed.draft)
        tab.fill_values({k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                         for k, v in seed.variables.items()})
        self.view.window().activateWindow()

    # -- releases about to expire ---------------------------------------------------------
    async def check_expiring(self) -> list:
        """Say so when a live release this workspace published is about to be refused by
        readers (its signed pointer expires), and offer to renew it. Quiet when offline."""
        import asyncio

        from desktop.core.ops import releases as release_ops

        places = await self.view.writer.run(release_ops.recent_destinations, self.view.workspace)
        if not places:
            return []
        soon = await asyncio.to_thread(release_ops.expiring, places)
        if soon:
            first = soon[0]
            more = f" ({len(soon) - 1} more: Release → Browse Releases…)" if len(soon) > 1 else ""
            self.view.notice.show_message(
                "warning", f"Release {first.release} on {first.channel} of {first.project} "
                f"{first.in_words()}: apps reading it will then refuse it. Renewing signs it "
                f"again for {first.lifetime // 86400} more days.{more}",
                [("Renew now", lambda: self.view.tasks.spawn(self.renew(first)))])
        return soon

    async def renew(self, expiry) -> bool:
        import asyncio

        from desktop.core import releases as core
        from desktop.core.ops import releases as release_ops

        try:
            published = await asyncio.to_thread(core.renew, expiry.destination, expiry.channel)
            await self.view.writer.run(release_ops.record, self.view.workspace, published)
        except (*USER_ERRORS, OSError) as exc:
            self.view.notice.show_message("error", f"Could not renew {expiry.channel}: {exc} "
                                          "Nothing was changed.")
            return False
        days = expiry.lifetime // 86400
        self.view.notice.show_message(
            "info" if published.result.pending else "success",
            published.describe() if published.result.pending else
            f"Renewed {expiry.channel} of {expiry.project}: apps accept release "
            f"{expiry.release} for {days} more days.")
        return True

    async def flush(self) -> None:
        """Write what the open windows still hold unsaved (test-set edits), before quitting."""
        for window in list(self.windows) + list(self.closing):
            flush = getattr(window, "flush", None)
            if flush is not None:
                await flush()

    def shutdown(self) -> None:
        for window in list(self.windows):
            window.close()


def show_logs(window, *, prompt: str | None = None, pks=None):
    """Open the Logs window of the main window (or workspace view) `window`: every call, the
    calls of `prompt`, or only the calls with these row ids `pks` (e.g. those an alert is
    about). Returns the LogsWindow, or None when no workspace is open."""
    view = getattr(window, "view", window)
    features = getattr(view, "features", None)
    if features is None:
        return None
    return features.open_logs(prompt=prompt, pks=pks)
