"""Suggestions for one prompt: what to try, what it would cost, then the verdicts.

1. The author picks the test set, the candidate models (every configured provider; all ticked
   lets the advisor take each cheaper or faster one), an optional model to write shorter
   instructions, a budget and a margin, and asks for the estimate (`ops.advice.propose`).
2. Each suggestion is listed with its estimated cost; a rewrite shows its diff against the
   original before anything runs on it, and any can be unticked. Over the budget, it is left
   out and the panel says so.
3. Run (`ops.advice.run_search`) with progress and Cancel; the verdicts come back as cards
   (`cards.py`), each with the run it comes from and "Open as draft" (a new tab).
Nothing here changes the prompt.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDoubleSpinBox, QGridLayout, QLabel, QListWidget, QProgressBar,
    QScrollArea, QTabWidget, QWidget,
)

from desktop.core.advisor import Advice, AdviceProgress, AdviceRequest, Proposal
from desktop.core.advisor.proposal import costs_text
from desktop.core.errors import USER_ERRORS
from desktop.core.ops import advice as advice_ops
from desktop.core.ops import runs as run_ops

from ..evaluation.common import STYLE, add_test_sets
from ..tasks import TaskSet
from ..widgets import (MessageBar, button, check_item, checked_data, hbox, holder, label,
                       resize_within, splitter, vbox)
from .cards import CostScoreChart, VerdictCard

NO_REWRITE = "(no shorter instructions)"


class SuggestionsDialog(QDialog):
    """The advisor for `prompt` (NAME@VERSION). `draft_requested(SuggestionDraft)` and
    `run_requested(run_id)` are for the workspace view: a new tab, the run's grid."""

    draft_requested = Signal(object)
    run_requested = Signal(int)

    def __init__(self, workspace, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self.setStyleSheet(STYLE)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.workspace = workspace
        self.prompt = prompt
        self.prompt_name = prompt.partition("@")[0]
        self.setWindowTitle(f"Suggestions — {self.prompt_name}")
        resize_within(self, 1300, 860)
        self.tasks = TaskSet()
        self.proposal: Proposal | None = None
        self.advice: Advice | None = None
        self.search = None
        self._progress: AdviceProgress | None = None

        self.message = MessageBar()
        self.test_set_box = QComboBox()
        self.test_set_box.setObjectName("suggestTestSet")
        self.test_set_box.setMinimumContentsLength(22)
        self.models = QListWidget()
        self.models.setObjectName("suggestModels")
        self.models.setMaximumHeight(110)
        self.rewrite_box = QComboBox()
        self.rewrite_box.setObjectName("suggestRewriteWith")
        self.rewrite_box.setMinimumContentsLength(22)
        self.budget = QDoubleSpinBox()
        self.budget.setObjectName("suggestBudget")
        self.budget.setRange(0.0, 10000.0)
        self.budget.setDecimals(4)
        self.budget.setSingleStep(0.10)
        self.budget.setPrefix("$ ")
        self.budget.setValue(1.0)
        self.budget.setToolTip("The whole search never spends more than this (USD)")
        self.margin = QDoubleSpinBox()
        self.margin.setObjectName("suggestMargin")
        self.margin.setRange(0.0, 50.0)
        self.margin.setDecimals(1)
        self.margin.setSuffix(" points")
        self.margin.setValue(2.0)
        self.margin.setToolTip("A candidate scores “the same” when its 95% interval stays above "
                               "minus this many points of the current score")
        self.estimate_button = button("Estimate cost", self.estimate)

        self.candidates = QListWidget()
        self.candidates.setObjectName("suggestCandidates")
        self.candidates.setMaximumHeight(200)
        self.candidates.itemChanged.connect(self._update_plan)
        self.candidates.currentRowChanged.connect(self._show_diff)
        self.estimate_label = label("Ask for the estimate: nothing is spent before you run.",
                                    "summary", wrap=True)
        from ..versions import DiffView

        self.diff = DiffView(titles=("Your prompt", "Suggested rewrite"))
        self.diff.set_message("Pick a shorter-prompt suggestion to see what it changes.")
        self.run_button = button("Run", self.run, name="primary")
        self.cancel_button = button("Cancel", self.cancel)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 1)
        self.progress_label = label("", "summary", wrap=True)

        self.headline = label("", "paneTitle", wrap=True)
        self.cards_box = vbox()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder(vbox(self.headline, self.cards_box, None)))
        self.chart = CostScoreChart()
        self.results = QTabWidget()
        self.results.setDocumentMode(True)
        self.results.addTab(scroll, "Verdicts")
        self.results.addTab(self.chart, "Cost vs score")
        self.cards: list[VerdictCard] = []

        form = QGridLayout()
        form.addWidget(QLabel("Test set"), 0, 0)
        form.addWidget(self.test_set_box, 0, 1)
        form.addWidget(QLabel("Budget"), 0, 2)
        form.addWidget(self.budget, 0, 3)
        form.addWidget(QLabel("Margin"), 0, 4)
        form.addWidget(self.margin, 0, 5)
        form.addWidget(QLabel("Shorter instructions by"), 1, 0)
        form.addWidget(self.rewrite_box, 1, 1)
        form.addWidget(self.estimate_button, 1, 5)
        form.setColumnStretch(1, 1)
        setup = vbox(self.message, form,
                     label("MODELS TO TRY (all ticked: every cheaper or faster one)", "sideTitle"),
                     self.models,
                     label("SUGGESTIONS TO RUN (untick any)", "sideTitle"),
                     self.candidates, self.estimate_label,
                     hbox(self.run_button, (self.progress, 1), self.cancel_button),
                     self.progress_label, None)
        self.right = QTabWidget()
        self.right.setDocumentMode(True)
        self.right.addTab(self.results, "Results")
        self.right.addTab(self.diff, "Rewrite diff")
        vbox(splitter(setup, self.right, sizes=[520, 780], collapsible=True), parent=self)
        self.finished.connect(lambda _r: self.shutdown())
        self._update_buttons()

    # -- choices ---------------------------------------------------------------------------
    async def load(self) -> None:
        try:
            choices = await asyncio.to_thread(run_ops.choices, self.workspace, self.prompt_name)
        except USER_ERRORS as exc:
            self.message.show_message("error", str(exc))
            return
        self.test_set_box.clear()
        add_test_sets(self.test_set_box, choices.test_sets)
        self.models.clear()
        self.rewrite_box.clear()
        self.rewrite_box.addItem(NO_REWRITE, None)
        for provider, model in choices.providers:
            self.models.addItem(check_item(f"{provider}  ({model})", provider, True,
                                           selectable=True))
            self.rewrite_box.addItem(f"{provider}  ({model})", provider)
        if not choices.providers:
            self.message.show_message("warning", "Add providers first (Run → Providers…): the "
                                      "advisor compares the models you have configured.")
        elif not choices.test_sets:
            self.message.show_message("warning", "Create a test set with evaluators first "
                                      "(Test → Test Sets and Runs…): suggestions are proved on it.")
        self._update_buttons()

    def request(self) -> AdviceRequest:
        ticked = checked_data(self.models)
        everything = len(ticked) == self.models.count()
        return AdviceRequest(self.prompt, self.test_set_box.currentData(),
                             models=() if everything else tuple(ticked),
                             rewrite_with=self.rewrite_box.currentData(),
                             budget=self.budget.value(), margin=self.margin.value() / 100)

    # -- estimate --------------------------------------------------------------------------
    def estimate(self) -> None:
        if self.test_set_box.count() and self.search is None:
            self.tasks.spawn(self.estimate_async())

    async def estimate_async(self) -> Proposal | None:
        self.message.hide()
        self.estimate_label.setText("Estimating: reading the test set and earlier runs…")
        self._busy(True)
        try:
            changes = await advice_ops.propose(self.workspace, self.request())
        except USER_ERRORS as exc:
            self.estimate_label.setText("")
            self.message.show_message("error", str(exc))
            return None
        finally:
            self._busy(False)
        self.proposal = changes.value
        self._fill_candidates()
        return self.proposal

    def _fill_candidates(self) -> None:
        proposal = self.proposal
        self.candidates.blockSignals(True)
        self.candidates.clear()
        for c in proposal.candidates:
            text = f"{c.label}  ·  est. {costs_text(c.estimate.total)}"
            if c.estimate.cached:
                text += f" ({c.estimate.cached} from cache)"
            tip = "\n".join(x for x in (c.why, c.summary, c.estimate.basis) if x)
            self.candidates.addItem(check_item(text, c.key, True, tip, selectable=True))
        self.candidates.blockSignals(False)
        first_rewrite = next((i for i, c in enumerate(proposal.candidates) if c.diff is not None),
                             None)
        if first_rewrite is not None:
            self.candidates.setCurrentRow(first_rewrite)
        self._update_plan()

    def _show_diff(self, row: int) -> None:
        if self.proposal is None or not 0 <= row < len(self.proposal.candidates):
            return
        c = self.proposal.candidates[row]
        if c.diff is None:
            self.diff.set_message(f"{c.label} runs your prompt unchanged on another model.")
            return
        self.diff.set_contents(self.proposal.content, c.content,
                               ("Your prompt", c.label), diff=c.diff)
        self.right.setCurrentWidget(self.diff)

    def planned(self) -> tuple[list[str], list[tuple[str, str]], float | None]:
        assert self.proposal is not None
        return self.proposal.plan(checked_data(self.candidates), self.budget.value())

    def _update_plan(self, *_) -> None:
        if self.proposal is None:
            self._update_buttons()
            return
        p = self.proposal
        keys, skipped, total = self.planned()
        lines = [f"Estimated cost of the search: {costs_text(total)} (budget "
                 f"{costs_text(self.budget.value())}) for {len(keys)} suggestion"
                 f"{'s' if len(keys) != 1 else ''} on {p.cases:,} cases."]
        if p.baseline.run_id is None:
            lines.append(f"It includes a first run of your prompt on {p.baseline.label} "
                         f"({costs_text(p.baseline.estimate.total)}) to compare with.")
        else:
            lines.append(f"Compared with run {p.baseline.run_id} of your prompt on "
                         f"{p.baseline.label}.")
        labels = {c.key: c.label for c in p.candidates}
        for key, why in skipped:
            lines.append(f"Left out: {labels.get(key, key)}, {why}.")
        for what, why in p.excluded:
            lines.append(f"Not tried: {what}, {why}.")
        self.estimate_label.setText("\n".join(lines))
        self._update_buttons()

    # -- running ---------------------------------------------------------------------------
    def run(self) -> None:
        if self.run_button.isEnabled():
            self.tasks.spawn(self.run_async())

    async def run_async(self) -> Advice | None:
        if self.proposal is None or self.search is not None:
            return None
        keys, _skipped, _total = self.planned()
        if not keys:
            self.message.show_message("warning", "Nothing fits in the budget: raise it or "
                                      "tick fewer suggestions. Nothing was spent.")
            return None
        self.message.hide()
        try:
            self.search = advice_ops.prepare_search(self.workspace, self.proposal, chosen=keys,
                                                    budget=self.budget.value())
        except USER_ERRORS as exc:
            self.message.show_message("error", str(exc))
            return None
        self._busy(True)
        self.progress_label.setText("Starting…")
        try:
            changes = await advice_ops.run_search(self.search, on_progress=self._on_progress)
        except USER_ERRORS as exc:
            self.message.show_message("error", f"The search stopped: {exc} Every result so far "
                                      "is kept in its run.")
            return None
        finally:
            self.search = None
            self._busy(False)
        self.advice = changes.value
        self.progress_label.setText(changes.message)
        self._show_advice(self.advice)
        return self.advice

    def _on_progress(self, progress: AdviceProgress) -> None:
        self.progress.setRange(0, max(1, progress.total))
        self.progress.setValue(progress.done)
        budget = f" of {costs_text(progress.budget)}" if progress.budget is not None else ""
        self.progress_label.setText(f"{progress.stage}: {progress.done:,} of {progress.total:,}"
                                    f" · spent {costs_text(progress.spent)}{budget}")

    def cancel(self) -> None:
        if self.search is not None:
            self.search.cancel()
            self.progress_label.setText("Cancelling: every result so far is kept…")

    def _show_advice(self, advice: Advice) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        self.headline.setText(advice.headline())
        for v in sorted(advice.verdicts, key=lambda v: v.key != advice.recommended):
            card = VerdictCard(v, v.key == advice.recommended)
            card.draft_requested.connect(self.open_as_draft)
            card.run_requested.connect(self.run_requested)
            self.cards_box.addWidget(card)
            self.cards.append(card)
        labels = {c.key: c.label for c in advice.proposal.candidates}
        for key, why in advice.skipped:
            note = QLabel(f"Not run: {labels.get(key, key)}, {why}.")
            note.setWordWrap(True)
            note.setObjectName("hint")
            self.cards_box.addWidget(note)
            self.cards.append(note)
        self.chart.set_advice(advice)
        self.right.setCurrentWidget(self.results)
        self.results.setCurrentIndex(0)

    def open_as_draft(self, key: str) -> None:
        if self.proposal is None:
            return
        try:
            changes = advice_ops.open_as_draft(self.workspace, self.proposal, key)
        except USER_ERRORS as exc:
            self.message.show_message("error", str(exc))
            return
        self.draft_requested.emit(changes.value)
        self.message.show_message("info", changes.message)

    # -- state -----------------------------------------------------------------------------
    def _busy(self, on: bool) -> None:
        self._working = on
        self._update_buttons()

    def _update_buttons(self) -> None:
        working = getattr(self, "_working", False)
        self.estimate_button.setEnabled(not working and self.test_set_box.count() > 0)
        self.run_button.setEnabled(not working and self.proposal is not None
                                   and bool(checked_data(self.candidates)))
        self.cancel_button.setEnabled(self.search is not None)

    @property
    def running(self) -> bool:
        return self.search is not None

    def shutdown(self) -> None:
        self.cancel()
        self.tasks.cancel_all()
