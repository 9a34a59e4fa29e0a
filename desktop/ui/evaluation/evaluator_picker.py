"""Evaluators chosen in a form: a row per evaluator (what it checks, the value, when it passes,
its weight, inverted or not), each explained inline when it cannot work. The form writes the
same one-line specs the command line takes; "Edit as text" shows and edits them directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QGridLayout, QLabel, QLineEdit, QPlainTextEdit,
    QSizePolicy, QStackedWidget, QToolButton, QWidget,
)

from desktop.core.evaluators import KINDS, SpecError, SpecParts, join_spec, parse_spec, split_spec

from ..widgets import button, hbox, holder, label, on_click, vbox
from .common import UNSET, number_box

# The checks on text, each with a twin that ignores case (its kind with an "i" in front):
# words, example, and the twin's example. The twin's words drop the parenthesis.
_TEXT_CHECKS: dict[str, tuple[str, str, str]] = {
    "contains": ("Contains the text", "refund", "refund"),
    "equals": ("Is exactly", "{{ expected }}", "{{ expected }}"),
    "starts-with": ("Starts with", "Dear", "dear"),
    "ends-with": ("Ends with", ".", "regards"),
    "contains-any": ("Contains one of (comma-separated)", "refund, money back",
                     "refund, money back"),
    "contains-all": ("Contains all of (comma-separated)", "order number, date",
                     "order number, date"),
}
# What each kind checks, in words, and an example value (None: the kind takes no value).
KIND_WORDS: dict[str, tuple[str, str | None]] = {
    "regex": ("Matches a pattern (regular expression)", r"^\d{4}-\d{2}-\d{2}$"),
    "length": ("Length in characters (min..max)", "..280"),
    "is-json": ("Is valid JSON", None),
    "json-schema": ("Is JSON that fits a schema", '{"type": "object"}'),
    "edit-similarity": ("Close to the expected answer (edit distance)", ""),
    "bleu": ("BLEU score against the expected answer", ""),
    "chrf": ("chrF score against the expected answer", ""),
    "rouge-l": ("ROUGE-L score against the expected answer", ""),
    "judge": ("A model grades it (model:rubric)", "openai/gpt-4o-mini:Is the answer polite?"),
}
for _kind, (_words, _example, _any_case_example) in _TEXT_CHECKS.items():
    KIND_WORDS[_kind] = (_words, _example)
    KIND_WORDS["i" + _kind] = (_words.split(" (")[0] + ", any case", _any_case_example)
assert set(KIND_WORDS) == set(KINDS), "every evaluator kind has words in the picker"


class EvaluatorRow(QFrame):
    changed = Signal()
    remove_requested = Signal(object)

    def __init__(self, parts: SpecParts | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluatorRow")
        self._options: tuple[tuple[str, str], ...] = ()
        self.kind = QComboBox()
        self.kind.setObjectName("evaluatorKind")
        for kind in KINDS:
            self.kind.addItem(KIND_WORDS[kind][0], kind)
            self.kind.setItemData(self.kind.count() - 1, kind, Qt.ItemDataRole.ToolTipRole)
        self.value = QLineEdit()
        self.value.setObjectName("evaluatorValue")
        self.value.setToolTip("Written exactly as typed: spaces count. {{ expected }} is the "
                              "case's expected answer, {{ name }} one of its values.")
        self.threshold = number_box(1.0, 0.05, unset="default")
        self.threshold.setMinimumWidth(78)
        self.threshold.setToolTip("The score at which a case passes, from 0 to 1 ("
                                  "“default”: 1 for checks, 0.5 for scores and judges)")
        self.weight = number_box(10.0, 0.5, value=1.0)
        self.weight.setMinimumWidth(78)
        self.weight.setToolTip("Its share of the case's score; 0 records it without counting it")
        self.invert = QCheckBox("Not")
        self.invert.setToolTip("Pass when the check fails (e.g. not contains “as an AI”)")
        remove = QToolButton()
        remove.setText("✕")
        remove.setAutoRaise(True)
        remove.setToolTip("Remove this evaluator")
        on_click(remove.clicked, lambda: self.remove_requested.emit(self))
        self.problem = label("", "fieldProblem", wrap=True)
        self.problem.hide()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setHorizontalSpacing(6)
        grid.addWidget(self.invert, 0, 0)
        grid.addWidget(self.kind, 0, 1)
        grid.addWidget(self.value, 0, 2)
        grid.addWidget(QLabel("passes at"), 0, 3)
        grid.addWidget(self.threshold, 0, 4)
        grid.addWidget(QLabel("weight"), 0, 5)
        grid.addWidget(self.weight, 0, 6)
        grid.addWidget(remove, 0, 7)
        grid.addWidget(self.problem, 1, 1, 1, 7)
        grid.setColumnStretch(2, 1)
        if parts is not None:
            self.set_parts(parts)
        else:
            self._kind_changed()
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for signal in (self.kind.currentIndexChanged, self.value.textChanged,
                       self.threshold.valueChanged, self.weight.valueChanged,
                       self.invert.toggled):
            signal.connect(lambda *_: self.changed.emit())

    def set_parts(self, parts: SpecParts) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(parts.kind)))
        self._kind_changed()
        self.value.setText(parts.value or "")
        self.threshold.setValue(float(parts.threshold) if parts.threshold is not None
                                else UNSET)
        self.weight.setValue(float(parts.weight) if parts.weight is not None else 1.0)
        self.invert.setChecked(parts.negate)
        self._options = parts.options

    def _kind_changed(self, *_args) -> None:
        words, example = KIND_WORDS[self.kind.currentData()]
        self.value.setVisible(example is not None)
        self.value.setPlaceholderText(
            f"e.g. {example}" if example else "the expected answer (leave empty)")
        self._options = ()

    def parts(self) -> SpecParts:
        kind = self.kind.currentData()
        takes_value = KIND_WORDS[kind][1] is not None
        value = self.value.text() if takes_value and self.value.text() != "" else None
        threshold = self.threshold.value()
        weight = self.weight.value()
        return SpecParts(kind, value,
                         None if threshold <= UNSET / 2 else _number(threshold),
                         self.invert.isChecked(),
                         None if weight == 1.0 else _number(weight), self._options)

    def spec(self) -> str:
        return join_spec(self.parts())

    def check(self) -> str | None:
        try:
            parse_spec(self.spec())
        except SpecError as exc:
            problem = str(exc)
        else:
            problem = None
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        return problem


class EvaluatorPicker(QWidget):
    """`text()` / `set_text()`: the evaluators as spec lines; `changed` on every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, empty_hint: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("evaluatorPicker")
        self.rows: list[EvaluatorRow] = []
        self._quiet = False
        self.rows_box = vbox(margins=0, spacing=2)
        self.empty = label(empty_hint or "No evaluators: cases are run, not scored.", "hint")
        self.add_button = button("+ Add evaluator", self.add)
        self.as_text = QToolButton()
        self.as_text.setText("Edit as text")
        self.as_text.setCheckable(True)
        self.as_text.setToolTip("One evaluator per line, as `promptpress eval --evaluator` "
                                "takes them")
        self.as_text.toggled.connect(self._switch)
        self.editor = QPlainTextEdit()
        self.editor.setObjectName("evaluatorText")
        self.editor.setPlaceholderText("One evaluator per line, e.g.\nicontains:refund\n"
                                       "length:..280\nnot:icontains:as an AI")
        self.editor.setToolTip("Kinds: " + ", ".join(KINDS))
        self.editor.setFixedHeight(86)
        self.editor.textChanged.connect(self._text_edited)
        self.text_problems = label("", "fieldProblem", wrap=True)
        self.text_problems.hide()

        self.pages = QStackedWidget()
        self.pages.addWidget(holder(vbox(self.rows_box, self.empty, margins=0)))
        self.pages.addWidget(holder(vbox(self.editor, self.text_problems, margins=0)))
        vbox(self.pages, hbox(self.add_button, None, self.as_text), margins=0, parent=self)
        self._update()

    # -- the specs ------------------------------------------------------------------------
    def text(self) -> str:
        if self.pages.currentIndex() == 1:
            return self.editor.toPlainText()
        return "\n".join(row.spec() for row in self.rows)

    def set_text(self, text: str) -> None:
        """Show these specs; as rows when every line reads as one, else as text."""
        self._quiet = True
        try:
            lines = [line for line in text.splitlines() if line.strip()]
            try:
                parts = [split_spec(line) for line in lines]
            except SpecError:
                parts = None
            if parts is None or any(p.value and p.value.startswith("@") for p in parts):
                self.editor.setPlainText(text)  # a file reference or a typo: show it as written
                self.as_text.setChecked(True)
            else:
                self._set_rows(parts)
                self.editor.setPlainText(text)
                self.as_text.setChecked(False)
        finally:
            self._quiet = False
        self._update()

    def add(self, kind: str = "icontains", value: str | None = None) -> EvaluatorRow:
        if self.pages.currentIndex() == 1:
            self.as_text.setChecked(False)
        row = self._add_row(SpecParts(kind, value))
        row.value.setFocus()
        self._edited()
        return row

    def problems(self) -> list[str]:
        if self.pages.currentIndex() == 1:
            return self._text_problems()
        return [f"Evaluator {i}: {p}" for i, row in enumerate(self.rows, 1)
                if (p := row.check()) is not None]

    # -- rows -----------------------------------------------------------------------------
    def _set_rows(self, parts: Sequence[SpecParts]) -> None:
        for row in list(self.rows):
            self._drop(row)
        for p in parts:
            self._add_row(p)

    def _add_row(self, parts: SpecParts) -> EvaluatorRow:
        row = EvaluatorRow(parts)
        row.changed.connect(self._edited)
        row.remove_requested.connect(self._remove)
        self.rows.append(row)
        self.rows_box.addWidget(row)
        return row

    def _drop(self, row: EvaluatorRow) -> None:
        self.rows.remove(row)
        self.rows_box.removeWidget(row)
        row.deleteLater()

    def _remove(self, row: EvaluatorRow) -> None:
        self._drop(row)
        self._edited()

    # -- switching views ------------------------------------------------------------------
    def _switch(self, as_text: bool) -> None:
        if self._quiet:
            self.pages.setCurrentIndex(1 if as_text else 0)
            return
        if as_text:
            self._quiet = True
            self.editor.setPlainText("\n".join(row.spec() for row in self.rows))
            self._quiet = False
            self.pages.setCurrentIndex(1)
        else:
            lines = [line for line in self.editor.toPlainText().splitlines() if line.strip()]
            try:
                parts = [split_spec(line) for line in lines]
            except SpecError as exc:
                self._quiet = True
                self.as_text.setChecked(True)  # stay: the text has a line the form cannot show
                self._quiet = False
                self.text_problems.setText(f"Fix this line to edit in the form: {exc}")
                self.text_problems.show()
                return
            self._set_rows(parts)
            self.pages.setCurrentIndex(0)
        self._update()

    def _text_edited(self) -> None:
        if not self._quiet:
            self._edited()

    def _text_problems(self) -> list[str]:
        problems = []
        for number, line in enumerate(self.editor.toPlainText().splitlines(), 1):
            if line.strip():
                try:
                    parse_spec(line)
                except SpecError as exc:
                    problems.append(f"Line {number} ({line.strip()[:40]}): {exc}")
        return problems

    def _edited(self) -> None:
        self._update()
        if not self._quiet:
            self.changed.emit()

    def _update(self) -> None:
        # The stack is as tall as the page shown, not as its tallest page.
        for index in range(self.pages.count()):
            policy = (QSizePolicy.Policy.Preferred if index == self.pages.currentIndex()
                      else QSizePolicy.Policy.Ignored)
            self.pages.widget(index).setSizePolicy(policy, policy)
        self.pages.updateGeometry()
        self.empty.setVisible(not self.rows)
        if self.pages.currentIndex() == 1:
            problems = self._text_problems()
            self.text_problems.setText("\n".join(problems))
            self.text_problems.setVisible(bool(problems))
        else:
            for row in self.rows:
                row.check()


def _number(value: float) -> str:
    rounded = round(value, 4)
    return str(int(rounded)) if float(rounded).is_integer() else repr(rounded)
