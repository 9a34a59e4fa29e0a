"""The right side of the Publish dialog: one prompt's version choice, its test results, and
exactly what it changes for apps reading the channel."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from .common import heading, hint
from .diffhtml import change_html
from .messages import escape
from .publish_model import PublishRow

MUTED = "<p style='color:#6b7280'>{}</p>"


class PromptDetail(QWidget):
    version_chosen = Signal(object, object)  # (PublishRow, version pk or None for the live one)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row: PublishRow | None = None
        self.title = QLabel()
        self.title.setObjectName("tabTitle")
        self.title.setWordWrap(True)
        self.version = QComboBox()
        self.version.setObjectName("versionChoice")
        self.version.activated.connect(self._picked)
        self.gate_text = hint()
        self.gate_text.setObjectName("gateDetail")
        self.diff_view = QTextBrowser()
        self.diff_view.setObjectName("changeView")
        self.diff_view.setOpenLinks(False)
        form = QFormLayout()
        form.addRow("Version", self.version)
        form.addRow("Tests", self.gate_text)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.title)
        box.addLayout(form)
        box.addWidget(heading("WHAT CHANGES FOR APPS READING THIS CHANNEL"))
        box.addWidget(self.diff_view, 1)
        self.show_row(None)

    def show_row(self, row: PublishRow | None) -> None:
        self.row = row
        self.version.clear()
        if row is None:
            self.title.setText("")
            self.gate_text.setText("")
            self.diff_view.setHtml(MUTED.format("Choose a prompt on the left to see its "
                                                "versions, its tests and what it changes."))
            self.version.setEnabled(False)
            return
        self.title.setText(row.name)
        if row.live is not None and row.live_id not in {o.version_id for o in row.options}:
            self.version.addItem(f"{(row.live_id or '')[:8]} · the live version (not in your "
                                 "history)", None)
        for option in row.options:
            label = option.label()
            tags = [t for t, on in (("current", option.pk == row.current_pk),
                                    ("live", option.version_id == row.live_id)) if on]
            if tags:
                label += f"  [{', '.join(tags)}]"
            self.version.addItem(label, option.pk)
        self.version.setEnabled(self.version.count() > 1)
        self.version.setCurrentIndex(max(self.version.findData(row.chosen_pk), 0))
        if row.problem:
            self.gate_text.setText(row.problem)
        elif row.chosen_pk is None:
            self.gate_text.setText("Kept as published; its tests are in the workspace it came "
                                   "from.")
        elif row.gate is not None:
            self.gate_text.setText(row.gate.describe())
        else:
            self.gate_text.setText("Looking up test results…")
        change = row.change()
        if row.kind is None:
            self.diff_view.setHtml(MUTED.format(f"Not in this release. Tick "
                                                f"<b>{escape(row.name)}</b> to include it."))
        elif change is None:
            self.diff_view.setHtml(MUTED.format("Loading…"))
        else:
            self.diff_view.setHtml(change_html(change))

    def _picked(self, index: int) -> None:
        if self.row is not None:
            self.version_chosen.emit(self.row, self.version.itemData(index))
