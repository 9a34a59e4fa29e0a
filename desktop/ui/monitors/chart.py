"""A monitor's score over time: the window's value after each call, the threshold as a red
line, and a dotted vertical line where the release changed (pyqtgraph, imported when drawn)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..widgets import label, vbox


class ScoreChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitorChart")
        self.plot = None
        self.timeline = None
        self.title = label("Score over the window (threshold in red, release changes dotted)",
                           "chartTitle")
        self.title.setStyleSheet("color: #475467; font-weight: 600;")
        self.empty = label("Nothing scored yet: pull logs, then Check Now.", "chartEmpty")
        self.empty.setStyleSheet("color: #667085;")
        self.box = vbox(self.title, self.empty, margins=(10, 4, 10, 6), spacing=2)
        self.setLayout(self.box)
        self.setMinimumHeight(220)

    def _make_plot(self):
        import pyqtgraph as pg

        # pyqtgraph's context menus are left as they are made: reparenting or deleting them
        # with this window crashed when a Logs chart was open too (they are shared).
        pg.setConfigOptions(antialias=True, background="w", foreground="#374151")
        plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        plot.setMenuEnabled(False)
        plot.scene().contextMenu = []
        plot.setObjectName("monitorPlot")
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setYRange(0, 1.05, padding=0)
        plot.setLabel("left", "score")
        plot.setMouseEnabled(x=False, y=False)
        plot.addLegend(offset=(-10, 6), colCount=4)
        self.box.addWidget(plot, 1)
        return plot

    def draw(self, monitor, timeline) -> None:
        self.timeline = timeline
        points = timeline.points if timeline is not None else ()
        self.empty.setVisible(not points)
        if not points:
            if self.plot is not None:
                self.plot.hide()
            return
        import pyqtgraph as pg
        from PySide6.QtCore import Qt

        if self.plot is None:
            self.plot = self._make_plot()
        self.plot.show()
        self.plot.clear()
        xs = [t.timestamp() for t, _ in points]
        pad = max(60.0, (max(xs) - min(xs)) * 0.03)
        left, right = min(xs) - pad, max(xs) + pad
        # Plain data lines only (no InfiniteLine/TextItem): they are cleared and drawn again
        # on every refresh, and stay safe when the window is deleted.
        self.plot.plot(xs, [v for _, v in points], pen=pg.mkPen("#2f5fd0", width=2),
                       name="window score")
        self.plot.plot([left, right], [monitor.threshold] * 2,
                       pen=pg.mkPen("#dc2626", width=1.5), name=f"threshold {monitor.threshold:g}")
        dotted = pg.mkPen("#6b7280", width=1.5, style=Qt.PenStyle.DotLine)
        for when, release in timeline.releases[1:]:
            x = when.timestamp()
            self.plot.plot([x, x], [0, 1.05], pen=dotted,
                           name=f"release {release}" if release is not None else "no release")
        self.plot.setXRange(left, right, padding=0)
