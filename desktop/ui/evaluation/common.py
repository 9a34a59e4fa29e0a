"""Colours, figures and text helpers shared by the evaluation screens."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QWidget

from storage.workspace.db import Workspace

from ..tasks import TaskSet
from ..theme import ACCENT

# Each outcome of a cell: its text colour and its background.
PASS, PASS_BG = QColor("#067647"), QColor("#ecfdf3")
FAIL, FAIL_BG = QColor("#b42318"), QColor("#fef3f2")
ERROR, ERROR_BG = QColor("#b54708"), QColor("#fffaeb")
PENDING, PENDING_BG = QColor("#9ca3af"), QColor("#f9fafb")
NEUTRAL_BG = QColor("#ffffff")
MUTED = QColor("#6b7280")
TEXT = QColor("#1f2937")
GRID_LINE = QColor("#e5e7eb")

STYLE = f"""
#evaluationPane, #resultPanel, #blindAB, #compareView, #runPanel, #testSetEditor {{
    background: #f6f7f9; }}
QLabel#paneTitle {{ font-size: 16px; font-weight: 600; color: #111827; }}
QLabel#hint {{ color: #6b7280; font-size: 12px; }}
QLabel#fieldProblem {{ color: #b42318; font-size: 12px; }}
QLabel#okNote {{ color: #067647; font-size: 12px; }}
QLabel#chip {{ color: #374151; background: #eceff3; border-radius: 9px; padding: 2px 9px;
    font-size: 12px; }}
QLabel#chip[kind="pass"] {{ color: #067647; background: #dcfae6; }}
QLabel#chip[kind="fail"] {{ color: #b42318; background: #fee4e2; }}
QLabel#chip[kind="error"] {{ color: #b54708; background: #fef0c7; }}
QLabel#summary {{ color: #374151; font-size: 13px; }}
QLabel#sideTitle {{ color: #6b7280; font-size: 11px; font-weight: 600; }}
QLabel#outputLabel {{ font-size: 14px; font-weight: 600; color: #111827; }}
QTableView {{ background: white; border: 1px solid #e3e6ea; gridline-color: #eceff3;
    selection-background-color: #dde6fb; selection-color: #111827; }}
QPlainTextEdit, QTextBrowser {{ background: white; border: 1px solid #e3e6ea;
    border-radius: 6px; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: none; border-radius: 6px;
    padding: 6px 16px; font-weight: 600; }}
QPushButton#primary:hover {{ background: #284fb0; }}
QPushButton#primary:disabled {{ background: #9db4ee; }}
QPushButton#choice {{ padding: 10px 18px; font-size: 14px; border: 1px solid #d0d5dd;
    border-radius: 8px; background: white; }}
QPushButton#choice:hover {{ border-color: #9db4ee; background: #eef4ff; }}
QToolButton#segment {{ border: 1px solid #d0d5dd; padding: 4px 12px; background: white;
    color: #374151; }}
QToolButton#segment:checked {{ background: #e8eefc; color: #1d3f99; border-color: #9db4ee; }}
QToolButton#thumb {{ font-size: 16px; padding: 4px 10px; border: 1px solid #d0d5dd;
    border-radius: 6px; background: white; }}
