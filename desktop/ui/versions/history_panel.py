"""The history panel of one prompt: its timeline above, what the selection changed below.

Select one version to see what it changed compared with the version it was saved from; select
two to compare them; "Compare with draft" compares a version with the open draft. From here a
version opens in a new tab as a draft (the window does that, on `open_version_requested`) or
becomes the current version again (restore, through desktop.core.ops.prompts).

All reading and writing of the workspace runs on the writer thread; the GUI thread only fills
the model and builds the diff view.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QWidget,
)

from desktop.core.ops import prompts as prompt_ops
from storage.releases.content import PromptContent
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace, WorkspaceError

from .. import asking
from ..tasks import TaskSet, Writer
from ..widgets import MessageBar, on_click, single_shot, splitter, vbox
from .diff_view import DiffView
from .history_model import (
    AUTHOR,
    BATCH,
    MESSAGE,
    PARENT,
    RELEASES,
    SCORE,
    VERSION,
    WHEN,
    HistoryModel,
    relative_time,
    short,
    utc_now,
)
from .style import STYLE

KNOWN_ERRORS = (repo.PromptError, WorkspaceError)
DRAFT = "draft"
FIRST_PAGE = BATCH  # rows read before the panel shows anything; the rest follows


# -- The panel ----------------------------------------------------------------------------


class HistoryPanel(QWidget):
    """History of the prompt `prompt_name`. Pass the window's `writer` so that reads queue
    behind its writes; without one the panel makes its own (call `shutdown()` at the end)."""

    open_version_requested = Signal(int)  # version pk: open it in a new tab as a draft
    restored = Signal(str)  # version id that is the prompt's current version again
    compared = Signal(str, str)  # old id ("" for none), new id or "draft": what the diff shows
    loaded = Signal()

    def __init__(self, workspace: Workspace, prompt_name: str, *, writer: Writer | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.setStyleSheet(STYLE)
        self.workspace = workspace
        self._name = prompt_name
        self._own_writer = writer is None
        self.writer = writer if writer is not None else Writer("promptpress-history")
        self.tasks = TaskSet()
        self.draft: PromptContent | None = None
        self.draft_title = "your draft"
        self.ask_restore = self._ask_restore  # tests replace this question
        self.now = utc_now
        self._generation = 0
        self._closed = False

        self.model = HistoryModel(self, now=lambda: self.now())
        self._build()
        self.refresh()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel()
        self.title.setObjectName("paneTitle")
        self.count = QLabel()
        self.count.setObjectName("legend")
        self.show_events = QCheckBox("Show restores and renames")
        self.show_events.setChecked(True)
        self.show_events.toggled.connect(self.model.set_show_events)

        self.compare_draft_button = QPushButton("Compare with draft")
        self.compare_draft_button.setToolTip("What the open draft changes compared with the "
                                             "selected version")
        self.compare_draft_button.clicked.connect(self.compare_selected_with_draft)
        self.open_button = QPushButton("Open as new draft")
        self.open_button.setToolTip("Open the selected version in a new tab, as a draft based "
                                    "on it")
        self.open_button.clicked.connect(self.open_selected)
        self.restore_button = QPushButton("Restore…")
        self.restore_button.setToolTip("Make the selected version the current version again "
                                       "(recorded in the history)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.hint = QLabel("Select a version to see what it changed; Ctrl+click a second "
                           "one to compare the two.")
        self.hint.setObjectName("legend")

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count)
        top.addStretch(1)
        top.addWidget(self.show_events)
        actions = QHBoxLayout()
        actions.addWidget(self.compare_draft_button)
        actions.addWidget(self.open_button)
        actions.addWidget(self.restore_button)
        actions.addSpacing(12)
        actions.addWidget(self.hint, 1)

        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(False)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        for column, width in ((VERSION, 190), (AUTHOR, 110), (WHEN, 130), (PARENT, 120),
                              (RELEASES, 170), (SCORE, 60)):
            header.resizeSection(column, width)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.notice = MessageBar()
        self.diff_view = DiffView()
        self.diff_view.set_message("Select a version to see what changed.")

        upper = vbox(top, actions, self.notice, (self.table, 1), margins=(8, 8, 8, 0),
                     spacing=6)
        self.split = splitter(upper, self.diff_view, stretch=(0, 1), sizes=[300, 600],
                              vertical=True, collapsible=True)
        vbox(self.split, margins=0, parent=self)

        self._selection_timer = single_shot(self, "selectionTimer", 60, self._show_selection)
        self._update_actions()
        self._update_title()

    # -- state ----------------------------------------------------------------------------
    @property
    def prompt_name(self) -> str:
        return self._name

    def set_prompt_name(self, name: str) -> None:
        """The prompt was renamed or moved: follow it."""
        self._name = name
        self._update_title()
        self.refresh()

    def set_draft(self, content: PromptContent | None, title: str = "your draft") -> None:
        """The open draft of this prompt (None when no tab has it open)."""
        self.draft = content
        self.draft_title = title
        self._update_actions()

    def _update_title(self) -> None:
        self.title.setText(f"History of {self._name}")

    # -- loading --------------------------------------------------------------------------
    def refresh(self) -> None:
        self.tasks.spawn(self.reload())

    async def reload(self) -> None:
        """Read the history again (after a save, a restore, a rename)."""
        name = self._name
        try:
            # The first page shows at once; the rest follows and is appended (fetchMore pages
            # it into the view), so a prompt with 10,000 versions opens as fast as one with ten.
            entries = await self.writer.run(prompt_ops.version_history, self.workspace, name,
                                            limit=FIRST_PAGE)
            if self._closed or name != self._name:
                return
            paged = len(entries) >= FIRST_PAGE
            if paged:
                selected = self.selected_ids()
                self.model.set_entries(entries)
                self.count.setText(f"· {self.model.versions():,}+ versions")
                self._reselect(selected)
                entries = await self.writer.run(prompt_ops.version_history, self.workspace,
                                                name)
        except KNOWN_ERRORS as exc:
            self.model.set_entries([])
            self.notice.show_message("error", f"{exc}")
            self.loaded.emit()
            return
        if self._closed or name != self._name:
            return
        selected = self.selected_ids()
        if paged:
            self.model.complete_entries(entries)
        else:
            self.model.set_entries(entries)
        versions = self.model.versions()
        self.count.setText(f"· {versions:,} version{'s' if versions != 1 else ''}")
        self._reselect(selected)
        self._update_actions()
        self.loaded.emit()

    def _reselect(self, ids: list[str]) -> None:
        rows = [r for r in (self.model.row_of(i) for i in ids) if r is not None]
        if not rows and self.model.rowCount():
            # the newest version, not an event above it
            rows = [next((r for r in range(self.model.rowCount())
                          if self.model.entry(r).kind == "saved"), 0)]
        selection = self.table.selectionModel()
        selection.clearSelection()
        for k, row in enumerate(rows):
            flags = (QItemSelectionModel.SelectionFlag.Select
                     | QItemSelectionModel.SelectionFlag.Rows)
            if k == 0:
                flags |= QItemSelectionModel.SelectionFlag.Current
            selection.select(self.model.index(row, 0), flags)
        if rows:
            self.table.scrollTo(self.model.index(rows[0], 0))

    # -- selection ------------------------------------------------------------------------
    def selected_entries(self) -> list:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.entry(row) for row in rows]

    def selected_ids(self) -> list[str]:
        return [e.version_id for e in self.selected_entries()
                if e.kind == "saved" and e.version_id]

    def select_versions(self, *version_ids: str) -> None:
        """Select these versions (the first becomes current)."""
        self._reselect(list(version_ids))

    def _single_version(self):
        entries = self.selected_entries()
        if len(entries) == 1 and entries[0].version_id:
            return entries[0]
        return None

    def _update_actions(self) -> None:
        one = self._single_version()
        self.open_button.setEnabled(one is not None)
        self.restore_button.setEnabled(one is not None and not (one.kind == "saved"
                                                                and one.is_current))
        self.compare_draft_button.setEnabled(one is not None and self.draft is not None)

    def _selection_changed(self, *_args) -> None:
        self._update_actions()
        self._selection_timer.start()

    def _title(self, version_id: str | None) -> str:
        if not version_id:
            return "nothing (first version)"
        entry = self.model.find_version(version_id)
        if entry is None:
            return f"version {short(version_id)}"
        author = f" · {entry.author}" if entry.author else ""
        return f"version {short(version_id)}{author} · {relative_time(entry.time, self.now())}"

    def _show_selection(self) -> None:
        entries = self.selected_entries()
        if not entries:
            self.diff_view.set_message("Select a version to see what changed.")
            return
        if len(entries) > 2:
            self.diff_view.set_message("Select one version to see what it changed, or two to "
                                       "compare them.")
            return
        if len(entries) == 1:
            e = entries[0]
            if e.kind in ("saved", "restored") and e.version_id:
                self.tasks.spawn(self.compare_versions(e.parent_id, e.version_id))
            else:
                when = relative_time(e.time, self.now())
                by = f" by {e.author}" if e.author else ""
                self.diff_view.set_message(f"{e.message or e.kind.capitalize()} ({when}{by}).\n"
                                           "Renaming or moving a prompt keeps its versions as "
                                           "they are: there is nothing to compare.")
            return
        newer, older = entries  # rows are newest first
        if not newer.version_id or not older.version_id:
            self.diff_view.set_message("Select two versions to compare them.")
            return
        self.tasks.spawn(self.compare_versions(older.version_id, newer.version_id))

    # -- comparing ------------------------------------------------------------------------
    async def compare_versions(self, old_id: str | None, new_id: str) -> None:
        """Show what changed from `old_id` (None: nothing, a first version) to `new_id`."""
        await self._compare(old_id, new_id, (self._title(old_id), self._title(new_id)))

    async def compare_with_draft(self, version_id: str) -> None:
        if self.draft is None:
            return
        await self._compare(version_id, self.draft,
                            (self._title(version_id), self.draft_title))

    async def _compare(self, old_id, new, titles: tuple[str, str]) -> None:
        self._generation += 1
        generation = self._generation
        try:
            result = await self.writer.run(prompt_ops.compare, self.workspace, self._name, old_id,
                                          new)
        except KNOWN_ERRORS as exc:
            self.diff_view.set_message(str(exc))
            return
        if generation != self._generation or self._closed:
            return  # a newer selection won
        self.diff_view.set_contents(result.old, result.new, titles, diff=result.diff)
        self.compared.emit(old_id or "", new if isinstance(new, str) else DRAFT)

    def compare_selected_with_draft(self) -> None:
        one = self._single_version()
        if one is not None and self.draft is not None:
            self.tasks.spawn(self.compare_with_draft(one.version_id))

    # -- open and restore -----------------------------------------------------------------
    def open_selected(self) -> None:
        one = self._single_version()
        if one is not None:
            self.tasks.spawn(self.open_version(one.version_id))

    async def open_version(self, version_id: str) -> None:
        try:
            pk = await self.writer.run(prompt_ops.version_pk, self.workspace, self._name,
                                      version_id)
        except KNOWN_ERRORS as exc:
            self.notice.show_message("error", str(exc))
            return
        self.open_version_requested.emit(pk)

    def restore_selected(self) -> None:
        one = self._single_version()
        if one is not None:
            self.tasks.spawn(self.restore_version(one.version_id))

    async def _ask_restore(self, version_id: str) -> bool:
        current = self.model.current_entry()
        now = f" The current version ({short(current.version_id)}) stays in the history." \
            if current else ""
        answer = await asking.question(
            self, "Restore this version?",
            f"Make version {short(version_id)} of {self._name} the current version again?{now}"
            " Your next save will build on it. Open drafts are not changed.",
            asking.Button.Yes | asking.Button.Cancel, asking.Button.Cancel)
        return answer == asking.Button.Yes

    async def restore_version(self, version_id: str) -> None:
        if not await self.ask_restore(version_id):
            return
        try:
            changes = await self.writer.run(prompt_ops.restore, self.workspace,
                                            f"{self._name}@{version_id}")
            changed = changes.value[2]
        except KNOWN_ERRORS as exc:
            self.notice.show_message("error", f"Could not restore {short(version_id)}: {exc} "
                                              "Nothing was changed.")
            return
        await self.reload()
        if changed:
            self.notice.show_message("success", f"Version {short(version_id)} is the current "
                                                "version again.")
        else:
            self.notice.show_message("info", f"Version {short(version_id)} already is the "
                                             "current version.")
        self.restored.emit(version_id)

    # -- context menu ---------------------------------------------------------------------
    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for button in (self.compare_draft_button, self.open_button, self.restore_button):
            action = QAction(button.text(), menu)
            action.setEnabled(button.isEnabled())
            on_click(action.triggered, button.click)
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # -- the end --------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop loading; close the writer if the panel made it. Await `tasks.wait()` after."""
        self._closed = True
        self._selection_timer.stop()
        self.tasks.cancel_all()
        if self._own_writer:
            self.writer.close()

