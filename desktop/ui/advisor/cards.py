"""The advice shown: a card per candidate in plain words, and a cost-versus-score chart."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.core.advisor import Advice, ChartPoint, Verdict

_DECISION_TITLE = {"better": "Scores better", "same": "Scores the same",
                   "worse": "Scores worse", "undecided": "Not enough cases to tell"}
_DECISION_COLOR = {"better": "#1a7f37", "same": "#1a7f37", "worse": "#b42318",
                   "undecided": "#9a6700", None: "#555555"}


class VerdictCard(QFrame):
    """One candidate's verdict: what it is, the sentence, its run, Open as draft."""

    draft_requested = Signal(str)  # candidate key
    run_requested = Signal(int)  # run id

    def __init__(self, verdict: Verdict, recommended: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.verdict = verdict
        title = QLabel(("★ Suggested · " if recommended else "")
                       + _DECISION_TITLE[verdict.decision] + f" — {verdict.label}")
        title.setObjectName("cardTitle")
        title.setStyleSheet(f"font-weight: 600; color: {_DECISION_COLOR[verdict.decision]};")
        self.title = title
        self.line = QLabel(verdict.summary())
        self.line.setObjectName("cardSummary")
        self.line.setWordWrap(True)
        self.line.setStyleSheet("font-weight: 600;")
        self.text = QLabel(verdict.sentence())
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_link = QPushButton(f"Open run {verdict.run_id}")
        self.run_link.setObjectName("link")
        self.run_link.setToolTip("Every figure here comes from this run: open it in the Test "
                                 "window's run grid")
        self.run_link.clicked.connect(lambda: self.run_requested.emit(verdict.run_id))
        self.draft_button = QPushButton("Open as draft")
        self.draft_button.setToolTip("Opens the suggestion in a new tab; your prompt is not "
                                     "changed until you save a version")
        self.draft_button.clicked.connect(lambda: self.draft_requested.emit(verdict.key))
        row = QHBoxLayout()
        row.addWidget(title, 1)
        row.addWidget(self.run_link)
        row.addWidget(self.draft_button)
        box = QVBoxLayout(self)
        box.addLayout(row)
        box.addWidget(self.line)
        box.addWidget(self.text)


def _color(p: ChartPoint) -> QColor:
    return QColor("#1f6feb") if p.current else QColor(_DECISION_COLOR[p.decision])


class CostScoreChart(QWidget):
    """Every candidate's cost per 1,000 calls (x) against its mean score (y, with its 95%
    interval), the current configuration marked. Drawn with QPainter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("costScoreChart")
        self.setMinimumHeight(260)
        self.points: list[ChartPoint] = []

    def set_advice(self, advice: Advice | None) -> None:
        self.points = [] if advice is None else [p for p in advice.chart()
                                                 if p.score is not None]
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        left, top, right, bottom = 70, 16, 48, 40
        area = QRectF(left, top, max(10, self.width() - left - right),
                      max(10, self.height() - top - bottom))
        painter.setPen(QPen(QColor("#888888")))
        painter.drawRect(area)
        painter.drawText(QRectF(0, self.height() - 22, self.width(), 20),
                         Qt.AlignmentFlag.AlignCenter, "cost per 1,000 calls (USD)")
        painter.save()
        painter.translate(14, area.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-80, -10, 160, 20), Qt.AlignmentFlag.AlignCenter, "mean score")
        painter.restore()
        if not self.points:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, "Run the search to see the chart.")
            return
        costs = [p.cost_per_1k or 0.0 for p in self.points]
        scores = [v for p in self.points for v in (p.score, p.low, p.high) if v is not None]
        x_max = max(costs) * 1.1 or 1.0
        y_low, y_high = max(0.0, min(scores) - 0.05), min(1.0, max(scores) + 0.05)
        if y_high - y_low < 0.1:
            y_low, y_high = max(0.0, y_high - 0.1), max(y_high, 0.1)

        def at(cost: float, score: float) -> QPointF:
            return QPointF(area.left() + area.width() * cost / x_max,
                           area.bottom() - area.height() * (score - y_low) / (y_high - y_low))

        for i in range(3):  # axis figures
            y = y_low + (y_high - y_low) * i / 2
            pt = at(0, y)
            painter.drawText(QRectF(0, pt.y() - 8, left - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{y:.2f}")
            x = x_max * i / 2
            pt = at(x, y_low)
            painter.drawText(QRectF(pt.x() - 40, area.bottom() + 2, 80, 16),
                             Qt.AlignmentFlag.AlignCenter, f"${x:,.3f}")
        for p in self.points:
            pt = at(p.cost_per_1k or 0.0, p.score)
            color = _color(p)
            painter.setPen(QPen(color, 2))
            if p.low is not None and p.high is not None:
                painter.drawLine(at(p.cost_per_1k or 0.0, p.low), at(p.cost_per_1k or 0.0, p.high))
            painter.setBrush(color)
            radius = 7 if p.current or p.recommended else 5
            painter.drawEllipse(pt, radius, radius)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            label = ("current: " if p.current else "★ " if p.recommended else "") + p.label
            painter.setPen(QPen(QColor("#222222")))
            width = painter.fontMetrics().horizontalAdvance(label) + 4
            if pt.x() + 9 + width > area.right():  # near the right edge: write it on the left
                box = QRectF(pt.x() - 9 - width, pt.y() - 9, width, 18)
            else:
                box = QRectF(pt.x() + 9, pt.y() - 9, width, 18)
            if box.top() < area.top():
                box.moveTop(pt.y() + 4)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