QToolButton#thumb:checked {{ background: #e8eefc; border-color: #2f5fd0; }}
#card {{ background: white; border: 1px solid #e3e6ea; border-radius: 8px; }}
QProgressBar {{ border: 1px solid #d0d5dd; border-radius: 5px; background: white;
    height: 14px; text-align: center; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
"""


class EvaluationScreen(QWidget):
    """A screen of the evaluation area: named (the style sheet and tests find it by its name),
    in the area's look, over a workspace, running its work in `tasks`."""

    def __init__(self, name: str, workspace: Workspace, tasks: TaskSet | None,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(STYLE)
        self.workspace = workspace
        self.tasks = tasks if tasks is not None else TaskSet()


UNSET = -0.05  # a number box's value just below its range, shown as a word ("default")


def number_box(high: float, step: float, *, unset: str = "",
               value: float = 0.0) -> QDoubleSpinBox:
    """A number from 0 to `high` with two decimals. With `unset` the box starts at UNSET, which
    reads as that word ("no score", "default") until a number is chosen."""
    box = QDoubleSpinBox()
    box.setDecimals(2)
    box.setSingleStep(step)
    box.setRange(UNSET if unset else 0.0, high)
    box.setSpecialValueText(unset)
    box.setValue(UNSET if unset else value)
    return box


_thumbs: tuple[str, str] | None = None


def thumbs() -> tuple[str, str]:
    """👍/👎 where a colour-emoji font is installed (every desktop OS), else ▲/▼."""
    global _thumbs
    if _thumbs is None:
        from PySide6.QtGui import QFontDatabase

        emoji = any("emoji" in family.lower() for family in QFontDatabase.families())
        _thumbs = ("👍", "👎") if emoji else ("▲", "▼")
    return _thumbs


def add_test_sets(box: QComboBox, test_sets) -> None:
    """Add run choices' test sets to `box`: each with its number of cases (and a note when it
    was made for another prompt), its name as the item's data."""
    for name, n, _specs, mine in test_sets:
        box.addItem(f"{name}  ·  {n:,} case{'s' if n != 1 else ''}"
                    + ("" if mine else "  (for another prompt)"), name)


def first_strong_rtl(text: str, limit: int = 200) -> bool:
    """True when the first letter with a direction is right-to-left (Arabic, Hebrew...)."""
    for ch in text[:limit]:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def direction_of(text: str) -> Qt.LayoutDirection:
    return Qt.LayoutDirection.RightToLeft if first_strong_rtl(text) else \
        Qt.LayoutDirection.LeftToRight


def show_text(edit, text: str) -> None:
    """Put `text` in a QPlainTextEdit laid out in its own direction: Arabic or Hebrew from the
    right (QPlainTextEdit does not align right-to-left paragraphs right by itself)."""
    edit.setPlainText(text)
    rtl = first_strong_rtl(text)
    option = edit.document().defaultTextOption()
    option.setTextDirection(direction_of(text))
    option.setAlignment((Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
                        | Qt.AlignmentFlag.AlignAbsolute)
    edit.document().setDefaultTextOption(option)


def fmt_cost(cost: float | None) -> str:
    if cost is None:
        return "cost ?"
    if cost == 0:
        return "$0"
    return f"${cost:.4f}" if cost < 0.01 else f"${cost:,.2f}"  # four decimals under a cent


def fmt_ms(ms: float | None) -> str:
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"


def fmt_score(score: float | None) -> str:
    return "–" if score is None else f"{score:.2f}"


def fmt_rate(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def fmt_count(n: int) -> str:
    return f"{n:,}"


def one_line(text: str, limit: int = 400) -> str:
    head = text[:limit].replace("\r\n", " ⏎ ").replace("\n", " ⏎ ").replace("\t", " ")
    return head + ("…" if len(text) > limit else "")


ERROR_WORDS = {
    "rate_limited": "Rate limited", "timeout": "Timed out", "template": "Template problem",
    "bad_key": "Key refused", "unreachable": "Could not connect",
    "provider_failure": "Provider failed", "provider_error": "Provider error",
    "internal_error": "Unexpected error", "context_too_long": "Input too long",
    "unknown_model": "Unknown model", "invalid_request": "Request refused",
}


def new_set_problem(name: str, taken: Collection[str]) -> str:
    """What keeps `name` from naming a new test set ("" when nothing does)."""
    if not name:
        return "Give the new test set a name."
    if name in taken:
        return f"A test set named “{name}” exists already: pick it in the list above."
    return ""


def error_title(kind: str | None) -> str:
    if not kind:
        return ""
    return ERROR_WORDS.get(kind, kind.replace("_", " ").capitalize())
