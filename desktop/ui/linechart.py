"""A small line chart over time, drawn with QPainter: scores and rates between 0 and 1.

The Logs and Monitors windows draw with this rather than pyqtgraph: pyqtgraph makes parentless
menus on its first plot that later plots share, and deleting them with one window (or leaving
them to outlive it) crashed the next chart or the app's exit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

GRID, TEXT, MARKER = "#e5e7eb", "#374151", "#6b7280"


@dataclass
class Series:
    label: str
    color: str
    points: list[tuple[float, float]]  # (POSIX time stamp, value), oldest first
    dashed: bool = False


@dataclass
class ChartData:
    series: list[Series] = field(default_factory=list)
    lines: list[tuple[float, str, str]] = field(default_factory=list)  # value, colour, label
    markers: list[tuple[float, str]] = field(default_factory=list)  # time stamp, label
    y_label: str = ""

    @property
    def stamps(self) -> list[float]:
        return [x for s in self.series for x, _ in s.points] + [x for x, _ in self.markers]


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class LineChart(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumHeight(100)
        self.data = ChartData()

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        stamps = self.data.stamps
        if not stamps:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = p.fontMetrics()
        left = fm.horizontalAdvance("1.00") + (fm.height() + 14 if self.data.y_label else 12)
        area = QRectF(left, fm.height() + 8, self.width() - left - 14,
                      self.height() - 2 * fm.height() - 16)
        if area.width() < 20 or area.height() < 20:
            p.end()
            return
        first, last = min(stamps), max(stamps)
        pad = max(60.0, (last - first) * 0.03)
        first, last = first - pad, last + pad

        def x(stamp: float) -> float:
            return area.left() + (stamp - first) / (last - first) * area.width()

        def y(value: float) -> float:
            return area.bottom() - min(max(value, 0.0), 1.05) / 1.05 * area.height()

        for value in (0.0, 0.5, 1.0):
            p.setPen(QPen(QColor(GRID), 1))
            p.drawLine(QPointF(area.left(), y(value)), QPointF(area.right(), y(value)))
            p.setPen(QColor(TEXT))
            p.drawText(QRectF(left - fm.horizontalAdvance("1.00") - 8, y(value) - fm.height() / 2,
                              fm.horizontalAdvance("1.00") + 2, fm.height()),
                       Qt.AlignmentFlag.AlignRight, f"{value:.2f}")
        if self.data.y_label:
            p.save()
            p.translate(fm.height() / 2 + 2, area.center().y())
            p.rotate(-90)
            p.drawText(QRectF(-area.height() / 2, -fm.height() / 2, area.height(), fm.height()),
                       Qt.AlignmentFlag.AlignCenter, self.data.y_label)
            p.restore()
        below = QRectF(area.left(), area.bottom() + 4, area.width(), fm.height())
        p.drawText(below, Qt.AlignmentFlag.AlignLeft, _when(min(stamps)))
        p.drawText(below, Qt.AlignmentFlag.AlignRight, _when(max(stamps)))
        for stamp, text in self.data.markers:
            p.setPen(QPen(QColor(MARKER), 1.5, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(x(stamp), area.top()), QPointF(x(stamp), area.bottom()))
            p.setPen(QColor(MARKER))
            p.drawText(QPointF(x(stamp) + 4, area.top() + fm.ascent()), text)
        for value, color, text in self.data.lines:
            p.setPen(QPen(QColor(color), 1.5))
            p.drawLine(QPointF(area.left(), y(value)), QPointF(area.right(), y(value)))
            p.drawText(QPointF(area.left() + 4, y(value) - 4), text)
        for s in self.data.series:
            if not s.points:
                continue
            path = QPainterPath(QPointF(x(s.points[0][0]), y(s.points[0][1])))
            for stamp, value in s.points[1:]:
                path.lineTo(x(stamp), y(value))
            style = Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine
            p.setPen(QPen(QColor(s.color), 2, style))
            p.drawPath(path)
            if len(s.points) <= 200:  # dots where there are few enough to tell apart
                p.setBrush(QColor(s.color))
                for stamp, value in s.points:
                    p.drawEllipse(QPointF(x(stamp), y(value)), 2.5, 2.5)
                p.setBrush(Qt.BrushStyle.NoBrush)
        self._legend(p, fm, area)
        p.end()

    def _legend(self, p: QPainter, fm, area: QRectF) -> None:
        if len(self.data.series) < 2:
            return
        at = area.right()
        for s in reversed(self.data.series):
            width = fm.horizontalAdvance(s.label)
            at -= width + 34
            top = 2.0
            style = Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine
            p.setPen(QPen(QColor(s.color), 2, style))
            p.drawLine(QPointF(at, top + fm.height() / 2), QPointF(at + 20, top + fm.height() / 2))
            p.setPen(QColor(TEXT))
            p.drawText(QPointF(at + 24, top + fm.ascent()), s.label)
