"""The side panel of the run grid: one result in full (output, scores, the case) and the
reader's own rating of it: thumbs up or down, a score, a comment."""

from __future__ import annotations

import asyncio
import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QFrame, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QScrollArea,
    QToolButton, QWidget,
)

from desktop.core.evaluators import HumanRating
from desktop.core.identity import author_name
from desktop.core.runner import EvalError
from desktop.core.ops import runs as run_ops
from desktop.core.runner import ratings as core_ratings
from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace
from storage.workspace.runs import CellView, Column, GridRow

from .. import words
from ..tasks import TaskSet
from ..widgets import button, hbox, holder, label, vbox
from .common import (UNSET, EvaluationScreen, error_title, fmt_cost, fmt_ms, fmt_score,
                     number_box, show_text, thumbs)

class ResultPanel(EvaluationScreen):
    """Shows what `show_cell` is given; `rated` fires after a rating was stored."""

    rated = Signal(int, object)  # result id, CaseScore (the result's new combined score)

    def __init__(self, workspace: Workspace, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, rater: str | None = None) -> None:
        super().__init__("resultPanel", workspace, tasks, parent)
        self.rater = author_name() if rater is None else rater
        self.result_id: int | None = None
        self.cell: CellView | None = None
        self._ticket = 0

        self.title = label("Select a result", "outputLabel", wrap=True)
        self.chip = label("", "chip")
        self.chip.hide()
        self.case_label = label("", "summary", wrap=True, selectable=True)
        self.output = QPlainTextEdit()
        self.output.setObjectName("fullOutput")
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The whole output of the selected cell shows here.")
        self.facts = label("", "hint", wrap=True)
        self.scores = label(wrap=True, selectable=True)
        self.scores.setTextFormat(Qt.TextFormat.RichText)

        # -- rating ---------------------------------------------------------------------------
        self.up = QToolButton()
        self.up.setObjectName("thumb")
        self.up.setText(f"{thumbs()[0]}  Good")
        self.up.setCheckable(True)
        self.down = QToolButton()
        self.down.setObjectName("thumb")
        self.down.setText(f"{thumbs()[1]}  Bad")
        self.down.setCheckable(True)
        thumb_group = QButtonGroup(self)
        thumb_group.setExclusive(False)
        thumb_group.addButton(self.up)
        thumb_group.addButton(self.down)
        self.up.toggled.connect(lambda on: on and self.down.setChecked(False))
        self.down.toggled.connect(lambda on: on and self.up.setChecked(False))
        self.score_spin = number_box(1.0, 0.1, unset="no score")
        self.score_spin.setToolTip("Your score from 0 (useless) to 1 (perfect), if you want "
                                   "to give one")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Why? (optional)")
        self.save_button = button("Save rating", self.save_rating, name="primary")
        self.clear_button = button("Remove my rating", self.clear_rating)
        self.rating_note = label("", "hint", wrap=True)
        rating = QFrame()
        rating.setObjectName("card")
        vbox(label("YOUR RATING", "sideTitle"),
             hbox(self.up, self.down, 8, QLabel("Score"), self.score_spin, None),
             self.comment,
             hbox(self.save_button, self.clear_button, None),
             self.rating_note, parent=rating)
        self.rating_box = rating

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.chip, 0, Qt.AlignmentFlag.AlignTop)
        inner = holder(vbox(head, self.case_label, label("OUTPUT", "sideTitle"), (self.output, 1),
                            self.facts, label("SCORES", "sideTitle"), self.scores, rating,
                            margins=12))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        vbox(scroll, margins=0, parent=self)
        self._enable_rating(False)

    def _enable_rating(self, on: bool) -> None:
        for widget in (self.up, self.down, self.score_spin, self.comment, self.save_button,
                       self.clear_button):
            widget.setEnabled(on)

    # -- showing -------------------------------------------------------------------------
    def clear(self) -> None:
        self.result_id = None
        self.cell = None
        self.title.setText("Select a result")
        self.chip.hide()
        self.case_label.setText("")
        self.output.setPlainText("")
        self.facts.setText("")
        self.scores.setText("")
        self._enable_rating(False)

    def show_cell(self, row: GridRow | None, column: Column | None, cell: CellView | None,
                  result_id: int | None) -> None:
        """Show a cell at once from what the grid has, then its whole output from the
        workspace."""
        self._ticket += 1
        self.cell = cell
        self.result_id = result_id
        if row is None:
            self.clear()
            return
        parts = [f"<b>Case {row.row + 1}</b>"]
        for key, value in row.variables.items():
            parts.append(f"<span style='color:#5b34a0'>{html.escape(str(key))}</span>: "
                         f"{html.escape(str(value)[:600])}")
        if row.expected:
            parts.append(f"<span style='color:#6b7280'>Expected:</span> "
                         f"{html.escape(row.expected[:600])}")
        self.case_label.setText("<br>".join(parts))
        if column is None:
            self.title.setText(f"Case {row.row + 1}")
            self.chip.hide()
            self.output.setPlainText("")
            self.facts.setText("Select a result cell to see its output and rate it.")
            self.scores.setText("")
            self._enable_rating(False)
            return
        self.title.setText(f"{column.prompt} @ {column.version_id[:8]} · {column.provider}")
        self._show(cell)
        if result_id is not None and result_id >= 0:
            self.tasks.spawn(self._load_detail(result_id, self._ticket))
        elif cell is not None:
            self._enable_rating(False)
            self.rating_note.setText("This result is still being saved; select it again in a "
                                     "moment to rate it.")

    def _show(self, cell: CellView | None) -> None:
        if cell is None:
            self.chip.setText("waiting")
            self.chip.setProperty("kind", "")
            self.output.setPlainText("")
            self.facts.setText("No result yet.")
            self.scores.setText("")
            self._enable_rating(False)
        else:
            kind = "error" if cell.error_kind else {True: "pass", False: "fail"}.get(cell.passed, "")
            self.chip.setText({"error": "error", "pass": "✓ passed", "fail": "✗ failed"}
                              .get(kind, "no evaluators"))
            self.chip.setProperty("kind", kind)
            if cell.error_kind:
                show_text(self.output, f"{error_title(cell.error_kind)}\n\n"
                                       f"{cell.error_message or ''}")
            else:
                show_text(self.output, cell.output or "")
            self.facts.setText(" · ".join(x for x in (
                words.tokens(cell.tokens_in, cell.tokens_out),
                "from the cache" if cell.cached else fmt_cost(cell.cost),
                words.took(fmt_ms(cell.latency_ms), fmt_ms(cell.ttft_ms) if cell.ttft_ms else None),
                f"{cell.attempts} attempts" if cell.attempts > 1 else "",
                f"finish: {cell.finish_reason}" if cell.finish_reason not in (None, "stop") else "",
                f"{cell.output_chars:,} characters") if x))
            self.scores.setText(self._scores_html(cell))
            self._fill_rating(cell)
            self._enable_rating(cell.error_kind is None and cell.output is not None)
        self.chip.style().unpolish(self.chip)
        self.chip.style().polish(self.chip)
        self.chip.show()

    def _scores_html(self, cell: CellView) -> str:
        if not cell.scores:
            return "<span style='color:#6b7280'>No evaluators in this run.</span>"
        rows = []
        for s in cell.scores:
            mark, color = {True: ("✓", "#067647"), False: ("✗", "#b42318")}.get(
                s.passed, ("·", "#6b7280"))
            who = f" ({html.escape(s.rater)})" if s.kind == "human" and s.rater else ""
            why = html.escape((s.error or s.reason or "")[:300])
            rows.append(f"<tr><td style='color:{color};padding-right:6px'>{mark}</td>"
                        f"<td style='padding-right:8px'><b>{html.escape(s.evaluator)}</b>{who}</td>"
                        f"<td style='padding-right:8px'>{fmt_score(s.value)}</td>"
                        f"<td style='color:#4b5563'>{why}</td></tr>")
        total = f"<p>Case score <b>{fmt_score(cell.score)}</b> (weighted mean)</p>"
        return f"<table>{''.join(rows)}</table>{total}"

    def _fill_rating(self, cell: CellView) -> None:
        mine = next((s for s in cell.scores if s.kind == "human" and s.rater == self.rater), None)
        details = (mine.details or {}) if mine is not None else {}
        thumb = details.get("thumb") if details else (
            None if mine is None or mine.passed is None else ("up" if mine.passed else "down"))
        self.up.setChecked(thumb == "up")
        self.down.setChecked(thumb == "down")
        score = details.get("score") if details else None
        self.score_spin.setValue(UNSET if score is None else float(score))
        self.comment.setText(details.get("comment", "") if details else "")
        self.rating_note.setText(f"You rated this ({mine.reason})." if mine is not None else "")

    async def _load_detail(self, result_id: int, ticket: int) -> None:
        try:
            cell = await asyncio.to_thread(run_ops.result_detail, self.workspace, result_id)
        except run_repo.RunError:
            return
        if ticket == self._ticket:
            self.cell = cell
            self._show(cell)

    # -- rating --------------------------------------------------------------------------
    def rating(self) -> HumanRating:
        thumb = "up" if self.up.isChecked() else "down" if self.down.isChecked() else None
        score = None if self.score_spin.value() <= UNSET + 1e-9 else \
            round(self.score_spin.value(), 4)
        return HumanRating(thumb=thumb, score=score, comment=self.comment.text().strip(),
                           rater=self.rater)

    def save_rating(self) -> None:
        if self.result_id is not None:
            self.tasks.spawn(self.rate_async(self.result_id, self.rating()))

    def clear_rating(self) -> None:
        if self.result_id is not None:
            self.tasks.spawn(self.rate_async(self.result_id, None))

    async def rate_async(self, result_id: int, rating: HumanRating | None) -> Any:
        """Store (or, with None, remove) this rater's rating; the grid listens to `rated`."""
        if rating is not None and rating.thumb is None and rating.score is None \
                and not rating.comment:
            self.rating_note.setText("Choose Good or Bad, give a score, or write a comment "
                                     "first.")
            return None
        self.save_button.setEnabled(False)
        try:
            if rating is None:
                combined = await asyncio.to_thread(core_ratings.clear_rating, self.workspace,
                                                   result_id, self.rater)
            else:
                combined = await asyncio.to_thread(core_ratings.rate, self.workspace,
                                                   result_id, rating)
        except EvalError as exc:
            self.rating_note.setText(str(exc))
            return None
        finally:
            self.save_button.setEnabled(True)
        self.rating_note.setText("Rating saved. The case score is now "
                                 f"{fmt_score(combined.value)}." if rating else "Rating removed.")
        self.rated.emit(result_id, combined)
        if result_id == self.result_id:
            self.tasks.spawn(self._load_detail(result_id, self._ticket))
        return combined
