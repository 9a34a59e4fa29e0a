"""The workspace view: prompt browser on the left, prompt tabs on the right."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from storage.workspace import prompts as repo
from storage.workspace.db import Workspace


class WorkspaceView(QWidget):
    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        with workspace.session() as session:
            count = len(repo.list_prompts(session))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{count} prompts in {workspace.name}"))

    def shutdown(self) -> None:
        pass
