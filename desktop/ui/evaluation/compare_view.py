"""Comparing a run with a baseline: which cases regressed or improved and by how much (a table
sorted by score change, worst first), and the prompt's mean score across its versions (a
pyqtgraph chart, imported only when this screen is first shown)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt,
                            QSortFilterProxyModel, Signal)
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFrame, QGridLayout, QHeaderView, QLabel, QTableView, QWidget,
)
from desktop.core.ops import runs as run_ops
from desktop.core.ops.runs import ColumnChoice, RunComparison
from storage.workspace.db import Workspace
from storage.workspace import runs as run_repo
from storage.workspace.runs import ScorePoint

from ..tasks import TaskSet
from ..widgets import MessageBar, hbox, label, splitter, vbox
from .common import (ERROR, FAIL, FAIL_BG, MUTED, PASS, PASS_BG, EvaluationScreen, fmt_score,
                     one_line)

Index = QModelIndex | QPersistentModelIndex
SortRole = Qt.ItemDataRole.UserRole + 1
DeltaRole = Qt.ItemDataRole.UserRole + 2

CHANGE_WORDS = {"regressed": "▼ worse", "improved": "▲ better", "same": "same",
                "added": "new case", "missing": "no new result"}
CHANGE_ORDER = {"regressed": 0, "missing": 1, "improved": 2, "added": 3, "same": 4}
HEADERS = ("#", "Case", "Change", "Baseline", "New", "Δ score")


def _summary_of(values: dict) -> str:
    """A case's variables on one line."""
    return " · ".join(f"{k}: {one_line(str(v), 80)}" for k, v in values.items())


