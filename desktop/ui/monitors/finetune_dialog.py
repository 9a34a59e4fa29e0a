"""Export fine-tuning data: choose the calls (positive feedback, corrected outputs, a
monitor's passes, or a test set), see the counts, a token estimate and the first examples
exactly as they will be written, then save the JSONL. Reading runs on a worker thread."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QComboBox, QDialog, QPlainTextEdit, QWidget

from desktop.core.errors import USER_ERRORS
from desktop.core.logs import finetune

from .. import asking
from ..tasks import TaskSet
from ..widgets import MessageBar, button, hbox, label, resize_within, vbox

PREVIEW_ROWS = 20


class FinetuneDialog(QDialog):
    def __init__(self, workspace, parent: QWidget | None = None, *, prompt: str | None = None,
                 monitor: str | None = None, test_sets: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("finetuneDialog")
        self.setWindowTitle("Export Fine-Tuning Data")
        resize_within(self, 1100, 760)
        self.workspace, self.prompt, self.monitor_name = workspace, prompt, monitor
        self.tasks = TaskSet()
        self.export = None
        self.source = QComboBox()
        self.source.setObjectName("finetuneSource")
        self.source.addItem("Calls with positive feedback", "positive:")
        self.source.addItem("Calls with a corrected output (the correction is the answer)",
                            "corrected:")
        if monitor:
            self.source.addItem(f"Calls the monitor {monitor} passed", f"monitor:{monitor}")
        for name in test_sets:
            self.source.addItem(f"Test set {name} (expected outputs)", f"test-set:{name}")
        self.source.currentIndexChanged.connect(self._source_changed)
        self.counts = label("", "finetuneCounts", wrap=True)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("finetunePreview")
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.save_button = button("Save JSONL…", lambda: self.tasks.spawn(self.save()),
                                  name="saveFinetune", default=True)
        self.notice = MessageBar()
        self.setLayout(vbox(self.notice, label("Examples from"), self.source, self.counts,
                            label(f"The first {PREVIEW_ROWS} lines, exactly as written:"),
                            self.preview, hbox(None, self.save_button,
                                               button("Close", self.reject))))

    def _source_changed(self, _index: int) -> None:
        self.tasks.spawn(self.refresh())

    def _read(self):
        kind, _, value = str(self.source.currentData()).partition(":")
        if kind == "test-set":
            return finetune.from_test_set(self.workspace, value)
        return finetune.from_logs(self.workspace, kind, prompt=self.prompt,
                                  monitor=value or None)

    async def refresh(self) -> None:
        self.counts.setText("Reading…")
        try:
            self.export = await asyncio.to_thread(self._read)
        except USER_ERRORS as exc:
            self.export = None
            self.counts.setText(str(exc))
            self.preview.clear()
            return
        self.counts.setText(self.export.summary())
        self.preview.setPlainText("\n".join(self.export.lines()[:PREVIEW_ROWS]))
        self.save_button.setEnabled(bool(self.export.rows))

    async def save(self) -> None:
        if self.export is None or not self.export.rows:
            return
        path = await asking.save_file(self, "Save fine-tuning data", "finetune",
                                      "finetune.jsonl", "JSON Lines (*.jsonl)")
        if not path:
            return
        try:
            await asyncio.to_thread(finetune.write, self.export, path)
        except (OSError, *USER_ERRORS) as exc:
            self.notice.show_message("error", f"Could not write {path}: {exc}")
            return
        self.notice.show_message("success", f"Wrote {path}: {self.export.summary()}")
