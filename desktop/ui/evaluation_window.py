"""The evaluation window for one prompt: its test sets, runs with the live grid, and comparisons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QSplitter, QTabWidget, QVBoxLayout, QWidget

from .tasks import TaskSet, Writer
from .widgets import resize_within


class EvaluationWindow(QDialog):
    """Test sets | Run (panel above the live grid) | Compare, for the prompt `prompt_name`."""

    TABS = ("testsets", "run", "compare")

    def __init__(self, workspace, writer: Writer, prompt_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from .evaluation import CompareView, RunGridView, RunPanel, TestSetEditor

        self.setWindowTitle(f"Test — {prompt_name}")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        resize_within(self, 1400, 900)
        self.prompt_name = prompt_name
        self.tasks = TaskSet()
        self.editor = TestSetEditor(workspace, writer, self.tasks, prompt=prompt_name)
        self.panel = RunPanel(workspace, self.tasks)
        self.grid = RunGridView(workspace, self.tasks)
        self.compare = CompareView(workspace, self.tasks)
        self.panel.started.connect(lambda run_id: self.grid.open_run(run_id, live=True))
        self.panel.result_arrived.connect(self.grid.apply_result)
        self.panel.finished.connect(lambda outcome: self.grid.run_finished(outcome.run_id))
        self.panel.finished.connect(lambda outcome: self.tasks.spawn(
            self.compare.load_async(prompt_name, outcome.run_id)))
        self.grid.compare_requested.connect(self.show_compare)
        self.editor.saved.connect(lambda _name: self.tasks.spawn(self.panel.load_async(prompt_name)))

        run_page = QSplitter(Qt.Orientation.Vertical)
        run_page.addWidget(self.panel)
        run_page.addWidget(self.grid)
        run_page.setStretchFactor(1, 1)
        run_page.setSizes([300, 600])
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.editor, "Test sets")
        self.pages.addTab(run_page, "Run")
        self.pages.addTab(self.compare, "Compare runs")
        self.pages.currentChanged.connect(self._page_shown)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.pages)
        self.finished.connect(lambda _r: self.shutdown())

    async def load(self, page: str = "testsets", test_set: str | None = None) -> None:
        """Show `page` ("testsets", "run" or "compare"), with the test set `test_set` open."""
        self.pages.setCurrentIndex(self.TABS.index(page))
        await self.editor.refresh_names()
        if test_set is not None:
            await self.editor.open_async(test_set)
        elif self.editor.loaded is None and self.editor.set_box.count():
            await self.editor.open_async(self.editor.set_box.itemData(0))
        await self.panel.load_async(self.prompt_name)
        await self.compare.load_async(self.prompt_name)

    def _page_shown(self, index: int) -> None:
        if self.TABS[index] == "run" and not self.panel.running:
            self.tasks.spawn(self._refresh_run_page())

    async def _refresh_run_page(self) -> None:
        """The Run page shows the test sets as just edited: pending edits are saved first."""
        await self.editor.flush()
        await self.panel.load_async(self.prompt_name)

    def refresh_runs(self) -> None:
        """Read the runs again (another window on this prompt stopped one: it can be resumed)."""
        if not self.panel.running:
            self.tasks.spawn(self.panel.load_async(self.prompt_name, keep_message=True))

    def show_compare(self, run_id: int) -> None:
        self.pages.setCurrentWidget(self.compare)
        self.tasks.spawn(self.compare.load_async(self.prompt_name, run_id))

    async def flush(self) -> None:
        """Write the test-set edits still pending, and wait for it."""
        await self.editor.flush()

    def shutdown(self) -> None:
        # The editor's pending edits are still saved (its save outlives cancel_all); a run is
        # stopped and kept, resumable; everything else the window was doing is cancelled.
        for widget in (self.editor, self.panel, self.grid):
            widget.shutdown()
        self.tasks.cancel_all()
