"""Small dialogs of the playground: name a new prompt, save a version with a message."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from storage.workspace.prompts import PromptError, validate_prompt_name


class NewPromptDialog(QDialog):
    """Ask for a name (folders with '/'); refuse names in use or that are not valid."""

    def __init__(self, taken: set[str], folder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New prompt")
        self.taken = taken
        self.name = QLineEdit(f"{folder}/" if folder else "")
        self.name.setPlaceholderText("support/summarize-call")
        self.name.textChanged.connect(self._check)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        self.problem.setWordWrap(True)
        intro = QLabel("Give the prompt a name. Use '/' to put it in folders, for example "
                       "<i>support/summarize-call</i>.")
        intro.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        form = QFormLayout()
        form.addRow("Name", self.name)
        box.addLayout(form)
        box.addWidget(self.problem)
        box.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._check()

    def problem_with(self, name: str) -> str:
        if not name:
            return ""
        try:
            validate_prompt_name(name)
        except PromptError as exc:
            return str(exc)
        if name in self.taken:
            return f"A prompt named {name!r} exists already; open it from the list, or pick another name."
        return ""

    def _check(self) -> None:
        name = self.name.text()
        problem = self.problem_with(name)
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(name) and not problem)

    def value(self) -> str:
        return self.name.text()


class SaveVersionDialog(QDialog):
    def __init__(self, name: str, base: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save version")
        where = (f"A new version of <b>{name}</b>, after version <tt>{base[:12]}</tt>."
                 if base else f"The first version of <b>{name}</b>.")
        intro = QLabel(where + " Versions never change once saved; engineers can rely on them.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.message = QLineEdit()
        self.message.setPlaceholderText("What changed, in a few words (optional)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Save version")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        form = QFormLayout()
        form.addRow("Message", self.message)
        box.addLayout(form)
        box.addWidget(buttons)
        self.setMinimumWidth(480)

    def value(self) -> str:
        return self.message.text()