class DeltaModel(QAbstractTableModel):
    """One row per case; sorting (through a proxy) uses SortRole: worst change first."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[run_repo.CaseDelta] = []
        self._cases: dict[int, str] = {}

    def set_comparison(self, comparison: RunComparison | None) -> None:
        self.beginResetModel()
        self._rows = list(comparison.deltas) if comparison else []
        self._cases = {case_id: _summary_of(values) for case_id, values
                       in comparison.cases.items()} if comparison else {}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    @staticmethod
    def _side(score: float | None, passed: bool | None, error: str | None) -> str:
        if error:
            return f"error ({error})"
        mark = {True: " ✓", False: " ✗"}.get(passed, "")
        return f"{fmt_score(score)}{mark}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        d = self._rows[index.row()]
        if role == DeltaRole:
            return d
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return str(d.row + 1)
            if column == 1:
                return self._cases.get(d.case_id, "(case deleted)") if d.case_id else "(case deleted)"
            if column == 2:
                return CHANGE_WORDS.get(d.change, d.change)
            if column == 3:
                return self._side(d.base_score, d.base_passed, d.base_error)
            if column == 4:
                return self._side(d.new_score, d.new_passed, d.new_error)
            if column == 5:
                return "–" if d.delta is None else f"{d.delta:+.2f}"
            return None
        if role == SortRole:
            if column == 0:
                return d.row
            if column == 1:
                return self._cases.get(d.case_id, "") if d.case_id else ""
            if column == 2:
                return CHANGE_ORDER.get(d.change, 9)
            if column == 3:
                return -1.0 if d.base_score is None else d.base_score
            if column == 4:
                return -1.0 if d.new_score is None else d.new_score
            if column == 5:  # ascending: worst first; cases without a delta after the rest
                if d.delta is None:
                    return 10.0 + CHANGE_ORDER.get(d.change, 9)
                if d.change == "regressed" and d.delta == 0:  # pass became fail, same score
                    return -1e-6
                return d.delta
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column in (2, 5):
            return {"regressed": FAIL, "improved": PASS, "missing": ERROR}.get(d.change, MUTED)
        if role == Qt.ItemDataRole.BackgroundRole and column == 2:
            return {"regressed": FAIL_BG, "improved": PASS_BG}.get(d.change)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1 and d.case_id:
            return self._cases.get(d.case_id)
        return None


class ChangesProxy(QSortFilterProxyModel):
    """Sorts by SortRole; `only_changes` hides unchanged cases."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.only_changes = False

    def set_only_changes(self, on: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+
            self.beginFilterChange()
            self.only_changes = on
            self.endFilterChange()
        else:
            self.only_changes = on
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802
        if not self.only_changes:
            return True
        delta = self.sourceModel().index(row, 0, parent).data(DeltaRole)
        return delta is not None and delta.change != "same"


class CompareView(EvaluationScreen):
    """`load_async(prompt, new_run_id)` offers the prompt's runs; choosing a baseline and a
    new column compares them."""

    compared = Signal(object)  # RunComparison

    def __init__(self, workspace: Workspace, tasks: TaskSet | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("compareView", workspace, tasks, parent)
        self.prompt: str | None = None
        self.choices: list[ColumnChoice] = []
        self.comparison: RunComparison | None = None
        self.plot = None

        title = label("Compare with a baseline", "paneTitle")
        self.base_box = QComboBox()
        self.new_box = QComboBox()
        for box in (self.base_box, self.new_box):
            box.setMinimumWidth(380)
            box.currentIndexChanged.connect(self._choice_changed)
        self.only_changes = QCheckBox("Only cases that changed")
        self.summary = label("", "summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.message = MessageBar()

        self.model = DeltaModel(self)
        self.proxy = ChangesProxy(self)
        self.proxy.setSourceModel(self.model)
        self.only_changes.toggled.connect(self.proxy.set_only_changes)
        self.table = QTableView()
        self.table.setObjectName("deltaTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(5, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 50), (2, 110), (3, 90), (4, 90), (5, 80)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)

        self.chart_box = QFrame()
        self.chart_box.setObjectName("card")
        self.chart_layout = vbox(label("MEAN SCORE ACROSS VERSIONS", "sideTitle"),
                                 parent=self.chart_box)

        picks = QGridLayout()
        picks.addWidget(QLabel("Baseline"), 0, 0)
        picks.addWidget(self.base_box, 0, 1)
        picks.addWidget(QLabel("Compared with"), 1, 0)
        picks.addWidget(self.new_box, 1, 1)
        picks.setColumnStretch(1, 1)
        top = hbox((picks, 1), 12)
        top.addWidget(self.only_changes, 0, Qt.AlignmentFlag.AlignBottom)
        split = splitter(self.table, self.chart_box, stretch=(3, 2), vertical=True,
                         collapsible=True)
        vbox(title, top, self.message, self.summary, (split, 1), margins=12, parent=self)

    # -- choices -------------------------------------------------------------------------
    async def load_async(self, prompt: str, new_run_id: int | None = None) -> None:
        """Offer `prompt`'s runs; the newest (or `new_run_id`) against the one before it."""
        self.prompt = prompt
        self.choices = await asyncio.to_thread(run_ops.comparable_columns, self.workspace, prompt)
        for box in (self.base_box, self.new_box):
            box.blockSignals(True)
            box.clear()
            for choice in self.choices:
                box.addItem(choice.label, choice)
            box.blockSignals(False)
        new_index = next((i for i, c in enumerate(self.choices) if c.run_id == new_run_id), 0)
        if self.choices:
            new = self.choices[new_index]
            base_index = next((i for i, c in enumerate(self.choices)
                               if c.run_id != new.run_id and c.version_pk == new.version_pk
                               and c.provider == new.provider), None)
            if base_index is None:
                base_index = next((i for i, c in enumerate(self.choices)
                                   if c.run_id != new.run_id), min(1, len(self.choices) - 1))
            self.new_box.setCurrentIndex(new_index)
            self.base_box.setCurrentIndex(base_index)
        await self.draw_score_trend_async()
        await self.compare_async()

    def _choice_changed(self, *_: Any) -> None:
        if self.choices:
            self.tasks.spawn(self.compare_async())

    def choose(self, base: tuple[int, int, str], new: tuple[int, int, str]) -> None:
        for box, key in ((self.base_box, base), (self.new_box, new)):
            index = next(i for i, c in enumerate(self.choices) if c.key == key)
            box.blockSignals(True)
            box.setCurrentIndex(index)
            box.blockSignals(False)

    async def compare_async(self) -> RunComparison | None:
        base, new = self.base_box.currentData(), self.new_box.currentData()
        if base is None or new is None:
            return None
        if base.key == new.key:
            self.message.show_message("info", "Choose two different columns to compare.")
            self.model.set_comparison(None)
            self.summary.setText("")
            return None
        try:
            comparison = await asyncio.to_thread(run_ops.compare, self.workspace, base.key,
                                                 new.key)
        except run_repo.RunError as exc:
            self.message.show_message("warning", str(exc))
            self.model.set_comparison(None)
            self.summary.setText("")
            return None
        self.message.hide()
        self.comparison = comparison
        self.model.set_comparison(comparison)
        self.table.sortByColumn(self.table.horizontalHeader().sortIndicatorSection(),
                                self.table.horizontalHeader().sortIndicatorOrder())
        self.summary.setText(self._summary(comparison))
        self.compared.emit(comparison)
        return comparison

    @staticmethod
    def _summary(comparison: RunComparison) -> str:
        c = comparison.counts
        parts = [f"<span style='color:#b42318'><b>{c.get('regressed', 0)}</b> got worse</span>",
                 f"<span style='color:#067647'><b>{c.get('improved', 0)}</b> got better</span>",
                 f"<b>{c.get('same', 0)}</b> unchanged"]
        if c.get("missing"):
            parts.append(f"<span style='color:#b54708'><b>{c['missing']}</b> without a new "
                         "result</span>")
        if c.get("added"):
            parts.append(f"<b>{c['added']}</b> new cases")
        deltas = [d.delta for d in comparison.deltas if d.delta is not None]
        mean = sum(deltas) / len(deltas) if deltas else None
        if mean is not None:
            parts.append(f"mean change <b>{mean:+.3f}</b>")
        return "   ·   ".join(parts)

    # -- chart ---------------------------------------------------------------------------
    async def draw_score_trend_async(self) -> None:
        if not self.prompt:
            return
        points = await asyncio.to_thread(run_ops.score_trend, self.workspace, self.prompt)
        self.draw_score_trend(points)

    def draw_score_trend(self, points: Sequence[ScorePoint]) -> None:
        """Mean score per version (the latest run of each), one line per provider."""
        import pyqtgraph as pg  # seconds of import: only when the chart is first shown

        if self.plot is None:
            from PySide6.QtWidgets import QApplication

            pg.setConfigOptions(antialias=True, background="w", foreground="#374151")
            before = set(QApplication.topLevelWidgets())
            self.plot = pg.PlotWidget()
            # pyqtgraph makes its context menus without a parent: tie them to this view so
            # they go when it goes, instead of lingering as hidden top-level windows.
            for menu in set(QApplication.topLevelWidgets()) - before:
                menu.setParent(self, menu.windowFlags())
            # Its right-click menu offers zoom and an export dialog that fails in this embedding;
            # the chart is a picture of the scores, nothing to operate.
            self.plot.setMenuEnabled(False)
            self.plot.scene().contextMenu = []
            self.plot.setObjectName("scoreChart")
            self.plot.setMinimumHeight(200)
            self.plot.showGrid(x=False, y=True, alpha=0.25)
            self.plot.setYRange(0, 1.05, padding=0)
            self.plot.setLabel("left", "mean score")
            self.plot.setMouseEnabled(x=False, y=False)
            self.plot.addLegend(offset=(-10, 10))
            self.chart_layout.addWidget(self.plot, 1)
        self.plot.clear()
        versions: list[tuple[int, str]] = []
        for p in points:
            if (p.version_pk, p.version_id) not in versions:
                versions.append((p.version_pk, p.version_id))
        position = {pk: i for i, (pk, _) in enumerate(versions)}
        latest: dict[tuple[str, int], ScorePoint] = {}
        for p in points:
            key = (p.provider, p.version_pk)
            if key not in latest or p.run_id > latest[key].run_id:
                latest[key] = p
        colors = ["#2f5fd0", "#d97706", "#059669", "#9333ea", "#dc2626", "#0891b2"]
        providers = list(dict.fromkeys(p.provider for p in points))
        for i, provider in enumerate(providers):
            series = sorted((position[pk], p.mean_score) for (prov, pk), p in latest.items()
                            if prov == provider and p.mean_score is not None)
            if not series:
                continue
            color = colors[i % len(colors)]
            self.plot.plot([x for x, _ in series], [y for _, y in series], name=provider,
                           pen=pg.mkPen(color, width=2), symbol="o", symbolSize=8,
                           symbolBrush=color, symbolPen=color)
        axis = self.plot.getAxis("bottom")
        axis.setTicks([[(i, f"v{i + 1} · {vid[:8]}") for i, (_, vid) in enumerate(versions)]])
        self.plot.setXRange(-0.3, max(0.3, len(versions) - 0.7), padding=0)
