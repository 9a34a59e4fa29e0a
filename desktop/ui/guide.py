"""Getting started: four steps shown in the window (never a wizard in the way), each ticked
when done, each one click from doing it. Hidden with one click; Help → Getting Started brings it
back."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QToolButton, QWidget

from .widgets import button, hbox, label, on_click

STEPS = (
    ("model", "Add a model", "An API key for OpenAI, Anthropic or Google, or a model on this "
                             "computer (Ollama, LM Studio, any OpenAI-compatible server).",
     "Add a model…"),
    ("play", "Run a prompt on models side by side", "Open a prompt, add columns (Ctrl+Shift+K) "
                                                    "and Run all (Ctrl+Enter).", "Open a prompt"),
    ("test", "Run its test set", "Cases with expected answers, scored by evaluators, model by "
                                 "model.", "Test sets…"),
    ("publish", "Publish a signed release", "Engineers' apps read it and can trust every byte.",
     "Publish…"),
)


@dataclass
class GuideState:
    model: bool = False
    play: bool = False
    test: bool = False
    publish: bool = False

    @property
    def done(self) -> int:
        return sum((self.model, self.play, self.test, self.publish))


def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Promptpress",
                     "Promptpress")


def guide_hidden() -> bool:
    return _settings().value("guide/hidden", False, bool)


def set_guide_hidden(hidden: bool) -> None:
    _settings().setValue("guide/hidden", hidden)


def guide_played() -> bool:
    """Has this person run a prompt in the playground yet (on this computer)?"""
    return _settings().value("guide/played", False, bool)


def set_guide_played() -> None:
    _settings().setValue("guide/played", True)


class GuidePanel(QFrame):
    """`step_requested(key)` when a step's button is clicked; `show_state(GuideState)`."""

    step_requested = Signal(str)
    dismissed = Signal()
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidePanel")
        self.setStyleSheet(
            "QFrame#guidePanel { background: #f5f8ff; border: 1px solid #c7d7fe; "
            "border-radius: 8px; } QLabel#guideDone { color: #067647; font-weight: 600; } "
            "QLabel#guideTodo { color: #6b7280; }")
        self.title = label("Getting started", "sectionTitle")
        self.count = label("", "hint")
        close = QToolButton()
        close.setText("Hide the guide")
        close.setAutoRaise(True)
        close.setToolTip("Help → Getting Started shows it again")
        on_click(close.clicked, self._dismiss)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.marks: dict[str, QLabel] = {}
        self.buttons: dict[str, QWidget] = {}
        self.notes: dict[str, QLabel] = {}
        for row, (key, title, note, action) in enumerate(STEPS):
            mark = label("", "guideTodo")
            mark.setMinimumWidth(18)
            text = label(f"<b>{row + 1}. {title}</b> — {note}", wrap=True)
            text.setTextFormat(Qt.TextFormat.RichText)
            go = button(action, lambda k=key: self.step_requested.emit(k))
            self.marks[key], self.notes[key], self.buttons[key] = mark, text, go
            grid.addWidget(mark, row, 0)
            grid.addWidget(text, row, 1)
            grid.addWidget(go, row, 2)
        grid.setColumnStretch(1, 1)
        from PySide6.QtWidgets import QVBoxLayout

        box = QVBoxLayout(self)
        box.setContentsMargins(14, 10, 10, 10)
        self.sample_button = button("Explore the sample workspace", self.sample_requested.emit,
                                    tip="Prompts, runs and releases made already, in a copy of "
                                        "their own: your workspace stays as it is")
        box.addLayout(hbox(self.title, self.count, None, self.sample_button, close))
        box.addLayout(grid)
        self.state = GuideState()

    def show_state(self, state: GuideState) -> None:
        self.state = state
        for key, *_ in STEPS:
            done = getattr(state, key)
            mark = self.marks[key]
            mark.setText("✓" if done else "○")
            mark.setObjectName("guideDone" if done else "guideTodo")
            mark.style().unpolish(mark)
            mark.style().polish(mark)
        self.count.setText(f"{state.done} of {len(STEPS)} done")

    def set_note(self, key: str, text: str) -> None:
        """Say more about a step (e.g. "Ollama runs here with llama3 and mistral")."""
        import html

        title = next(t for k, t, _n, _a in STEPS if k == key)
        number = [k for k, *_ in STEPS].index(key) + 1
        self.notes[key].setText(f"<b>{number}. {title}</b> — {html.escape(text)}")

    def _dismiss(self) -> None:
        set_guide_hidden(True)
        self.hide()
        self.dismissed.emit()
