"""A prompt tab: its messages, values and model columns, with one undo stack for all of them.

The tab shows and edits a `TabState`; the workspace view stores it as the tab's draft. Saving a
version and running the columns go through `desktop.core` and the workspace repositories.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu, QWidget

from desktop.core.ops import prompts as prompt_ops
from desktop.core.templates import MissingVariables, TemplateProblem
from storage.releases.content import ContentError, PromptContent
from storage.workspace import prompts as prompt_repo
from storage.workspace.drafts import DraftRecord
from storage.workspace.prompts import PromptError

from ..widgets import on_click
from . import templating, undo
from .dialogs import SaveVersionDialog
from .tab_layout import build_tab
from .state import TabState



class PromptTab(QWidget):
    changed = Signal()  # something the draft keeps changed (autosave)
    status_changed = Signal()  # title, modified mark
    saved = Signal(object)  # desktop.core.ops.prompts.Saved

    def __init__(self, host, draft: DraftRecord, state: TabState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.setObjectName("promptTab")
        self.draft_id = draft.id
        self.prompt_id = draft.prompt_id
        self.base_version_id = draft.base_version_id
        self.name = state.name or draft.prompt_name or draft.title
        self.description = state.description
        self.declared = list(state.variables)
        self.template_format = state.template_format
        self.tools = state.tools
        self.extra_params = dict(state.extra_params)
        self.used: list[str] = []
        self.problem: str | None = None
        self.problem_index: int | None = None
        self.modified = False
        self._scan: asyncio.Task | None = None
        self._banner_holds: Callable[[], bool] | None = None
        self._preview: asyncio.Task | None = None
        self.undo_stack = QUndoStack(self)

        self._build()
        self.messages.set_messages(state.messages)
        self.columns.set_columns(state.columns, state.primary)
        self.variables.set_values(state.values)
        self.whitespace_button.setChecked(state.show_whitespace)
        self.undo_stack.clear()
        self._wire()
        self.refresh_now()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        build_tab(self)

    def _wire(self) -> None:
        m = self.messages
        m.text_edited.connect(self._text_edited)
        m.add_requested.connect(self.add_message)
        m.remove_requested.connect(self.remove_message)
        m.move_requested.connect(self.move_message)
        m.role_requested.connect(
            lambda uid, old, new: self.undo_stack.push(undo.ChangeRole(m, uid, old, new)))
        m.undo_requested.connect(self.undo_stack.undo)
        m.redo_requested.connect(self.undo_stack.redo)
        self.undo_stack.indexChanged.connect(self._stack_changed)
        self.columns.setting_changed.connect(
            lambda uid, key, old, new, label: self.undo_stack.push(
                undo.ColumnSetting(self.columns, uid, key, old, new, label)))
        self.columns.run_requested.connect(self.run_column)
        self.columns.reply_requested.connect(self.reply)
        self.columns.providers_requested.connect(self.host.open_providers)
        self.columns.shorten_requested.connect(self._show_longest_message)
        self.columns.outputs_changed.connect(self.changed)
        self.variables.value_changed.connect(self._value_changed)
        self.whitespace_button.toggled.connect(self.set_show_whitespace)
        self.find_button.clicked.connect(lambda: self.find_bar.open_bar())
        on_click(self.save_button.clicked, self.request_save)
        on_click(self.run_button.clicked, self.run_all)
        self.view_group.idClicked.connect(self._view_picked)

    # -- edits -------------------------------------------------------------------------------
    def _text_edited(self, uid: int, position: int, removed: str, added: str) -> None:
        self.undo_stack.push(undo.TextEdit(self.messages, uid, position, removed, added))

    def _stack_changed(self, _index: int) -> None:
        self.refresher.start()
        self.changed.emit()

    def _value_changed(self, _name: str, _value: str) -> None:
        self.changed.emit()
        self._recheck_banner()
        if self.pages.currentWidget() is self.preview:
            self.refresher.start()

    def add_message(self, role: str | None = None) -> None:
        if role is None:
            last = self.messages.cards[-1].role if self.messages.cards else "assistant"
            role = {"system": "user", "user": "assistant", "assistant": "user"}[last]
        self.undo_stack.push(undo.AddMessage(self.messages, len(self.messages.cards), role))

    def remove_message(self, uid: int) -> None:
        self.undo_stack.push(undo.RemoveMessage(self.messages, uid))

    def move_message(self, uid: int, delta: int) -> None:
        index = self.messages.index_of(uid)
        target = index + delta
        if 0 <= target < len(self.messages.cards):
            self.undo_stack.push(undo.MoveMessage(self.messages, uid, target))

    def set_show_whitespace(self, on: bool) -> None:
        self.messages.set_show_whitespace(on)
        self.preview.set_show_whitespace(on)
        self.changed.emit()

    def _view_picked(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        if index == 1:
            self.refresh_now()

    def show_preview(self, on: bool = True) -> None:
        (self.view_sent if on else self.view_messages).setChecked(True)
        self._view_picked(1 if on else 0)

    # -- derived state -----------------------------------------------------------------------
    def state(self) -> TabState:
        """Everything the draft keeps, read from the widgets."""
        return TabState(
            name=self.name,
            description=self.description,
            messages=self.messages.messages(),
            variables=list(self.declared),
            template_format=self.template_format,
            tools=self.tools,
            values=self.variables.values(),
            columns=self.columns.states(),
            primary=self.columns.primary_index(),
            show_whitespace=self.whitespace_button.isChecked(),
            extra_params=dict(self.extra_params),
        )

    def refresh_now(self) -> None:
        """The changed mark at once; variables and the preview from the current messages,
        at once for short messages and a moment later for long ones (parsed off the GUI thread)."""
        self.refresher.stop()
        self.modified = self.base_version_id is None or self.state().content_id() != self.base_version_id
        self._show_status()
        messages = self.messages.messages()
        if all(templating.known(t) or templating.is_small(t) for _, t in messages):
            self._apply_variables(messages)
        elif self._scan is None or self._scan.done():
            self._scan = self.host.tasks.spawn(self._scan_long_messages())

    async def refresh(self) -> None:
        """refresh_now, and wait until the variables of every message are known."""
        self.refresh_now()
        while self._scan is not None and not self._scan.done():
            await asyncio.shield(self._scan)

    async def _scan_long_messages(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            pending = [t for _, t in self.messages.messages() if not templating.known(t)]
            if not pending:
                break
            for text in pending:
                await loop.run_in_executor(None, templating.scan, text)
        self._apply_variables(self.messages.messages())

    def _apply_variables(self, messages: list[tuple[str, str]]) -> None:
        used: list[str] = []
        self.problem = self.problem_index = None
        for index, (role, text) in enumerate(messages, 1):
            result = templating.scan(text)
            if isinstance(result, TemplateProblem):
                if self.problem_index is None:
                    self.problem_index = index
                    self.problem = templating.describe(result, index, role)
                continue
            used.extend(n for n in result if n not in used)
        self.used = used
        self.problem_label.setText(f"Template problem in message {self.problem_index}"
                                   if self.problem_index else "")
        self.problem_label.setToolTip(self.problem or "")
        self.variables.set_variables(used, {v.name: v for v in self.declared})
        self._recheck_banner()
        if self.pages.currentWidget() is self.preview:
            self._refresh_preview()

    def _refresh_preview(self) -> None:
        if self._preview is None or self._preview.done():
            self._preview = self.host.tasks.spawn(self._render_preview())

    async def _render_preview(self) -> None:
        def snapshot():
            return (self.messages.messages(), self.variables.filled(), tuple(self.used),
                    self.columns.primary_index())

        while True:
            before = snapshot()
            try:
                content = self.state().to_content(self.used)
                messages = await self._render(content, self.variables.filled())
            except (TemplateProblem, ContentError) as exc:
                messages, problem = None, str(exc)
            if snapshot() == before:
                break  # else the prompt changed while it rendered: render again
        if messages is None:
            self.preview.show_problem(problem)
        else:
            self.preview.show_messages(messages)

    async def _render(self, content: PromptContent, values: dict[str, str]) -> list[dict[str, str]]:
        if templating.total_size(content) <= templating.INLINE_LIMIT:
            return templating.render(content, values)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, templating.render, content, values)

    def _show_status(self) -> None:
        folder, _, leaf = self.name.rpartition("/")
        self.title.setText(f"<span style='color:#6b7280'>{folder} / </span>{leaf}" if folder
                           else leaf)
        if self.base_version_id:
            self.version_chip.setText(f"version {self.base_version_id[:12]}")
            self.version_chip.setToolTip(f"Opened from version {self.base_version_id}")
        else:
            self.version_chip.setText("not saved yet")
            self.version_chip.setToolTip("This prompt has no saved version yet")
        self.changed_chip.setVisible(self.modified and self.base_version_id is not None)
        self._recheck_banner()
        self.status_changed.emit()

    @property
    def tab_title(self) -> str:
        leaf = self.name.rpartition("/")[2] or "Untitled"
        return f"{leaf} •" if self.modified else leaf

    # -- running -----------------------------------------------------------------------------
    async def prepare_messages(self) -> list[dict[str, str]] | None:
        """The rendered messages, or None after telling the user what to fix."""
        await self.refresh()
        if self.problem_index is not None:
            self.show_banner("error", self.problem or "A message has a template problem.",
                             holds=self._has_template_problem)
            self.messages.reveal(self.messages.cards[self.problem_index - 1].uid)
            return None
        try:
            content = self.state().to_content(self.used)
            return await self._render(content, self.variables.filled())
        except MissingVariables as exc:
            missing = [use.name for use in exc.missing]
            self.show_banner("warning", str(exc), holds=lambda: any(
                name in self.used and not self.variables.filled().get(name) for name in missing))
            self.variables.focus_variable(exc.variable)
        except TemplateProblem as exc:
            self.show_banner("error", str(exc), holds=self._has_template_problem)
            if exc.index and exc.index <= len(self.messages.cards):
                self.messages.reveal(self.messages.cards[exc.index - 1].uid)
        except ContentError as exc:
            self.show_banner("error", f"This prompt cannot run yet: {exc}.")
        return None

    def run_all(self) -> asyncio.Task:
        """Ctrl+Enter: render once, then start every column."""
        return self.host.tasks.spawn(self._start([c.uid for c in self.columns.columns], []))

    def run_column(self, uid: int) -> asyncio.Task:
        return self.host.tasks.spawn(self._start([uid], []))

    def reply(self, uid: int, turns: list[dict[str, str]]) -> asyncio.Task:
        return self.host.tasks.spawn(self._start([uid], turns))

    async def _start(self, uids: list[int], turns: list[dict[str, str]]) -> None:
        messages = await self.prepare_messages()
        if messages is None:
            return
        if self.banner.kind in ("warning", "error"):
            self.banner.hide()
        for uid in uids:
            column = self.columns.column(uid)
            if column is not None:
                column.start_run(messages, turns, self.extra_params, self.tools)
        self.changed.emit()

    def cancel_all(self) -> None:
        self.columns.cancel_all()

    # -- values from a test set ----------------------------------------------------------------
    def _build_fill_menu(self) -> None:
        """Fill ▾: the first cases of each test set (the host's `test_sets`), as the menu opens."""
        menu = self.fill_menu
        menu.clear()
        for name, rows in self.host.test_sets:
            sub = QMenu(name, menu)
            menu.addMenu(sub)
            if not rows:
                sub.addAction("(no rows)").setEnabled(False)
            for position, values in rows:
                shown = ", ".join(f"{k}={str(v)[:20]}" for k, v in list(values.items())[:3])
                action = sub.addAction(f"Row {position + 1}: {shown}")
                on_click(action.triggered, lambda v=values: self.fill_values(v))

    def fill_values(self, values: dict) -> None:
        merged = self.variables.values()
        merged.update({k: v if isinstance(v, str) else str(v) for k, v in values.items()})
        self.variables.set_values(merged)
        self.changed.emit()

    def primary_answer(self) -> tuple[str, str] | None:
        """(column's provider, answer) shown in the starred column, when it finished."""
        columns = self.columns.columns
        if not columns:
            return None
        column = columns[min(self.columns.primary_index(), len(columns) - 1)]
        run = column.shown
        if run is None or run.status != "done" or run.turns:
            return None
        return run.provider or run.model, run.output

    def _show_longest_message(self) -> None:
        self.show_preview(False)
        if self.messages.cards:
            longest = max(self.messages.cards, key=lambda c: len(c.editor.raw()))
            self.messages.reveal(longest.uid)

    # -- saving ------------------------------------------------------------------------------
    def request_save(self, after_saving: Callable[[], None] | None = None) -> None:
        """Ctrl+S: say so when nothing changed, otherwise ask for a message and save.
        `after_saving` runs once the version is saved (not if the user cancels)."""
        self.refresh_now()
        if not self.modified and self.base_version_id:
            self.show_banner("info", f"Unchanged: identical to version "
                                     f"{self.base_version_id[:12]}. Nothing new to save.",
                             holds=self._unchanged)
            return
        dialog = SaveVersionDialog(self.name, self.base_version_id, self)
        dialog.accepted.connect(
            lambda: self.host.tasks.spawn(self._save_then(dialog.value(), after_saving)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    async def _save_then(self, message: str, after_saving: Callable[[], None] | None) -> None:
        if await self.save_version(message) is not None and after_saving is not None:
            after_saving()

    async def save_version(self, message: str = "") -> prompt_ops.Saved | None:
        await self.refresh()
        if self.problem_index is not None:
            self.show_banner("error", f"Fix the template before saving: {self.problem}",
                             holds=self._has_template_problem)
            return None
        try:
            content = self.state().to_content(self.used)
            prompt_repo.validate_prompt_name(self.name)
        except (ContentError, PromptError) as exc:
            self.show_banner("error", f"Not saved: {exc}")
            return None
        try:
            changes = await self.host.writer.run(
                partial(prompt_ops.save_version, self.host.workspace, self.name, content,
                        message=message, description=self.description, draft_id=self.draft_id,
                        prompt_id=self.prompt_id))
            result = changes.value
        except PromptError as exc:
            self.show_banner("error", f"Not saved: {exc}")
            return None
        self.prompt_id = result.prompt_id
        self.base_version_id = result.version_id
        self.declared = list(content.variables)
        self.refresh_now()
        self.changed.emit()
        if result.created:
            self.show_banner("success", f"Saved version <b>{result.version_id[:12]}</b> of "
                                        f"{self.name}. Full id: <tt>{result.version_id}</tt>",
                             holds=self._unchanged)
        else:
            when = f"{result.saved_at:%Y-%m-%d %H:%M} UTC" if result.saved_at else ""
            self.show_banner("info", f"Unchanged: identical to version "
                                     f"<b>{result.version_id[:12]}</b> saved {when}. "
                                     "Nothing new was saved.", holds=self._unchanged)
        self.saved.emit(result)
        return result

    def show_banner(self, kind: str, text: str,
                    holds: Callable[[], bool] | None = None) -> None:
        """A note above the messages. `holds` says whether it is still true: the note goes away
        by itself once it is not (values filled, template fixed, the saved version edited)."""
        self._banner_holds = holds
        self.banner.show_message(kind, text)

    def _recheck_banner(self) -> None:
        holds = self._banner_holds
        if holds is not None and not self.banner.isHidden() and not holds():
            self._banner_holds = None
            self.banner.hide()

    def _has_template_problem(self) -> bool:
        return self.problem_index is not None

    def _unchanged(self) -> bool:
        return not self.modified

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> int:
        return self.columns.running

    def shutdown(self) -> None:
        self.refresher.stop()
        self.columns.shutdown()
