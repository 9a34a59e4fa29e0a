"""What the Logs window does with the calls chosen: add them to a test set, open one in the
playground, compare the logged outputs of two releases. Each runs an op (or a read) off the
GUI thread and says what happened in the window's message bar."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLineEdit, QRadioButton, QWidget)

from desktop.core.errors import USER_ERRORS
from desktop.core.ops import logs as log_ops
from desktop.core.ops import testsets as testset_ops
from desktop.core.ops.testsets import SetChoice
from storage.workspace.logs import CallRow

from .. import asking
from ..evaluation.common import new_set_problem
from ..widgets import label, vbox

NEW = "__new__"
EXPECTED = (("corrected", "The corrected output from feedback, else the logged output"),
            ("output", "The logged output"),
            ("corrected-only", "Only calls with a corrected output, and that as expected"))


class AddToTestSetDialog(QDialog):
    """Which test set the chosen calls go to, and what their expected output is."""

    def __init__(self, count: int, prompt: str | None, sets: list[SetChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add logged calls to a test set")
        self.setObjectName("addLogsToTestSet")
        self.taken = {s.name for s in sets}
        intro = label(f"{count:,} logged call{'s' if count != 1 else ''} become test cases: "
                      "their variables, and an expected output.", wrap=True)
        self.set_box = QComboBox()
        self.set_box.setObjectName("testSetChoice")
        for s in sets:
            owner = f" — for {s.prompt}" if s.prompt else " — for any prompt"
            self.set_box.addItem(f"{s.name} ({s.cases:,} case{'s' if s.cases != 1 else ''})"
                                 f"{owner}", s.name)
        self.set_box.addItem("New test set…", NEW)
        if prompt is not None:  # the prompt's own sets first
            for i in range(self.set_box.count() - 1):
                if sets[i].prompt == prompt:
                    self.set_box.setCurrentIndex(i)
                    break
            else:
                self.set_box.setCurrentIndex(self.set_box.count() - 1)
        else:
            self.set_box.setCurrentIndex(self.set_box.count() - 1)
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newTestSetName")
        self.new_name.setPlaceholderText("Name of the new test set")
        if prompt is not None:
            suggested = f"{prompt.rpartition('/')[2]} from logs"
            self.new_name.setText(suggested if suggested not in self.taken else "")
        self.expected = QButtonGroup(self)
        choices = QWidget()
        rows = []
        for i, (value, text) in enumerate(EXPECTED):
            radio = QRadioButton(text)
            radio.setProperty("expected", value)
            radio.setChecked(i == 0)
            self.expected.addButton(radio, i)
            rows.append(radio)
        choices.setLayout(vbox(*rows, margins=0, spacing=2))
        self.problem = label("", "fieldProblem", wrap=True)
        form = QFormLayout()
        form.addRow("Test set:", self.set_box)
        form.addRow("New set's name:", self.new_name)
        form.addRow("Expected output:", choices)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Add to test set", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.set_box.currentIndexChanged.connect(self._check)
        self.new_name.textChanged.connect(self._check)
        self.setLayout(vbox(intro, form, self.problem, self.buttons, margins=14, spacing=10))
        self.resize(560, 0)
        self._check()

    def _check(self) -> None:
        new = self.set_box.currentData() == NEW
        self.new_name.setEnabled(new)
        problem = new_set_problem(self.new_name.text().strip(), self.taken) if new else ""
        self.problem.setText(problem)
        self.ok.setEnabled(not problem)

    def choice(self) -> tuple[str, str]:
        """(test set name, expected: "corrected", "output" or "corrected-only")."""
        name = self.new_name.text().strip() if self.set_box.currentData() == NEW \
            else self.set_box.currentData()
        return name, self.expected.checkedButton().property("expected")


async def add_to_test_set(window, rows: list[CallRow]) -> None:
    prompts = {r.prompt for r in rows}
    prompt = next(iter(prompts)) if len(prompts) == 1 else None
    sets = await window.writer.run(testset_ops.choices, window.workspace, prompt or "")
    dialog = AddToTestSetDialog(len(rows), prompt, sets, window)
    try:
        if await asking.run_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        name, expected = dialog.choice()
    finally:
        asking.dispose(dialog)
    try:
        changes = await window.writer.run(log_ops.to_testset, window.workspace, name,
                                          pks=[r.pk for r in rows], expected=expected)
    except USER_ERRORS as exc:
        window.notice.show_message("error", f"{exc} The test sets are unchanged.")
        return
    window.notice.show_message(
        "success", changes.message,
        [("Open the test set", lambda: window.test_set_filled.emit(prompt or "", name))])


async def open_in_playground(window, row: CallRow) -> None:
    try:
        changes = await window.writer.run(log_ops.open_in_playground, window.workspace, row.pk)
    except USER_ERRORS as exc:
        window.notice.show_message("error", str(exc))
        return
    window.playground_requested.emit(changes.value)
    window.notice.show_message("info", changes.message)


async def compare_releases(window) -> None:
    from desktop.core.logs import views

    from .compare import CompareDialog

    rows = window.selected_rows()
    prompt = window.filters.prompt.currentData() or (rows[0].prompt if rows else None)
    if prompt is None:
        facets = await asyncio.to_thread(views.facets, window.workspace)
        prompt = facets.prompts[0][0] if facets.prompts else None
    if prompt is None:
        window.notice.show_message("info", "No logs yet: pull them first.")
        return
    facets = await asyncio.to_thread(views.facets, window.workspace, prompt)
    if len(facets.releases) < 2:
        window.notice.show_message("info", f"The logs of {prompt} come from "
                                   f"{len(facets.releases)} release(s): nothing to compare yet.")
        return
    dialog = CompareDialog(window.workspace, prompt, facets.releases, window)
    dialog.finished.connect(lambda _r: window.tasks.spawn(window._forget(dialog)))
    dialog.open()
    dialog.tasks.spawn(dialog.load())
