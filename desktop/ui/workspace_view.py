"""The workspace view: prompt browser on the left, prompt tabs on the right.

Just over 500 lines on purpose: the tab controller owns the tabs' life cycle (open, autosave,
restore, close); autosave's worker is apart in autosave.py.

Each tab is a draft in the workspace, autosaved a moment after each change (on a worker thread)
and reopened with its tabs after a restart or a crash. Closing a tab asks only when it holds
changes that are in no saved version.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (QMenu, QMessageBox, QSplitter, QStackedWidget, QTabWidget,
                               QVBoxLayout, QWidget)

from desktop.core.ops import drafts as draft_ops
from desktop.core.ops import sample as sample_ops
from desktop.core.ops import workspace as workspace_ops
from storage.workspace import drafts as draft_repo
from storage.workspace.db import Workspace

from .autosave import DraftKeeper
from .browser import PromptBrowser
from .catalog import ProvidersCatalog
from .features import WorkspaceFeatures
from .playground.dialogs import NewPromptDialog
from .playground.state import ColumnState, TabState
from .playground.tab import PromptTab
from .tasks import TaskSet, Writer
from .theme import STYLE
from .guide import (STEPS, GuidePanel, GuideState, guide_hidden, guide_played, set_guide_hidden,
                    set_guide_played)
from .welcome import WelcomePage
from .widgets import MessageBar, make_action, menu

log = logging.getLogger(__name__)


class WorkspaceView(QWidget):
    loaded = Signal()
    drafts_saved = Signal(object)  # list of draft ids
    tab_opened = Signal(object)  # PromptTab
    sample_requested = Signal()  # "Explore the sample workspace" in the guide

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspaceView")
        self.setStyleSheet(STYLE)
        self.workspace = workspace
        self.writer = Writer()
        self.tasks = TaskSet()
        self.catalog = ProvidersCatalog(workspace, self.writer, self)
        self.undo_group = QUndoGroup(self)
        self.test_sets: list[tuple[str, list[tuple[int, dict]]]] = []
        self.providers_dialog = None
        self.ask_close_tab = self._ask_close_tab  # tests replace these two questions
        self.ask_quit_while_running = self._ask_quit_while_running
        self._closing = False

        self.browser = PromptBrowser()
        self.browser.open_requested.connect(self.open_prompt)
        self.browser.new_requested.connect(self.new_prompt)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("promptTabs")
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._current_changed)
        self.tabs.tabBar().tabMoved.connect(lambda *_: self._write_positions())
        self.welcome = WelcomePage()
        self.welcome_body = self.welcome.body
        self.welcome.new_requested.connect(lambda: self.new_prompt(""))
        self.welcome.providers_requested.connect(self.open_providers)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        self.notice = MessageBar()
        self.guide = GuidePanel()
        self.guide.setVisible(not guide_hidden())
        self.guide.step_requested.connect(self._guide_step)
        self.guide.sample_requested.connect(self.sample_requested)
        self.guide.sample_button.setVisible(not sample_ops.is_sample(workspace.path))
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.setSpacing(0)
        right_box.addWidget(self.guide)
        right_box.addWidget(self.notice)
        right_box.addWidget(self.stack, 1)
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setObjectName("workspaceSplit")
        self.split.setChildrenCollapsible(True)
        self.browser.setMinimumWidth(180)  # names stay readable on a small screen
        self.split.addWidget(self.browser)
        self.split.addWidget(right)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([240, 1160])
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.split)

        self.keeper = DraftKeeper(workspace, self.writer, self.tasks, self.tab_list, self)
        self.keeper.saved.connect(self.drafts_saved)
        self.keeper.failed.connect(self._autosave_failed)
        self.keeper.recovered.connect(self._autosave_recovered)
        self.catalog.changed.connect(self._update_welcome)
        self.catalog.changed.connect(lambda: self.tasks.spawn(self.refresh_guide()))
        self._build_actions()
        self.features = WorkspaceFeatures(self)
        self.load_task = self.tasks.spawn(self._load())

    # -- loading -----------------------------------------------------------------------------
    async def _load(self) -> None:
        data = await self.writer.run(workspace_ops.open_workspace_view, self.workspace)
        self.browser.set_entries(data.entries, data.folders)
        self.catalog.set_providers(data.providers)
        self.test_sets = data.test_sets
        for record in data.drafts:
            self._add_tab(record, TabState.from_json(record.state))
        if self.tabs.count():
            self.tabs.setCurrentIndex(0)
        self._update_welcome()
        self.loaded.emit()
        self.tasks.spawn(self.refresh_guide())
        if not self.guide.isHidden():
            self.tasks.spawn(self.detect_local_models())
        self.expiry_check = self.tasks.spawn(self.features.check_expiring())

    async def wait_loaded(self) -> None:
        await self.load_task

    async def apply(self, changes) -> None:
        """Show what an operation (`desktop.core.ops`) changed, and only that."""
        renamed = dict(changes.renamed)
        for tab in self.tab_list():
            if tab.name in renamed:  # open tabs follow the prompt under its new name
                tab.name = renamed[tab.name]
                tab.refresh_now()
                self._tab_changed(tab)
                self._update_tab_title(tab)
        if changes.prompt_list:
            await self.refresh_browser()
        if changes.prompt_list or changes.releases or changes.runs or changes.providers:
            self.tasks.spawn(self.refresh_guide())
        if changes.test_sets:
            from desktop.core.ops import testsets as testset_ops

            self.test_sets = await self.writer.run(testset_ops.first_rows, self.workspace)
            for tab in self.tab_list():
                tab.variables.fill_button.setVisible(bool(self.test_sets))

    async def refresh_browser(self) -> None:
        entries, folders = await self.writer.run(workspace_ops.prompt_list, self.workspace)
        self.browser.set_entries(entries, folders)

    # -- tabs --------------------------------------------------------------------------------
    def _add_tab(self, record: draft_repo.DraftRecord, state: TabState) -> PromptTab:
        tab = PromptTab(self, record, state)
        tab.variables.fill_button.setVisible(bool(self.test_sets))
        tab.changed.connect(lambda t=tab: self._tab_changed(t))
        tab.status_changed.connect(lambda t=tab: self._update_tab_title(t))
        tab.saved.connect(lambda _r: self.tasks.spawn(self.refresh_browser()))
        tab.columns.answered.connect(self._column_ran)
        self.undo_group.addStack(tab.undo_stack)
        index = self.tabs.addTab(tab, tab.tab_title)
        self._update_tab_title(tab)
        self.stack.setCurrentWidget(self.tabs)
        self.tab_opened.emit(tab)
        return tab if index >= 0 else tab

    def tab_list(self) -> list[PromptTab]:
        return [self.tabs.widget(i) for i in range(self.tabs.count())]

    def current_tab(self) -> PromptTab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, PromptTab) else None

    def tab_for(self, name: str) -> PromptTab | None:
        for tab in self.tab_list():
            if tab.name == name:
                return tab
        return None

    def open_prompt(self, name: str) -> None:
        tab = self.tab_for(name)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            return
        self.tasks.spawn(self.open_prompt_async(name))

    async def open_prompt_async(self, name: str) -> PromptTab:
        tab = self.tab_for(name)
        if tab is not None:
            self.tabs.setCurrentWidget(tab)
            return tab

        def new_state(content, description: str) -> str:
            if content is None:
                return TabState(name=name, description=description,
                                messages=[("system", ""), ("user", "")]).to_json()
            return TabState.from_content(content, name=name, description=description).to_json()

        opened = await self.writer.run(draft_ops.open_for_prompt, self.workspace, name,
                                       self.tabs.count(), new_state)
        record, fresh = opened.record, opened.fresh
        state = TabState.from_json(record.state)
        if self.tab_for(name) is not None:  # opened twice quickly
            return self.tab_for(name)
        if fresh:
            column = state.columns[0]
            provider = self.catalog.for_model(column.model)
            if provider is None and not column.model and self.catalog.providers:
                # The version names no model: run on the first provider, save it as it was.
                provider = self.catalog.providers[0]
            column.provider = provider.name if provider else None
        tab = self._add_tab(record, state)
        self.tabs.setCurrentWidget(tab)
        self._write_positions()
        if fresh:
            self._tab_changed(tab)
        return tab

    async def open_seed(self, seed) -> PromptTab:
        """A new tab on an old version (history's "open as draft", a suggestion): its parent is
        that version."""
        state = TabState.from_content(seed.content, name=seed.prompt_name,
                                      description=seed.description)
        column = state.columns[0]
        provider = self.catalog.for_model(column.model) or (
            self.catalog.providers[0] if self.catalog.providers else None)
        column.provider = provider.name if provider else None
        if getattr(seed, "provider", None):  # a suggestion says which provider it runs on
            column.provider = seed.provider
        record = await self.writer.run(draft_ops.new, self.workspace, state.name,
                                       state.to_json(), self.tabs.count(),
                                       on_version_pk=seed.base_version_pk)
        tab = self._add_tab(record, state)
        self.tabs.setCurrentWidget(tab)
        self._write_positions()
        self._tab_changed(tab)
        return tab

    def new_prompt(self, folder: str = "") -> None:
        taken = self.browser.names() | {t.name for t in self.tab_list()}
        dialog = NewPromptDialog(taken, folder, self)
        dialog.accepted.connect(lambda: self.tasks.spawn(self.create_prompt(dialog.value())))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    async def create_prompt(self, name: str) -> PromptTab:
        """A tab for a prompt that has no version yet (it exists once first saved)."""
        provider = self.catalog.providers[0] if self.catalog.providers else None
        state = TabState(name=name, messages=[("system", ""), ("user", "")],
                         columns=[ColumnState(provider=provider.name if provider else None,
                                              model=provider.model if provider else "")])
        record = await self.writer.run(draft_ops.new, self.workspace, state.name,
                                       state.to_json(), self.tabs.count())
        tab = self._add_tab(record, state)
        self.tabs.setCurrentWidget(tab)
        if tab.messages.cards:
            tab.messages.reveal(tab.messages.cards[0].uid)
        return tab

    def _sync_drafts(self) -> None:
        """The prompt list shows open prompts that have no saved version yet."""
        self.browser.set_drafts({t.name for t in self.tab_list() if not t.base_version_id})

    def _update_tab_title(self, tab: PromptTab) -> None:
        index = self.tabs.indexOf(tab)
        self._sync_drafts()
        if index < 0:
            return
        self.tabs.setTabText(index, tab.tab_title)
        tip = tab.name
        if tab.modified:
            tip += ("\nChanged since the saved version (the draft is kept)" if tab.base_version_id
                    else "\nNot saved as a version yet (the draft is kept)")
        self.tabs.setTabToolTip(index, tip)

    def _current_changed(self, _index: int) -> None:
        tab = self.current_tab()
        if tab is not None:
            self.undo_group.setActiveStack(tab.undo_stack)
            self.browser.select(tab.name)
        self._update_actions()

    def would_lose(self, tab: PromptTab) -> bool:
        """Closing loses work only when the tab differs from a saved version and holds text."""
        tab.refresh_now()
        if not tab.modified:
            return False
        return tab.base_version_id is not None or any(t for _r, t in tab.messages.messages())

    def close_tab(self, index: int) -> bool:
        tab = self.tabs.widget(index)
        if not isinstance(tab, PromptTab):
            return False
        if self.would_lose(tab):
            choice = self.ask_close_tab(tab)
            if choice == "cancel":
                return False
            if choice == "save":
                tab.request_save(after_saving=lambda t=tab: self._discard_tab(t))
                return False
        self._discard_tab(tab)
        return True

    def _discard_tab(self, tab: PromptTab) -> None:
        index = self.tabs.indexOf(tab)
        if index < 0:
            return
        tab.shutdown()
        self.keeper.forget(tab)
        self.undo_group.removeStack(tab.undo_stack)
        self.tabs.removeTab(index)
        self.writer.submit(draft_ops.discard, self.workspace, tab.draft_id)
        tab.deleteLater()
        self._write_positions()
        self._sync_drafts()
        if not self.tabs.count():
            self.stack.setCurrentWidget(self.welcome)
        self._update_actions()

    def _ask_close_tab(self, tab: PromptTab) -> str:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Close tab")
        if tab.base_version_id:
            box.setText(f"“{tab.name}” has changes that are in no saved version.")
        else:
            box.setText(f"“{tab.name}” has never been saved as a version.")
        box.setInformativeText("Save a version to keep them, or close and discard the changes.")
        save = box.addButton("Save version…", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(save)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return "save" if clicked is save else "discard" if clicked is discard else "cancel"

    # -- drafts ------------------------------------------------------------------------------
    def _tab_changed(self, tab: PromptTab) -> None:
        if not self._closing:
            self.keeper.changed(tab)

    def save_drafts(self) -> None:
        self.keeper.save_soon()

    def flush_drafts(self) -> None:
        """Save every changed draft now and wait for it (quitting, closing the workspace)."""
        self.keeper.flush()

    def _autosave_failed(self, text: str) -> None:
        self.notice.show_message("warning", text)

    def _autosave_recovered(self) -> None:
        if self.notice.kind == "warning":
            self.notice.hide()

    def _write_positions(self) -> None:
        ids = [tab.draft_id for tab in self.tab_list()]
        self.writer.submit(draft_ops.set_positions, self.workspace, ids)

    # -- providers ---------------------------------------------------------------------------
    def open_providers(self) -> None:
        from .providers_dialog import ProvidersDialog

        if self.providers_dialog is not None:
            self.providers_dialog.raise_()
            self.providers_dialog.activateWindow()
            return
        dialog = ProvidersDialog(self.workspace, self.writer, TaskSet(), self)
        dialog.providers_changed.connect(self.catalog.set_providers)
        dialog.finished.connect(lambda _r: self._providers_closed(dialog))
        self.providers_dialog = dialog
        dialog.open()
        dialog.tasks.spawn(dialog.load())  # closing the dialog cancels its loading

    def _providers_closed(self, dialog) -> None:
        from .tasks import delete_when_done

        self.providers_dialog = None
        self.tasks.spawn(self.refresh_guide())
        self.tasks.spawn(delete_when_done(dialog, dialog.tasks.wait))

    # -- getting started --------------------------------------------------------------------
    async def refresh_guide(self) -> None:
        if self.guide.isHidden():
            return
        self._guide_ticket = ticket = getattr(self, "_guide_ticket", 0) + 1
        progress = await self.writer.run(workspace_ops.progress, self.workspace)
        if ticket != self._guide_ticket:
            return  # a newer look is on its way
        state = GuideState(model=progress.providers > 0, play=guide_played(),
                           test=progress.runs > 0, publish=progress.releases > 0)
        self.guide.show_state(state)
        if state.done == len(STEPS):  # every step done: the guide has done its job
            set_guide_hidden(True)
            self.guide.hide()

    def show_guide(self) -> None:
        set_guide_hidden(False)
        self.guide.show()
        self.tasks.spawn(self.refresh_guide())
        self.tasks.spawn(self.detect_local_models())

    async def detect_local_models(self) -> None:
        """Step 1 says whether Ollama runs here; with models, its button adds them."""
        import asyncio

        from desktop.core import local_models

        self.ollama = found = await asyncio.to_thread(local_models.detect)
        note = STEPS[0][2]
        if found.running and found.models:
            self.guide.set_note("model", f"{found.describe()} Add them as providers in one "
                                "click, or add an API key in Providers.")
            self.guide.buttons["model"].setText("Add them")
        else:
            self.guide.set_note("model", f"{note} {found.describe()}")
            self.guide.buttons["model"].setText(STEPS[0][3])

    async def add_local_models(self) -> None:
        from desktop.core import local_models
        from desktop.core import providers as core_providers

        added = await self.writer.run(local_models.add_models, self.workspace, self.ollama)
        self.catalog.set_providers(await self.writer.run(core_providers.list_providers,
                                                         self.workspace))
        self.notice.show_message("success", f"Added {', '.join(added)} from Ollama: choose them "
                                 "in a column's model list." if added else
                                 "Ollama's models are added already.")
        await self.refresh_guide()

    def _column_ran(self) -> None:
        if not guide_played():
            set_guide_played()
            self.tasks.spawn(self.refresh_guide())

    def _guide_step(self, step: str) -> None:
        if step == "model":
            found = getattr(self, "ollama", None)
            if found is not None and found.running and found.models:
                self.tasks.spawn(self.add_local_models())
            else:
                self.open_providers()
            return
        tab = self.current_tab()
        if tab is None:
            names = sorted(self.browser.names())
            if not names:
                self.new_prompt("")
                return
            self.tasks.spawn(self._open_then(names[0], step))
            return
        self._do_step(tab, step)

    async def _open_then(self, name: str, step: str) -> None:
        self._do_step(await self.open_prompt_async(name), step)

    def _do_step(self, tab: PromptTab, step: str) -> None:
        if step == "play":
            tab.run_button.setFocus()
            self.notice.show_message("info", "Add a column (Ctrl+Shift+K) for each model to "
                                     "compare, then Run all (Ctrl+Enter).")
        elif step == "test":
            self.features.show_tests()
        elif step == "publish":
            self.features.publish()

    # -- welcome -----------------------------------------------------------------------------
    def _update_welcome(self) -> None:
        self.welcome.show_state(providers_loaded=self.catalog.loaded,
                                has_providers=bool(self.catalog.providers))

    # -- actions -----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, slot, shortcut=None, checkable=False) -> QAction:
            return make_action(self, text, slot, shortcut, checkable=checkable)

        def on_tab(fn):
            def run(*_args):
                tab = self.current_tab()
                if tab is not None:
                    fn(tab)
            return run

        self.a_new = action("&New Prompt…", lambda: self.new_prompt(self.browser.current_folder()),
                            QKeySequence.StandardKey.New)
        self.a_save = action("&Save Version…", on_tab(lambda t: t.request_save()),
                             QKeySequence.StandardKey.Save)
        self.a_close = action("&Close Tab", lambda: self.close_tab(self.tabs.currentIndex()),
                              QKeySequence.StandardKey.Close)
        self.a_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.a_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.a_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.a_redo.setShortcut(QKeySequence.StandardKey.Redo)
        self.a_find = action("&Find…", on_tab(lambda t: t.find_bar.open_bar()),
                             QKeySequence.StandardKey.Find)
        self.a_replace = action("Find and &Replace…", on_tab(lambda t: t.find_bar.open_bar(True)),
                                "Ctrl+H")
        self.a_add_message = action("Add &Message", on_tab(lambda t: t.add_message()),
                                    "Ctrl+Shift+M")
        self.a_whitespace = action("Show &Whitespace", on_tab(
            lambda t: t.whitespace_button.toggle()), "Ctrl+Shift+W")
        self.a_preview = action("What Will Be &Sent", on_tab(
            lambda t: t.show_preview(t.pages.currentWidget() is not t.preview)), "Ctrl+Shift+P")
        self.a_browser = action("Prompt &List", self._toggle_browser, "Ctrl+B", checkable=True)
        self.a_reload = action("&Reload Prompt List", lambda: self.tasks.spawn(self.refresh_browser()),
                               QKeySequence.StandardKey.Refresh)
        self.a_browser.setChecked(True)
        self.a_run = action("&Run All Columns", on_tab(lambda t: t.run_all()),
                            ["Ctrl+Return", "Ctrl+Enter"])
        self.a_stop = action("&Stop All", on_tab(lambda t: t.cancel_all()), "Ctrl+.")
        self.a_column = action("Add &Column", on_tab(lambda t: t.columns.add_column()),
                               "Ctrl+Shift+K")
        self.a_providers = action("&Providers…", self.open_providers)
        for a in (self.a_new, self.a_save, self.a_close, self.a_undo, self.a_redo, self.a_find,
                  self.a_replace, self.a_add_message, self.a_whitespace, self.a_preview,
                  self.a_browser, self.a_reload, self.a_run, self.a_stop, self.a_column):
            self.addAction(a)  # shortcuts work wherever the view is, with or without menus
        self._update_actions()

    def file_actions(self) -> list[QAction | None]:
        """For the main window's File menu: import, export, back up (None: a separator)."""
        return self.features.file_actions()

    def menus(self) -> list[QMenu]:
        """Menus for the main window (it owns the menu bar)."""
        prompt = menu("&Prompt", self, self.a_new, self.a_save, None, self.a_add_message, None,
                      self.a_close)
        edit = menu("&Edit", self, self.a_undo, self.a_redo, None, self.a_find, self.a_replace)
        view = menu("&View", self, self.a_whitespace, self.a_preview, None, self.a_browser,
                    self.a_reload)
        run = menu("&Run", self, self.a_run, self.a_stop, None, self.a_column, None,
                   self.a_providers)
        return [prompt, edit, view, run, *self.features.menus()]

    def _update_actions(self) -> None:
        on = self.current_tab() is not None
        for a in (self.a_save, self.a_close, self.a_find, self.a_replace, self.a_add_message,
                  self.a_whitespace, self.a_preview, self.a_run, self.a_stop, self.a_column):
            a.setEnabled(on)

    def _toggle_browser(self, on: bool) -> None:
        self.browser.setVisible(on)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> int:
        return sum(tab.running for tab in self.tab_list())

    def cancel_calls(self) -> None:
        for tab in self.tab_list():
            tab.cancel_all()

    def _ask_quit_while_running(self, count: int) -> bool:
        answer = QMessageBox.question(
            self, "Quit Promptpress",
            f"{count} model call{'s are' if count != 1 else ' is'} still running. Quit anyway? "
            "Your drafts are kept; the unfinished answers are not.")
        return answer == QMessageBox.StandardButton.Yes

    def confirm_close(self) -> bool:
        """Nothing is lost by quitting (drafts come back), except answers still streaming."""
        if self.running and not self.ask_quit_while_running(self.running):
            return False
        self.flush_drafts()
        return True

    def shutdown(self) -> None:
        if self._closing:
            return
        self._closing = True
        self.keeper.stop()
        self.features.shutdown()
        for tab in self.tab_list():
            tab.shutdown()
        self.tasks.cancel_all()
        try:
            self.keeper.flush()  # what changed since the last autosave, written now
        finally:
            self.writer.close()
        if self.providers_dialog is not None:
            self.providers_dialog.done(0)
