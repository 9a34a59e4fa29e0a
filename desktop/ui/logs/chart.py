"""Feedback and error rates per release over time (desktop/ui/linechart.py, QPainter).

For each release: the share of rated calls rated negative (solid) and the share of calls that
failed (dashed), per hour over three days or less, else per day (`views.rates`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from desktop.core.logs import views
from storage.workspace.logs import CallFilter, RatePoint

from ..linechart import ChartData, LineChart, Series
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
        self.plot = LineChart("ratesPlot")
        self.plot.hide()
        self.points: list[RatePoint] = []
        self._ticket = 0
        self.title = label("Negative feedback (solid) and errors (dashed) per release", "chartTitle")
        self.title.setStyleSheet("color: #475467; font-weight: 600;")
        self.empty = label("No calls to chart.", "chartEmpty")
        self.empty.setStyleSheet("color: #667085;")
        self.box = vbox(self.title, self.empty, (self.plot, 1), margins=(10, 4, 10, 6),
                        spacing=2)
        self.setLayout(self.box)
        self.setMinimumHeight(120)

    async def load(self, f: CallFilter) -> None:
        self._ticket += 1
        ticket = self._ticket
        points = await asyncio.to_thread(views.rates, self.workspace, f)
        if ticket == self._ticket:
            self.draw(points)

    def draw(self, points: Sequence[RatePoint]) -> None:
        self.points = list(points)
        self.empty.setVisible(not points)
        self.plot.setVisible(bool(points))
        lines = series(points)
        data = ChartData(y_label="share of calls")
        for i, (release, kinds) in enumerate(sorted(lines.items(), key=lambda kv: (
                kv[0] is None, kv[0] or 0))):
            color = COLORS[i % len(COLORS)]
            name = f"release {release}" if release is not None else "no release"
            for kind in ("negative", "errors"):
                if kinds[kind]:
                    data.series.append(Series(f"{name} · {kind}", color, kinds[kind],
                                              dashed=kind == "errors"))
        self.plot.set_data(data)

    def shutdown(self) -> None:
        self._ticket += 1  # a load still on its way draws nothing
