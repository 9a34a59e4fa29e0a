"""A monitor's score over time: the window's value after each call, the threshold as a red
line, and a dotted vertical line where the release changed (desktop/ui/linechart.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..linechart import ChartData, LineChart, Series
from ..widgets import label, vbox

SCORE, THRESHOLD = "#2f5fd0", "#dc2626"


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
        self.plot = LineChart("monitorPlot")
        self.plot.setMinimumHeight(180)
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
        if not points:
            self.plot.set_data(ChartData())
            return
        self.plot.set_data(ChartData(
            series=[Series("window score", SCORE, [(t.timestamp(), v) for t, v in points])],
            lines=[(monitor.threshold, THRESHOLD, f"threshold {monitor.threshold:g}")],
            markers=[(when.timestamp(), f"release {release}" if release is not None
                      else "no release") for when, release in timeline.releases[1:]],
            y_label="score"))

    @property
    def points(self):
        return self.plot.data.series[0].points if self.plot.data.series else []
