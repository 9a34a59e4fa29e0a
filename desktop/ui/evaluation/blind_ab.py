"""Blind A/B: two outputs for the same case side by side, labels hidden; the rater picks left,
right, a tie or neither, and only then sees which was which.

Pairs come from `desktop.core.runner.ratings.blind_session` (random sides, shuffled cases); the
choice is stored unblinded by `prefer` before anything is revealed."""

from __future__ import annotations

import asyncio
import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QWidget,
)

from desktop.core.evaluators import BlindPair
from desktop.core.identity import author_name
from desktop.core.runner import EvalError
from desktop.core.runner import ratings as core_ratings
from desktop.core.ops import runs as run_ops
from storage.workspace.db import Workspace
from storage.workspace.runs import CellView, Column

from ..tasks import TaskSet
from ..widgets import MessageBar, button, hbox, label, vbox
from .common import EvaluationScreen, show_text
from .grid_model import case_summary

CHOICES = (("left", "◀  Left is better", "1"), ("tie", "About the same", "T"),
           ("neither", "Neither is good", "N"), ("right", "Right is better  ▶", "2"))


class OutputCard(QFrame):
    def __init__(self, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.side = label(side, "outputLabel")
        self.reveal = label("", "hint", wrap=True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        vbox(hbox(self.side, None, self.reveal), (self.text, 1), parent=self)

    def show_output(self, cell: CellView) -> None:
        show_text(self.text, cell.output or "")
        self.reveal.setText("")
        self.setStyleSheet("")


class BlindABView(EvaluationScreen):
    """`start_async(run_id, a, b)` with a and b two column keys (version_pk, provider)."""

    preference_recorded = Signal(object)  # storage.workspace.runs.PreferenceRecord
    finished = Signal(object)  # desktop.core.evaluators.PreferenceTally

    def __init__(self, workspace: Workspace, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, rater: str | None = None) -> None:
        super().__init__("blindAB", workspace, tasks, parent)
        self.rater = author_name() if rater is None else rater
        self.run_id: int | None = None
        self.columns: list[Column] = []
        self.pairs: list[BlindPair] = []
        self.position = 0
        self.revealed = False
        self.labels: dict[tuple[int, str], str] = {}
        self.a: tuple[int, str] | None = None
        self.b: tuple[int, str] | None = None

        title = label("Blind comparison", "paneTitle")
        self.subtitle = label("Pick two columns. You will see their outputs for each case "
                              "without knowing which is which.", "hint", wrap=True)
        self.a_box = QComboBox()
        self.b_box = QComboBox()
        self.start_button = button("Start", self._start_clicked, name="primary")
        self.counter = label("", "chip")
        self.message = MessageBar()
        self.case_label = label("", "summary", wrap=True)
        self.left = OutputCard("Left")
        self.right = OutputCard("Right")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Why? (optional, saved with your choice)")
        self.choice_buttons: dict[str, QPushButton] = {}
        choices = QHBoxLayout()
        for choice, text, key in CHOICES:
            self.choice_buttons[choice] = button(f"{text}   [{key}]",
                                                 lambda c=choice: self.choose(c), name="choice")
            QShortcut(QKeySequence(key), self, activated=lambda c=choice: self.choose(c))
            choices.addWidget(self.choice_buttons[choice])
        self.next_button = button("Next case  ▸   [Enter]", self.next_pair, name="primary")
        QShortcut(QKeySequence(Qt.Key.Key_Return), self, activated=self._enter)
        self.result_label = label("", "summary", wrap=True)

        pick = hbox(QLabel("A"), (self.a_box, 1), QLabel("B"), (self.b_box, 1),
                    self.start_button)
        vbox(hbox(title, None, self.counter), self.subtitle, pick, self.message, self.case_label,
             (hbox((self.left, 1), (self.right, 1)), 1), self.comment, choices,
             hbox((self.result_label, 1), self.next_button), margins=12, parent=self)
        self._set_stage("idle")

    def _set_stage(self, stage: str) -> None:
        choosing = stage == "choose"
        for button in self.choice_buttons.values():
            button.setEnabled(choosing)
        self.comment.setEnabled(choosing)
        self.next_button.setVisible(stage == "revealed")
        self.left.setVisible(stage in ("choose", "revealed"))
        self.right.setVisible(stage in ("choose", "revealed"))
        self.comment.setVisible(stage in ("choose", "revealed"))
        for button in self.choice_buttons.values():
            button.setVisible(stage in ("choose", "revealed"))

    # -- setting up ----------------------------------------------------------------------
    async def load_async(self, run_id: int) -> None:
        """Offer the run's columns to compare."""
        self.run_id = run_id
        self.columns = await asyncio.to_thread(run_ops.columns, self.workspace, run_id)
        self.labels = {c.key: c.label for c in self.columns}
        for box in (self.a_box, self.b_box):
            box.clear()
            for column in self.columns:
                box.addItem(column.label, column.key)
        if len(self.columns) > 1:
            self.b_box.setCurrentIndex(1)
        self.start_button.setEnabled(len(self.columns) > 1)
        self.subtitle.setText(f"Run {run_id}. Pick two columns: you will see their outputs for "
                              "each case without knowing which is which.")

    def _start_clicked(self) -> None:
        a, b = self.a_box.currentData(), self.b_box.currentData()
        if self.run_id is not None and a and b:
            self.tasks.spawn(self.start_async(self.run_id, tuple(a), tuple(b)))

    async def start_async(self, run_id: int, a: tuple[int, str], b: tuple[int, str],
                          rng=None) -> int:
        """Begin a session; returns how many cases there are to judge."""
        if a == b:
            self.message.show_message("warning", "Pick two different columns.")
            return 0
        if self.run_id != run_id or not self.columns:
            await self.load_async(run_id)
        self.a, self.b = a, b
        for box, key in ((self.a_box, a), (self.b_box, b)):
            index = box.findData(key)
            if index >= 0:
                box.setCurrentIndex(index)
        try:
            self.pairs = await asyncio.to_thread(core_ratings.blind_session, self.workspace,
                                                 run_id, a, b, rng=rng)
        except EvalError as exc:
            self.message.show_message("error", str(exc))
            return 0
        self.position = 0
        if not self.pairs:
            self.message.show_message("info", "No case has an output in both columns yet.")
            return 0
        self.message.hide()
        await self._show_pair()
        return len(self.pairs)

    # -- the session ---------------------------------------------------------------------
    @property
    def pair(self) -> BlindPair | None:
        return self.pairs[self.position] if 0 <= self.position < len(self.pairs) else None

    async def _show_pair(self) -> None:
        pair = self.pair
        if pair is None or self.run_id is None:
            return
        row, left, right = await asyncio.to_thread(run_ops.pair_detail, self.workspace,
                                                   self.run_id, int(pair.left), int(pair.right))
        self.revealed = False
        self.counter.setText(f"Pair {self.position + 1} of {len(self.pairs)}")
        if row is not None:
            expected = (f"<br><span style='color:#6b7280'>Expected:</span> "
                        f"{html.escape(row.expected[:500])}" if row.expected else "")
            self.case_label.setText(
                f"<b>Case {row.row + 1}</b><br>"
                + html.escape(case_summary(row, 500)).replace("\n", "<br>") + expected)
        self.left.show_output(left)
        self.right.show_output(right)
        self.comment.clear()
        self.result_label.setText("Which answer is better for this case?")
        self._set_stage("choose")

    def choose(self, choice: str) -> None:
        if self.pair is not None and not self.revealed:
            self.tasks.spawn(self.choose_async(choice))

    async def choose_async(self, choice: str):
        """Store the choice (unblinded), then show which side was which."""
        pair = self.pair
        if pair is None or self.run_id is None or self.revealed:
            return None
        self.revealed = True
        self._set_stage("revealed")
        try:
            record = await asyncio.to_thread(core_ratings.prefer, self.workspace, self.run_id,
                                             pair, choice, rater=self.rater,
                                             comment=self.comment.text().strip())
        except EvalError as exc:
            self.revealed = False
            self._set_stage("choose")
            self.message.show_message("error", f"Your choice was not saved: {exc}")
            return None
        left_is_a = pair.a_on_left
        names = {True: ("A", self.labels.get(self.a, "")), False: ("B", self.labels.get(self.b, ""))}
        for card, is_a in ((self.left, left_is_a), (self.right, not left_is_a)):
            letter, name = names[is_a]
            card.reveal.setText(f"was {letter}: {name}")
        winner_card = {"left": self.left, "right": self.right}.get(choice)
        if winner_card is not None:
            winner_card.setStyleSheet("#card { border: 2px solid #2f5fd0; }")
        said = {"left": "You preferred the left answer", "right": "You preferred the right answer",
                "tie": "You found them about the same", "neither": "You found neither good"}
        won = {"a": f" — that was A ({self.labels.get(self.a, '')}).",
               "b": f" — that was B ({self.labels.get(self.b, '')}).",
               "tie": ".", "neither": "."}[record.winner]
        self.result_label.setText(said[choice] + won)
        self.preference_recorded.emit(record)
        if self.position == len(self.pairs) - 1:
            self.next_button.setText("See the results  ▸   [Enter]")
        return record

    def _enter(self) -> None:
        if self.revealed:
            self.next_pair()

    def next_pair(self) -> None:
        if self.revealed:
            self.tasks.spawn(self.next_async())

    async def next_async(self) -> None:
        self.position += 1
        if self.position < len(self.pairs):
            await self._show_pair()
            return
        assert self.run_id is not None
        tally = await asyncio.to_thread(core_ratings.preference_tally, self.workspace,
                                        self.run_id)
        rate = tally.a_win_rate
        self.counter.setText("Done")
        self.case_label.setText("")
        self.result_label.setText(
            f"<b>A ({html.escape(self.labels.get(self.a, ''))})</b> won {tally.a}, "
            f"<b>B ({html.escape(self.labels.get(self.b, ''))})</b> won {tally.b}, "
            f"{tally.tie} about the same, {tally.neither} neither good "
            f"(all sessions of this run)."
            + (f" A was preferred in {rate:.0%} of the decided cases." if rate is not None else ""))
        self._set_stage("idle")
        self.finished.emit(tally)
