"""Feedback and error rates per release over time (pyqtgraph, imported when first drawn).

For each release: the share of rated calls rated negative (solid) and the share of calls that
failed (dashed), per hour over three days or less, else per day (`views.rates`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from desktop.core.logs import views
from storage.workspace.logs import CallFilter, RatePoint

from ..widgets import label, vbox

COLORS = ("#2f5fd0", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2")


def series(points: Sequence[RatePoint]) -> dict[int | None, dict[str, list[tuple[float, float]]]]:
    """Per release: "negative" and "errors" as (time stamp, rate) lists, oldest first."""
    out: dict[int | None, dict[str, list[tuple[float, float]]]] = {}
    for p in sorted(points, key=lambda p: p.start):
        lines = out.setdefault(p.release, {"negative": [], "errors": []})
        stamp = p.start.timestamp()
        lines["errors"].append((stamp, p.error_rate))
        if p.negative_rate is not None:
            lines["negative"].append((stamp, p.negative_rate))
    return out


class RatesChart(QWidget):
    def __init__(self, workspace, tasks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ratesChart")
        self.workspace = workspace
        self.tasks = tasks
        self.plot = None
        self.points: list[RatePoint] = []
        self._ticket = 0
        self.title = label("Negative feedback (solid) and errors (dashed) per release", "chartTitle")
        self.title.setStyleSheet("color: #475467; font-weight: 600;")
        self.empty = label("No calls to chart.", "chartEmpty")
        self.empty.setStyleSheet("color: #667085;")
        self.box = vbox(self.title, self.empty, margins=(10, 4, 10, 6), spacing=2)
        self.setLayout(self.box)
        self.setMinimumHeight(120)

    async def load(self, f: CallFilter) -> None:
        self._ticket += 1
        ticket = self._ticket
        points = await asyncio.to_thread(views.rates, self.workspace, f)
        if ticket == self._ticket:
            self.draw(points)

    def _make_plot(self):
        import pyqtgraph as pg  # seconds of import: only when the chart is first drawn
        from PySide6.QtWidgets import QApplication

        pg.setConfigOptions(antialias=True, background="w", foreground="#374151")
        before = set(QApplication.topLevelWidgets())
        plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        # pyqtgraph makes its context menus without a parent: tie them to this chart.
        for menu in set(QApplication.topLevelWidgets()) - before:
            menu.setParent(self, menu.windowFlags())
        plot.setMenuEnabled(False)
        plot.scene().contextMenu = []
        plot.setObjectName("ratesPlot")
        plot.showGrid(x=False, y=True, alpha=0.25)
        plot.setYRange(0, 1.05, padding=0)
        plot.setLabel("left", "share of calls")
        plot.setMouseEnabled(x=False, y=False)
        plot.addLegend(offset=(-10, 6), colCount=4)
        self.box.addWidget(plot, 1)
        return plot

    def draw(self, points: Sequence[RatePoint]) -> None:
        self.points = list(points)
        self.empty.setVisible(not points)
        if not points:
            if self.plot is not None:
                self.plot.clear()
                self.plot.hide()
            return
        import pyqtgraph as pg

        if self.plot is None:
            self.plot = self._make_plot()
        self.plot.show()
        self.plot.clear()
        lines = series(points)
        for i, (release, kinds) in enumerate(sorted(lines.items(), key=lambda kv: (
                kv[0] is None, kv[0] or 0))):
            color = COLORS[i % len(COLORS)]
            name = f"release {release}" if release is not None else "no release"
            for kind, style in (("negative", None), ("errors", "dash")):
                data = kinds[kind]
                if not data:
                    continue
                pen = pg.mkPen(color, width=2)
                if style:
                    pen.setStyle(_dash())
                self.plot.plot([x for x, _ in data], [y for _, y in data],
                               name=f"{name} · {'negative' if kind == 'negative' else 'errors'}",
                               pen=pen, symbol="o" if kind == "negative" else "t",
                               symbolSize=6, symbolBrush=color, symbolPen=color)
        stamps = [p.start.timestamp() for p in points]
        pad = max(1800.0, (max(stamps) - min(stamps)) * 0.04)
        self.plot.setXRange(min(stamps) - pad, max(stamps) + pad, padding=0)


def _dash():
    from PySide6.QtCore import Qt

    return Qt.PenStyle.DashLine
