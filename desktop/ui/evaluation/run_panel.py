"""Starting, following, cancelling and resuming a run: which versions of the prompt, on which
providers, scored by which evaluators, how many calls at once.

The runner (`desktop.core.runner`) does the work on the app's event loop; this panel only
prepares the request (in a thread: it reads the workspace and the keychain), forwards each
result (`result_arrived`) and shows progress at most ten times a second."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QGridLayout, QLabel, QListWidget, QListWidgetItem, QProgressBar,
    QSpinBox, QWidget,
)

from desktop.core.errors import USER_ERRORS
from desktop.core.ops import runs as run_ops
from desktop.core.runner import (DEFAULT_CONCURRENCY, EvalRequest, Progress, RunOutcome,
                                 prepare_resume, prepare_run)
from desktop.core.runner.batches import DEFAULT_POLL_S
from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace
from storage.workspace.runs import WriterError

from .. import words
from ..tasks import TaskSet
from ..widgets import MessageBar, button, check_item, checked_data, hbox, label, vbox
from .common import EvaluationScreen, add_test_sets, fmt_cost, fmt_count, fmt_score
from .evaluator_picker import EvaluatorPicker
from .testset_editor import check_specs

PROGRESS_EVERY_MS = 100


class RunPanel(EvaluationScreen):
    """`set_prompt(name)` (async: `load_async`) fills the choices; Start runs them."""

    started = Signal(int)  # run id (new or resumed): open it in the grid
    result_arrived = Signal(object)  # storage.workspace.runs.ResultRecord
    progressed = Signal(object)  # desktop.core.runner.Progress
    finished = Signal(object)  # desktop.core.runner.RunOutcome
    failed = Signal(str)  # a message for the user; results so far are kept

    batch_poll_s = DEFAULT_POLL_S  # how often a batch run asks the provider (tests: less)

    def __init__(self, workspace: Workspace, tasks: TaskSet | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("runPanel", workspace, tasks, parent)
        self.prompt: str | None = None
        self.choices: run_ops.RunChoices | None = None
        self.runner = None  # the Runner while a run goes on
        self._busy = False  # preparing or running
        self.outcome: RunOutcome | None = None
        self._progress: Progress | None = None
        self._specs_edited = False
        self._shut = False
        self._runs_started = 0  # a load that began before a run keeps what the run said
        self._loads = 0  # only the latest load fills the lists
        self._spec_problems: list[str] = []

        title = label("Run a test set", "paneTitle")
        self.prompt_label = label("", "hint")
        self.message = MessageBar()

        self.versions = QListWidget()
        self.versions.setObjectName("versionList")
        self.providers = QListWidget()
        self.providers.setObjectName("providerList")
        self.versions.itemChanged.connect(self._update_buttons)
        self.providers.itemChanged.connect(self._update_buttons)
        self.test_set_box = QComboBox()
        self.test_set_box.currentIndexChanged.connect(self._test_set_chosen)
        self.specs = EvaluatorPicker(empty_hint="No evaluators: the answers are collected, "
                                                "not scored. The test set's own come first.")
        self.specs.setObjectName("runEvaluators")
        self.specs.changed.connect(self._specs_changed)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 64)
        self.concurrency.setValue(DEFAULT_CONCURRENCY)
        self.concurrency.setToolTip(words.PARALLEL_TIP)
        self.cache = QCheckBox("Reuse answers to identical requests (saves money; latency "
                               "figures are then the original call's)")
        self.batch = QCheckBox("Run as batch: half price, answered within a day by the "
                               "provider's batch API; you can close the window or the app "
                               "meanwhile and resume the run to collect the answers")
        self.batch.setObjectName("runAsBatch")
        self.start_button = button("Start run", self.start, name="primary")

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress_label = label("", "summary")
        self.cancel_button = button("Cancel", self.cancel, tip="Stop now: results so far are "
                                    "kept, and the run can be resumed later")
        self.cancel_button.setEnabled(False)
        self.progress_timer = QTimer(self)
        self.progress_timer.setObjectName("runProgress")
        self.progress_timer.setInterval(PROGRESS_EVERY_MS)
        self.progress_timer.timeout.connect(self._show_progress)

        self.resumable = QListWidget()
        self.resumable.setObjectName("resumableRuns")
        self.resumable.setMaximumHeight(90)
        self.resume_button = button("Resume", self._resume_selected,
                                    tip="Run only the cells that have no result yet")
        self.resumable.currentRowChanged.connect(
            lambda row: self.resume_button.setEnabled(row >= 0 and not self._busy))
        self.resume_box = QFrame()
        self.resume_box.setObjectName("card")
        resume_row = hbox((self.resumable, 1))
        resume_row.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignTop)
        vbox(label("STOPPED BEFORE THE END", "sideTitle"), resume_row, parent=self.resume_box)
        self.resume_box.hide()

        for widget in (self.versions, self.providers):
            widget.setMaximumHeight(170)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        for column, (text, widget) in enumerate((("VERSIONS OF THE PROMPT", self.versions),
                                                 ("PROVIDERS", self.providers))):
            grid.addWidget(label(text, "sideTitle"), 0, column)
            grid.addWidget(widget, 1, column)
        settings = QGridLayout()
        settings.addWidget(QLabel("Test set"), 0, 0)
        settings.addWidget(self.test_set_box, 0, 1)
        parallel = QLabel(words.PARALLEL_LABEL)
        parallel.setToolTip(words.PARALLEL_TIP)
        settings.addWidget(parallel, 0, 2)
        settings.addWidget(self.concurrency, 0, 3)
        settings.setColumnStretch(1, 1)

        vbox(hbox(title, (self.prompt_label, 1)), self.message, grid, settings,
             label("EVALUATORS", "sideTitle"), self.specs, self.cache, self.batch,
             hbox(self.start_button, (self.progress, 1), self.cancel_button),
             self.progress_label, self.resume_box, None, margins=12, parent=self)
        self._update_buttons()

    # -- choices -------------------------------------------------------------------------
    def set_prompt(self, name: str) -> None:
        self.tasks.spawn(self.load_async(name))

    async def load_async(self, name: str, *, keep_message: bool = False) -> None:
        runs_before = self._runs_started
        self._loads += 1
        load = self._loads
        try:
            choices = await asyncio.to_thread(run_ops.choices, self.workspace, name)
        except USER_ERRORS as exc:
            self.message.show_message("error", str(exc))
            return
        if self._shut or load != self._loads:
            return  # closed, or a later load (which read the workspace after this one) fills it
        # What the author ticked and chose stays ticked when the lists are read again.
        same_prompt = self.choices is not None and self.prompt == name
        ticked_versions = set(checked_data(self.versions)) if same_prompt else None
        ticked_providers = set(checked_data(self.providers)) if same_prompt else None
        chosen_set = self.test_set_box.currentData() if same_prompt else None
        self.prompt = name
        self.choices = choices
        self.prompt_label.setText(f"  {name}")
        self.versions.clear()
        total = len(choices.versions)
        for i, (vid, message, author, created) in enumerate(choices.versions):
            number = total - i
            when = created.astimezone().strftime("%d %b %H:%M") if created else ""
            text = f"v{number}  ·  {vid[:8]}  ·  {when}" + (f"  ·  {message}" if message else "")
            on = vid in ticked_versions if ticked_versions else i == 0
            self.versions.addItem(check_item(text, vid, on,
                                            f"Version {vid}\nby {author or 'unknown'}"))
        self.providers.clear()
        for i, (provider, model) in enumerate(choices.providers):
            on = provider in ticked_providers if ticked_providers else i == 0
            self.providers.addItem(check_item(f"{provider}  ({model})", provider, on))
        self.test_set_box.blockSignals(True)
        self.test_set_box.clear()
        add_test_sets(self.test_set_box, choices.test_sets)
        if chosen_set is not None and self.test_set_box.findData(chosen_set) >= 0:
            self.test_set_box.setCurrentIndex(self.test_set_box.findData(chosen_set))
        self.test_set_box.blockSignals(False)
        self._specs_edited = False
        self._test_set_chosen()
        self._fill_resumable(choices.resumable)
        if keep_message or self._runs_started != runs_before:
            pass  # a run started meanwhile: what it said (e.g. a refusal) stays
        elif not choices.providers:
            self.message.show_message("warning", "Add a provider first (Run → Providers…): "
                                      "a run needs at least one model to call.")
        elif not choices.test_sets:
            self.message.show_message("warning", "Create a test set first: a run calls the "
                                      "model once per case.")
        else:
            self.message.hide()
        self._update_buttons()

    def _fill_resumable(self, runs: list[run_repo.RunSummary]) -> None:
        self.resumable.clear()
        for run in runs:
            item = QListWidgetItem(
                f"Run {run.id} · {run.status} · {fmt_count(run.done)} of "
                f"{fmt_count(run.total)} done · test set {run.test_set or '?'}")
            item.setData(Qt.ItemDataRole.UserRole, run.id)
            self.resumable.addItem(item)
        self.resume_box.setVisible(bool(runs))
        self.resume_button.setEnabled(False)

    def _test_set_chosen(self, *_) -> None:
        if self.choices is None or self._specs_edited:
            return
        name = self.test_set_box.currentData()
        specs = next((s for n, _, s, _m in self.choices.test_sets if n == name), ())
        self.specs.set_text("\n".join(specs))
        self._check()

    def _specs_changed(self) -> None:
        self._specs_edited = True
        self._check()

    def _check(self) -> list[str] | None:
        specs, problems = check_specs(self.specs.text())
        self._spec_problems = problems  # each shown beside its evaluator by the picker
        self._update_buttons()
        return None if problems else specs

    def _update_buttons(self, *_) -> None:
        idle = not self._busy
        ready = (idle and self.choices is not None and bool(checked_data(self.versions))
                 and bool(checked_data(self.providers)) and self.test_set_box.count() > 0
                 and not self._spec_problems)
        self.start_button.setEnabled(ready)
        self.cancel_button.setEnabled(not idle)
        self.resume_button.setEnabled(idle and self.resumable.currentRow() >= 0)

    def request(self) -> EvalRequest:
        """The run the panel describes now."""
        specs = self._check()
        return EvalRequest(
            # oldest first: the grid reads left to right, from the older version to the newer
            versions=[f"{self.prompt}@{vid}" for vid in reversed(checked_data(self.versions))],
            test_set=self.test_set_box.currentData(), providers=checked_data(self.providers),
            evaluators=specs if specs is not None else None,
            concurrency=self.concurrency.value(), cache=self.cache.isChecked(),
            batch=self.batch.isChecked())

    # -- running -------------------------------------------------------------------------
    def start(self) -> None:
        self._update_buttons()
        if self.start_button.isEnabled():
            self.tasks.spawn(self.start_async(self.request()))

    async def start_async(self, request: EvalRequest) -> RunOutcome | None:
        return await self._go(lambda: prepare_run(self.workspace, request))

    def _resume_selected(self) -> None:
        item = self.resumable.currentItem()
        if item is not None:
            self.tasks.spawn(self.resume_async(item.data(Qt.ItemDataRole.UserRole)))

    async def resume_async(self, run_id: int) -> RunOutcome | None:
        return await self._go(lambda: prepare_resume(self.workspace, run_id,
                                                     concurrency=self.concurrency.value()))

    async def _go(self, prepare) -> RunOutcome | None:
        if self._busy:
            return None
        self.message.hide()
        self._runs_started += 1
        self._busy = True
        self._update_buttons()
        self.runner = None
        try:
            outcome = await self._prepare_and_run(prepare)
        finally:
            started = self.runner is not None
            self.runner = None
            self._busy = False
            if not self._shut:
                self.progress_timer.stop()
                self._update_buttons()
        if self._shut:  # the window closed: the run stopped, its results are kept
            return outcome
        if outcome is not None:
            self.outcome = outcome
            self._progress = None
            self._show_outcome(outcome)
            self.finished.emit(outcome)
        if self.prompt and started:  # the resumable runs may have changed
            await self.load_async(self.prompt, keep_message=True)
        return outcome

    async def _prepare_and_run(self, prepare) -> RunOutcome | None:
        self.progress_label.setText("Preparing: checking versions, providers and keys…")
        try:
            runner = await asyncio.to_thread(prepare)
        except USER_ERRORS as exc:
            self.progress_label.setText("")
            # The core's refusal names the CLI's flag; here it is the check box.
            text = str(exc).replace("Run without --batch", "Untick “Run as batch”")
            self.message.show_message("error", f"The run did not start: {text}")
            self.failed.emit(text)
            return None
        runner.batch_poll_s = self.batch_poll_s
        self.runner = runner
        self.outcome = None
        self._progress = runner.progress
        self.progress.setRange(0, max(1, runner.total))
        self.progress.setValue(0)
        self.started.emit(runner.run_id)
        self.progress_timer.start()
        self._show_progress()
        try:
            return await runner.run(on_progress=self._on_progress,
                                    on_result=self.result_arrived.emit)
        except WriterError as exc:
            self.message.show_message("error", f"The run stopped: {exc} Resume it when the "
                                      "workspace can be written again.")
        except USER_ERRORS as exc:
            self.message.show_message("error", f"The run stopped: {exc} Results so far are "
                                      "kept; resume the run to finish it.")
        self.progress_label.setText("Stopped.")
        self.failed.emit(self.message.text())
        return None

    def _on_progress(self, progress: Progress) -> None:
        self._progress = progress  # shown by the timer, not 300 times a second

    def _show_progress(self) -> None:
        progress = self._progress
        if progress is None:
            return
        self.progress.setMaximum(max(1, progress.total))
        self.progress.setValue(progress.done)
        self.progressed.emit(progress)
        errors = f" · {fmt_count(progress.errors)} errors" if progress.errors else ""
        cached = f" · {fmt_count(progress.cached)} from cache" if progress.cached else ""
        batch = ""
        if progress.waiting or progress.batch:
            batch = (f" · {fmt_count(progress.waiting)} waiting in a batch"
                     + (f" ({progress.batch})" if progress.batch else ""))
        self.progress_label.setText(
            f"{fmt_count(progress.done)} of {fmt_count(progress.total)} done{errors}{cached} · "
            f"{fmt_cost(progress.cost)} · {progress.elapsed_s:.0f} s{batch}")

    def _show_outcome(self, outcome: RunOutcome) -> None:
        self.progress.setMaximum(max(1, outcome.total))
        self.progress.setValue(outcome.done)
        verb = "Cancelled" if outcome.status == run_repo.CANCELLED else "Finished"
        gate = outcome.gate
        verdict = ""
        if gate.passed is not None:
            verdict = (" · passes the pass mark ✓" if gate.passed
                       else f" · below the pass mark ✗ ({gate.reason()})")
        errors = f" · {fmt_count(outcome.run_errors)} errors" if outcome.run_errors else ""
        self.progress_label.setText(
            f"{verb}: run {outcome.run_id}, {fmt_count(outcome.done)} cells in "
            f"{outcome.wall_s:.1f} s{errors} · mean score {fmt_score(gate.mean_score)}{verdict}"
            + (" · resume it to finish" if outcome.status == run_repo.CANCELLED else ""))

    def cancel(self) -> None:
        runner = self.runner
        if runner is not None:
            runner.cancel()
            self.progress_label.setText(
                "Stopped following the batch: the provider keeps working on it, and resuming "
                "the run collects its answers." if runner.plan.batch else
                "Cancelling: results so far are kept…")

    @property
    def running(self) -> bool:
        return self._busy

    def shutdown(self) -> None:
        self._shut = True
        self.cancel()
        self.progress_timer.stop()
