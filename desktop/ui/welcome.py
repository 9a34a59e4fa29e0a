"""What the workspace window shows with no tab open: where to start."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .widgets import button, label

BODY_WIDTH = 520


class WelcomePage(QWidget):
    new_requested = Signal()
    providers_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.title = label("Open a prompt on the left, or start a new one.", "welcomeTitle")
        self.body = label("", "welcomeBody", wrap=True)
        self.body.setFixedWidth(BODY_WIDTH)
        self.body.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        new = button("New prompt", self.new_requested.emit, name="runAllButton")
        providers = button("Providers…", self.providers_requested.emit)
        box = QVBoxLayout(self)
        box.addStretch(2)
        for w in (self.title, self.body):
            box.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addSpacing(14)
        for w in (new, providers):
            box.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        self.extra = QVBoxLayout()  # room for a guide below the buttons
        box.addLayout(self.extra)
        box.addStretch(3)

    def show_state(self, *, providers_loaded: bool, has_providers: bool) -> None:
        if providers_loaded and not has_providers:
            text = ("To run prompts, add a provider first: an API key for OpenAI or Anthropic, "
                    "or a model on this computer with Ollama or any OpenAI-compatible server.")
        else:
            text = ("Each tab is a draft that is kept as you type, even if Promptpress closes. "
                    "Save a version (Ctrl+S) when it is ready for others.")
        self.body.setText(text)
        # Centred in its layout, a wrapped label gets no height for its width: give it one.
        self.body.setMinimumHeight(self.body.heightForWidth(BODY_WIDTH))
