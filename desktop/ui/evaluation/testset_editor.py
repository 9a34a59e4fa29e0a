"""The test-set editor: a table of cases (variables, expected output, notes, tags) with undo,
import and export, the pass mark (gate) and the default evaluators.

Over 500 lines on purpose: the editor owns the table's toolbar, gate, evaluators and the one
save in flight, which share its state; the table model and its undo commands are in testset_model.py.

Every change is saved a moment later on the workspace's writer thread, in place (cases keep
their ids, so earlier runs still show them). One save is in flight at a time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout,
    QHeaderView, QLabel, QPushButton, QTableView, QToolButton,
    QVBoxLayout, QWidget,
)

from desktop.core.evaluators import SpecError, parse_spec
from desktop.core.ops import testsets as testset_ops
from desktop.core.testsets import ExportProblem, write_export
from storage.workspace.db import Workspace
from storage.workspace.testsets import TestSetError

from .. import asking
from ..tasks import TaskSet, Writer
from ..widgets import MessageBar, on_click
from .common import STYLE
from .evaluator_picker import EvaluatorPicker
from .import_dialog import ImportDialog
from .testset_model import CaseRow, TestSetModel, new_row
from .text_delegate import MultiLineDelegate

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 400
OWNER_ROLE = Qt.ItemDataRole.UserRole + 1  # the prompt a test set belongs to
ROW_HEIGHT = 44


def check_specs(text: str) -> tuple[list[str], list[str]]:
    """(specs, problems) for one spec per line; blank lines are skipped."""
    specs, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parse_spec(line)
        except SpecError as exc:
            problems.append(f"Line {number} ({line.strip()[:40]}): {exc}")
        else:
            specs.append(line)
    return specs, problems


class TestSetEditor(QWidget):
    """Edit one test set at a time; `open_async(name)` shows one, `add_case()` adds a row."""

    __test__ = False
    saved = Signal(str)  # the test set's name, after its cases or settings were written
    opened = Signal(str)

    def __init__(self, workspace: Workspace, writer: Writer, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, prompt: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("testSetEditor")
        self.prompt = prompt  # the window's prompt: new test sets belong to it
        self.setStyleSheet(STYLE)
        self.workspace = workspace
        self.writer = writer
        self.tasks = tasks if tasks is not None else TaskSet()
        self.loaded: testset_ops.LoadedSet | None = None
        self.columns_task: asyncio.Future | None = None  # finding every case's variables
        self.ids_task: asyncio.Future | None = None  # reading every case's id
        self._saving = False
        self._dirty_cases = False
        self._dirty_settings = False
        self._idle = asyncio.Event()
        self._idle.set()

        self.model = TestSetModel(self)
        self.model.changed.connect(self._cases_changed)
        self.undo_stack = self.model.undo_stack

        self.save_timer = QTimer(self)
        self.save_timer.setObjectName("testSetSave")
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self._save_soon)

        # -- header: which set ------------------------------------------------------------
        self.set_box = QComboBox()
        self.set_box.setMinimumWidth(240)
        self.set_box.activated.connect(self._set_chosen)
        new_button = QPushButton("New test set…")
        on_click(new_button.clicked, lambda: self.tasks.spawn(self.ask_new()))
        self.state_label = QLabel("")
        self.state_label.setObjectName("hint")
        title = QLabel("Test set")
        title.setObjectName("paneTitle")
        header = QHBoxLayout()
        header.addWidget(title)
        header.addWidget(self.set_box)
        header.addWidget(new_button)
        header.addStretch(1)
        header.addWidget(self.state_label)

        # -- actions ----------------------------------------------------------------------
        self.add_action = self._action("+ Add case", "Add an empty case below the selection",
                                       self.add_empty_case, QKeySequence("Ctrl+Shift+N"))
        self.delete_action = self._action("Delete", "Delete the selected cases",
                                          self.delete_selected, QKeySequence.StandardKey.Delete)
        self.up_action = self._action("↑ Move up", "Move the case up", lambda: self.move(-1),
                                      QKeySequence("Alt+Up"))
        self.down_action = self._action("↓ Move down", "Move the case down",
                                        lambda: self.move(1), QKeySequence("Alt+Down"))
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.import_action = self._action("Import…", "Import cases from CSV, JSON Lines or Excel",
                                          self.import_file)
        self.export_action = self._action("Export…", "Save the cases as CSV or JSON Lines",
                                          self.export_file)
        toolbar = QHBoxLayout()
        for action in (self.add_action, self.delete_action, self.up_action, self.down_action,
                       None, self.undo_action, self.redo_action, None, self.import_action,
                       self.export_action):
            if action is None:
                toolbar.addSpacing(12)
                continue
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        self.count_label = QLabel("")
        self.count_label.setObjectName("hint")
        toolbar.addWidget(self.count_label)

        # -- the table --------------------------------------------------------------------
        self.table = QTableView()
        self.table.setObjectName("casesTable")
        self.table.setModel(self.model)
        self.table.setItemDelegate(MultiLineDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setDefaultSectionSize(240)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.rowsInserted.connect(self._update_count)
        self.model.rowsRemoved.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)

        self.empty = QLabel("No cases yet. Add one, import a CSV, JSON Lines or Excel file, or "
                            "send the playground's current inputs here with “Add to test set”.")
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        # -- settings: gate and evaluators -------------------------------------------------
        self.gate_check = QCheckBox("A run passes only when every column's mean score is at "
                                    "least")
        self.gate_spin = QDoubleSpinBox()
        self.gate_spin.setRange(0.0, 1.0)
        self.gate_spin.setSingleStep(0.05)
        self.gate_spin.setDecimals(2)
        self.gate_spin.setValue(0.8)
        self.gate_spin.setEnabled(False)
        self.gate_check.toggled.connect(self.gate_spin.setEnabled)
        self.gate_check.toggled.connect(self._settings_changed)
        self.gate_spin.valueChanged.connect(self._settings_changed)
        self.specs_edit = EvaluatorPicker(empty_hint="No evaluators yet: runs collect the "
                                                     "answers without scoring them.")
        self.specs_edit.setObjectName("evaluatorSpecs")
        self.specs_edit.changed.connect(self._settings_changed)
        self.evaluators = self.specs_edit
        settings = QFrame()
        settings.setObjectName("card")
        box = QVBoxLayout(settings)
        gate_row = QHBoxLayout()
        gate_title = QLabel("Pass mark")
        gate_title.setObjectName("sideTitle")
        gate_row.addWidget(gate_title)
        gate_row.addSpacing(8)
        gate_row.addWidget(self.gate_check)
        gate_row.addWidget(self.gate_spin)
        gate_row.addStretch(1)
        box.addLayout(gate_row)
        specs_title = QLabel("Evaluators used by default")
        specs_title.setObjectName("sideTitle")
        box.addWidget(specs_title)
        box.addWidget(self.specs_edit)

        self.message = MessageBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addLayout(toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(settings)
        self._loading_settings = False
        self._update_actions()
        self._update_count()

    def _action(self, text: str, tip: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        on_click(action.triggered, slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return action

    # -- opening -------------------------------------------------------------------------
    async def refresh_names(self, select: str | None = None) -> None:
        """The list of test sets: this prompt's first, then the others, saying whose they are."""
        choices = await self.writer.run(testset_ops.choices, self.workspace, self.prompt or "")
        current = select or (self.loaded.name if self.loaded else None)
        self.set_box.clear()
        for choice in choices:
            self.set_box.addItem(self._label(choice.name, choice.cases, choice.prompt),
                                 choice.name)
            self.set_box.setItemData(self.set_box.count() - 1, choice.prompt, OWNER_ROLE)
        if current is not None:
            self.set_box.setCurrentIndex(max(0, self.set_box.findData(current)))

    def _label(self, name: str, cases: int, prompt: str | None) -> str:
        owner = "" if self.prompt is None or prompt == self.prompt else (
            f" — for {prompt}" if prompt else " — for any prompt")
        return f"{name}  ({cases:,} case{'s' if cases != 1 else ''}){owner}"

    def _relabel_current(self) -> None:
        """The count in the list follows the table as it is edited."""
        if self.loaded is None:
            return
        index = self.set_box.findData(self.loaded.name)
        if index >= 0:
            self.set_box.setItemText(index, self._label(
                self.loaded.name, self.model.rowCount(),
                self.set_box.itemData(index, OWNER_ROLE)))

    def open(self, name: str) -> None:
        self.tasks.spawn(self.open_async(name))

    async def open_async(self, name: str) -> None:
        """Show the test set `name` (after saving anything pending in the one shown)."""
        await self.flush()
        try:
            loaded = await self.writer.run(testset_ops.load, self.workspace, name)
        except TestSetError as exc:
            self.message.show_message("error", str(exc))
            return
        self.loaded = loaded
        self.model.load(loaded.variables, range(loaded.case_count), loaded.defaults,
                        reader=functools.partial(testset_ops.read_cases, self.workspace,
                                                 loaded.id),
                        rank_reader=functools.partial(testset_ops.read_page, self.workspace,
                                                      loaded.id))
        self._loading_settings = True
        self.gate_check.setChecked(loaded.min_score is not None)
        if loaded.min_score is not None:
            self.gate_spin.setValue(loaded.min_score)
        self.specs_edit.set_text("\n".join(loaded.evaluators))
        self._loading_settings = False
        self._check_specs()
        self.state_label.setText(f"for prompt {loaded.prompt}" if loaded.prompt else "")
        self.columns_task = self.tasks.spawn(self._find_variables(loaded))
        self.ids_task = self.columns_task  # it reads the ids after the variables
        await self.refresh_names(name)
        self._update_actions()
        self.opened.emit(name)

    async def _find_variables(self, loaded: testset_ops.LoadedSet) -> None:
        """After opening: columns for variables that only cases further down use (a scan of
        every case's stored JSON, off the GUI thread)."""
        import shiboken6

        names = await asyncio.to_thread(testset_ops.variable_names, self.workspace, loaded.id)
        if shiboken6.isValid(self.model) and self.loaded is loaded:  # not closed meanwhile
            self.model.extend_variables(names)
            await self._read_ids(loaded)

    async def _read_ids(self, loaded: testset_ops.LoadedSet) -> None:
        """After opening: the cases' ids in order, so that a save of a new order can name the
        cases not read (100,000 ids: ~50 ms in a thread)."""
        import shiboken6

        ids = await asyncio.to_thread(testset_ops.case_ids, self.workspace, loaded.id)
        if shiboken6.isValid(self.model) and self.loaded is loaded:
            self.model.set_ids(ids)

    async def _ids_known(self) -> None:
        """Wait for the ids read after opening (or read them now, if that was cancelled)."""
        if self.model.by_rank and self.ids_task is not None and not self.ids_task.done():
            await asyncio.wait([self.ids_task])
        if self.model.by_rank and self.loaded is not None:
            await self._read_ids(self.loaded)

    async def create_async(self, name: str, prompt: str | None = None) -> None:
        try:
            await self.writer.run(testset_ops.create, self.workspace, name, prompt)
        except TestSetError as exc:
            self.message.show_message("error", str(exc))
            return
        await self.open_async(name)

    def _set_chosen(self, _index: int) -> None:
        name = self.set_box.currentData()
        if name and (self.loaded is None or name != self.loaded.name):
            self.open(name)

    async def ask_new(self) -> None:
        owner = self.prompt or (self.loaded.prompt if self.loaded else None)
        label = "Name of the new test set" + (f" for {owner}:" if owner else ":")
        name = await asking.text(self, "New test set", label)
        if name and name.strip():
            await self.create_async(name.strip(), owner)

    # -- editing -------------------------------------------------------------------------
    def add_case(self, variables: Mapping[str, Any], expected: str | None = None,
                 notes: str = "", tags=()) -> int:
        """Add a case at the end (undoable); returns its row. The playground calls this with
        its current variable values and, as expected output, the reply the author chose."""
        row = new_row(variables, expected if expected else None, notes, tags)
        self.model.add_rows([row], text="add case from the playground")
        position = self.model.rowCount() - 1
        self.table.scrollTo(self.model.index(position, 0))
        self.table.setCurrentIndex(self.model.index(position, 0))
        return position

    def add_empty_case(self) -> None:
        rows = self._selected_rows()
        position = (max(rows) + 1) if rows else self.model.rowCount()
        self.model.add_rows([new_row({v: "" for v in self.model.variables})], position)
        index = self.model.index(position, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def delete_selected(self) -> None:
        if self.table.state() == QAbstractItemView.State.EditingState:
            return
        self.model.remove_positions(self._selected_rows())

    def move(self, step: int) -> None:
        rows = self._selected_rows()
        if len(rows) != 1:
            return
        column = self.table.currentIndex().column()
        if self.model.move(rows[0], step):
            self.table.setCurrentIndex(self.model.index(rows[0] + step, max(0, column)))

    def _selected_rows(self) -> list[int]:
        rows = {i.row() for i in self.table.selectionModel().selectedIndexes()}
        if not rows and self.table.currentIndex().isValid():
            rows = {self.table.currentIndex().row()}
        return sorted(rows)

    def _update_actions(self, *_: Any) -> None:
        has_set = self.loaded is not None
        rows = self._selected_rows() if has_set else []
        self.add_action.setEnabled(has_set)
        self.delete_action.setEnabled(bool(rows))
        self.up_action.setEnabled(len(rows) == 1 and rows[0] > 0)
        self.down_action.setEnabled(len(rows) == 1 and rows[0] < self.model.rowCount() - 1)
        self.import_action.setEnabled(has_set)
        self.export_action.setEnabled(has_set and self.model.rowCount() > 0)

    def _update_count(self, *_: Any) -> None:
        n = self.model.rowCount()
        self.count_label.setText(f"{n:,} case{'s' * (n != 1)}")
        self.empty.setVisible(n == 0 and self.loaded is not None)
        self._relabel_current()
        self._update_actions()

    # -- import / export -------------------------------------------------------------------
    def import_dialog(self, path: str | Path | None = None) -> ImportDialog:
        """The dialog `import_file` shows (tests drive it directly)."""
        variables = self.model.variables if self.loaded and self.loaded.prompt else None
        defaults = self.loaded.defaults if self.loaded else ()
        return ImportDialog(variables, defaults=defaults, path=path, tasks=TaskSet(), parent=self)

    def import_file(self) -> None:
        self.tasks.spawn(self.import_async())

    async def import_async(self) -> int:
        """Import… : the mapping dialog, then its rows into the table; returns how many."""
        dialog = self.import_dialog()
        try:
            if await asking.run_dialog(dialog) == ImportDialog.DialogCode.Accepted:
                return self.apply_import(dialog)
            return 0
        finally:
            asking.dispose(dialog)

    def apply_import(self, dialog: ImportDialog) -> int:
        """Put an accepted import's rows in the table (one undoable step); returns how many."""
        rows = [new_row(r.variables, r.expected, r.notes, r.tags) for r in dialog.rows()]
        name = dialog.path.name if dialog.path else "file"
        if dialog.replace:
            variables = list(dict.fromkeys(
                [*(self.model.variables if self.loaded and self.loaded.prompt else []),
                 *(k for r in rows for k in r.variables)]))
            self.model.replace_all(variables, rows, f"import {name}")
        else:
            self.model.add_rows(rows, text=f"import {name}")
        self.message.show_message(
            "success", f"Imported {len(rows):,} case{'s' * (len(rows) != 1)} from {name}. "
            "Undo (Ctrl+Z) takes the import back.")
        return len(rows)

    def export_file(self) -> None:
        self.tasks.spawn(self._ask_export())

    async def _ask_export(self) -> None:
        name = await asking.save_file(
            self, "Export test cases", "testset-export",
            f"{self.loaded.name if self.loaded else 'cases'}.csv",
            "CSV, opens in Excel (*.csv);;JSON Lines (*.jsonl)")
        if name:
            await self.export_async(name)

    async def _read_all(self) -> None:
        """Read the cases not shown yet off the GUI thread (before an export)."""
        await self._ids_known()
        unread = self.model.unread()
        if unread:
            self.state_label.setText(f"Reading {len(unread):,} cases…")
            self.model.fill(await asyncio.to_thread(self.model.read_stored, unread))

    async def export_async(self, path: str | Path) -> bool:
        await self._read_all()
        rows = [r.data() for r in self.model.rows()]
        try:
            await asyncio.to_thread(write_export, path, rows, self.model.variables)
        except (ExportProblem, OSError) as exc:
            self.message.show_message("error", f"Nothing was exported: {exc}")
            return False
        note = ""
        if Path(path).suffix.lower() not in (".jsonl", ".ndjson"):
            note = (" A cell that starts with =, +, -, @ or a tab gets a leading ' so that Excel "
                    "shows it as text instead of running it as a formula; importing the file "
                    "back into Promptpress takes it off again. JSON Lines keeps every cell as "
                    "it is.")
        self.message.show_message("success", f"Exported {len(rows):,} cases to {path}.{note}")
        return True

    # -- settings ------------------------------------------------------------------------
    def _check_specs(self) -> tuple[list[str], list[str]]:
        specs, problems = check_specs(self.specs_edit.text())
        return specs, problems  # the picker shows each problem beside its evaluator

    def _settings_changed(self, *_: Any) -> None:
        if self._loading_settings or self.loaded is None:
            return
        _, problems = self._check_specs()
        if problems:
            self.state_label.setText("Evaluators not saved until every line is valid")
            return
        self._dirty_settings = True
        self.save_timer.start()

    @property
    def min_score(self) -> float | None:
        return round(self.gate_spin.value(), 4) if self.gate_check.isChecked() else None

    # -- saving --------------------------------------------------------------------------
    def _cases_changed(self) -> None:
        if self.loaded is None:
            return
        self._dirty_cases = True
        self.state_label.setText("Unsaved changes…")
        self.save_timer.start()

    def _save_soon(self) -> None:
        if not self._saving:
            self.tasks.spawn(self._save(), finish=True)

    @property
    def pending(self) -> bool:
        """Edits not written yet (waiting for the save timer, or being saved)."""
        return self._dirty_cases or self._dirty_settings or self._saving

    async def _save(self) -> None:
        if self._saving or self.loaded is None:
            return
        self._saving = True
        self._idle.clear()
        try:
            while (self._dirty_cases or self._dirty_settings) and self.loaded is not None:
                loaded = self.loaded
                if self._dirty_cases:
                    self._dirty_cases = False
                    self.state_label.setText("Saving…")
                    if not await self._save_cases(loaded):
                        return
                if self._dirty_settings:
                    self._dirty_settings = False
                    specs, problems = check_specs(self.specs_edit.text())
                    if not problems:
                        await self.writer.run(testset_ops.save_settings, self.workspace,
                                              loaded.id, self.min_score, specs)
                self.state_label.setText("All changes saved")
                self.saved.emit(loaded.name)
        finally:
            self._saving = False
            self._idle.set()

    async def _save_cases(self, loaded) -> bool:
        """Only what changed: the edited cases and those added at the end (one edit in
        100,000 is one UPDATE), or, after an insert, delete or move, the new order as case ids
        with the rows to write; the cases not read stay unread."""
        if self.model.reshaped:
            await self._ids_known()
        changes = self.model.take_changes()
        if changes.order is None:
            if not changes.edited and not changes.appended:
                return True
            written = changes.appended
            call = functools.partial(
                testset_ops.save_edited_cases, self.workspace, loaded.id,
                [(row.case_id, row.data()) for row in changes.edited],
                appended=[row.data() for row in changes.appended])
        else:
            written = [item for item in changes.order if isinstance(item, CaseRow)]
            call = functools.partial(
                testset_ops.arrange_cases, self.workspace, loaded.id,
                [item if isinstance(item, int) else (item.case_id, item.data())
                 for item in changes.order])
        try:
            saved = await self.writer.run(call)
        except TestSetError as exc:
            self.model.changes_pending(changes)
            self.message.show_message("error", str(exc))
            return False
        if self.loaded is loaded and written:
            self.model.assign_ids({row.uid: case_id for row, case_id in zip(written, saved.value)})
        return True

    async def flush(self) -> None:
        """Save whatever is pending now and wait for it."""
        if self.save_timer.isActive():
            self.save_timer.stop()
        if self._dirty_cases or self._dirty_settings:
            if self._saving:
                await self._idle.wait()
            await self._save()
        await self._idle.wait()

    def shutdown(self) -> None:
        """Stop timers; edits still pending are saved (a task `cancel_all` leaves running)."""
        self.save_timer.stop()
        if self._dirty_cases or self._dirty_settings:
            self.tasks.spawn(self.flush(), finish=True)
