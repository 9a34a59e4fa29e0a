"""Test → Add These Values to a Test Set…: which set, and whether the answer becomes expected."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.ops.testsets import SetChoice

from .common import new_set_problem

NEW = "__new__"


def _preview(text: str, limit: int = 120) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


class AddCaseDialog(QDialog):
    """Asks where the tab's values go. `choice()` → (set name, is new, expected or None)."""

    def __init__(self, prompt: str, values: dict[str, str], answer: tuple[str, str] | None,
                 sets: list[SetChoice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add to a test set")
        self.setObjectName("addCaseDialog")
        self.prompt = prompt
        self.taken = {s.name for s in sets}
        intro = QLabel(f"A new case for a test set of <b>{_escape(prompt)}</b>, with these values:")
        intro.setWordWrap(True)
        shown = QFormLayout()
        for name, value in values.items():
            label = QLabel(_escape(_preview(value)) if value else "<i>(empty)</i>")
            label.setToolTip(value)
            label.setTextFormat(Qt.TextFormat.RichText)
            shown.addRow(f"{name}:", label)
        if not values:
            shown.addRow(QLabel("<i>This prompt uses no variables.</i>"))

        self.set_box = QComboBox()
        self.set_box.setObjectName("testSetChoice")
        for s in sets:
            owner = "" if s.prompt == prompt else (
                f" — for {s.prompt}" if s.prompt else " — for any prompt")
            self.set_box.addItem(f"{s.name} ({s.cases:,} case{'s' if s.cases != 1 else ''})"
                                 f"{owner}", s.name)
        self.set_box.addItem("New test set…", NEW)
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("Name of the new test set")
        self.new_name.setText(f"{prompt.rpartition('/')[2]} cases" if not sets else "")
        self.new_name.textChanged.connect(self._check)
        self.set_box.currentIndexChanged.connect(self._check)

        self.use_answer = QCheckBox()
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setMaximumHeight(90)
        self._answer_text = answer[1] if answer is not None else None  # byte-exact, not the widget's
        if answer is not None:
            column, text = answer
            self.use_answer.setText(f"Expect the answer from {column} (you can edit it later)")
            self.answer.setPlainText(text)
        else:
            self.use_answer.setText("Expect an answer (run the prompt first to use its answer)")
            self.use_answer.setEnabled(False)
            self.answer.hide()
        self.use_answer.toggled.connect(self.answer.setEnabled)
        self.answer.setEnabled(False)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add case")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Test set", self.set_box)
        form.addRow("", self.new_name)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addLayout(shown)
        box.addSpacing(6)
        box.addLayout(form)
        box.addWidget(self.use_answer)
        box.addWidget(self.answer)
        box.addWidget(self.problem)
        box.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self._check()

    def _check(self) -> None:
        new = self.set_box.currentData() == NEW
        self.new_name.setVisible(new)
        problem = new_set_problem(self.new_name.text().strip(), self.taken) if new else ""
        self.problem.setText(problem if self.new_name.text() else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def choice(self) -> tuple[str, bool, str | None]:
        new = self.set_box.currentData() == NEW
        name = self.new_name.text().strip() if new else self.set_box.currentData()
        expected = self._answer_text if self.use_answer.isChecked() else None
        return name, new, expected


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
