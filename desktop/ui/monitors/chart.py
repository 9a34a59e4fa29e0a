"""A monitor's score over time: the window's value after each call, the threshold as a red
line, and a dotted vertical line where the release changed.

Drawn with QPainter rather than pyqtgraph: pyqtgraph's parentless menus, shared between plots,
crashed when this window and a Logs window with its own chart were closed in turn."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from ..widgets import label, vbox

SCORE, THRESHOLD, RELEASE, GRID, TEXT = "#2f5fd0", "#dc2626", "#6b7280", "#e5e7eb", "#374151"


class _Plot(QWidget):
    """The drawing itself: score line, threshold, release changes, time and score axes."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("monitorPlot")
        self.setMinimumHeight(180)
        self.points: list[tuple[datetime, float]] = []
        self.threshold = 0.0
        self.releases: list[tuple[datetime, int | None]] = []

    def paintEvent(self, _event) -> None:  # noqa: N802
        if not self.points:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        metrics = p.fontMetrics()
        area = QRectF(metrics.horizontalAdvance("1.00") + 12, metrics.height() + 6,
                      self.width() - metrics.horizontalAdvance("1.00") - 24,
                      self.height() - 2 * metrics.height() - 14)
        times = [t.timestamp() for t, _ in self.points]
        first, last = min(times), max(times)
        pad = max(60.0, (last - first) * 0.03)
        first, last = first - pad, last + pad

        def x(when: float) -> float:
            return area.left() + (when - first) / (last - first) * area.width()

        def y(value: float) -> float:
            return area.bottom() - min(max(value, 0.0), 1.05) / 1.05 * area.height()

        p.setPen(QColor(TEXT))
        for value in (0.0, 0.5, 1.0):
            p.setPen(QPen(QColor(GRID), 1))
            p.drawLine(QPointF(area.left(), y(value)), QPointF(area.right(), y(value)))
            p.setPen(QColor(TEXT))
            p.drawText(QRectF(0, y(value) - metrics.height() / 2, area.left() - 6,
                              metrics.height()), Qt.AlignmentFlag.AlignRight, f"{value:.2f}")
        for when, align in ((self.points[0][0], Qt.AlignmentFlag.AlignLeft),
                            (self.points[-1][0], Qt.AlignmentFlag.AlignRight)):
            p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), metrics.height()),
                       align, when.strftime("%Y-%m-%d %H:%M UTC"))
        dotted = QPen(QColor(RELEASE), 1.5, Qt.PenStyle.DotLine)
        for when, release in self.releases[1:]:
            at = x(when.timestamp())
            p.setPen(dotted)
            p.drawLine(QPointF(at, area.top()), QPointF(at, area.bottom()))
            p.setPen(QColor(RELEASE))
            p.drawText(QPointF(at + 4, area.top() + metrics.ascent()),
                       f"release {release}" if release is not None else "no release")
        p.setPen(QPen(QColor(THRESHOLD), 1.5))
        p.drawLine(QPointF(area.left(), y(self.threshold)),
                   QPointF(area.right(), y(self.threshold)))
        p.drawText(QPointF(area.left() + 4, y(self.threshold) - 4),
                   f"threshold {self.threshold:g}")
        path = QPainterPath(QPointF(x(times[0]), y(self.points[0][1])))
        for when, (_, value) in zip(times[1:], self.points[1:]):
            path.lineTo(x(when), y(value))
        p.setPen(QPen(QColor(SCORE), 2))
        p.drawPath(path)
        p.end()


class ScoreChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitorChart")
        self.timeline = None
        self.title = label("Score over the window (threshold in red, release changes dotted)",
                           "chartTitle")
        self.title.setStyleSheet("color: #475467; font-weight: 600;")
        self.empty = label("Nothing scored yet: pull logs, then Check Now.", "chartEmpty")
        self.empty.setStyleSheet("color: #667085;")
        self.plot = _Plot()
        self.plot.hide()
        self.box = vbox(self.title, self.empty, (self.plot, 1), margins=(10, 4, 10, 6),
                        spacing=2)
        self.setLayout(self.box)
        self.setMinimumHeight(220)

    def draw(self, monitor, timeline) -> None:
        self.timeline = timeline
        points = list(timeline.points) if timeline is not None else []
        self.empty.setVisible(not points)
        self.plot.setVisible(bool(points))
        self.plot.points = points
        self.plot.threshold = monitor.threshold if monitor is not None else 0.0
        self.plot.releases = list(timeline.releases) if timeline is not None else []
        self.plot.update()
