"""Compare Releases: logged outputs of two releases of a prompt for the same variables, side by
side (`views.compare`), with the chosen pair in full below."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QDialog, QHeaderView, QTableView

from desktop.core.logs import views
from desktop.core.logs.text import variables_preview
from storage.workspace.logs import Comparison

from ..tasks import TaskSet
from ..widgets import hbox, label, resize_within, splitter, vbox
from .detail import TextBlock
from .model import cell, feedback_text


class PairsModel(QAbstractTableModel):
    HEADERS = ("Variables", "Release A", "Feedback A", "Release B", "Feedback B")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.beginResetModel()
        self.comparison = comparison
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() or self.comparison is None else len(self.comparison.pairs)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        c = self.comparison
        name = self.HEADERS[section]
        if c is not None and section in (1, 3):
            return f"Output of release {c.release_a if section == 1 else c.release_b}"
        return name

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid() or self.comparison is None:
            return None
        pair = self.comparison.pairs[index.row()]
        return [lambda: variables_preview({k: v if isinstance(v, str) else str(v)
                                           for k, v in pair.variables.items()}, 60),
                lambda: cell(pair.a, "Output"), lambda: feedback_text(pair.a),
                lambda: cell(pair.b, "Output"), lambda: feedback_text(pair.b)][index.column()]()


class CompareDialog(QDialog):
    def __init__(self, workspace, prompt: str, releases: list[int], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare releases — {prompt}")
        self.setObjectName("compareReleasesDialog")
        resize_within(self, 1200, 760)
        self.workspace = workspace
        self.prompt = prompt
        self.tasks = TaskSet()
        self.release_a, self.release_b = QComboBox(), QComboBox()
        for box in (self.release_a, self.release_b):
            for r in releases:
                box.addItem(f"Release {r}", r)
            box.currentIndexChanged.connect(lambda _i: self.tasks.spawn(self.load()))
        self.release_a.setCurrentIndex(max(0, len(releases) - 2))
        self.release_b.setCurrentIndex(len(releases) - 1)
        self.summary = label("", "compareSummary", wrap=True)
        self.model = PairsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show(cur.row()))
        self.sides = hbox(margins=0, spacing=10)
        below = vbox(self.sides, None, margins=0)
        self.setLayout(vbox(hbox(label("Compare"), self.release_a, label("with"), self.release_b,
                                 None, spacing=6),
                            self.summary,
                            (splitter(self.table, below, vertical=True, stretch=(3, 2)), 1),
                            margins=12, spacing=8))
        self.finished.connect(lambda _r: self.tasks.cancel_all())

    async def load(self) -> None:
        a, b = self.release_a.currentData(), self.release_b.currentData()
        comparison = await asyncio.to_thread(views.compare, self.workspace, self.prompt, a, b)
        if (a, b) != (self.release_a.currentData(), self.release_b.currentData()):
            return  # changed meanwhile: the newer load shows
        self.model.set_comparison(comparison)
        self.summary.setText(
            f"{len(comparison.pairs):,} set{'s' if len(comparison.pairs) != 1 else ''} of "
            f"variables logged on both (release {a}: {comparison.calls_a:,} calls, release {b}: "
            f"{comparison.calls_b:,} calls). The newest call of each release is shown.")
        if comparison.pairs:
            self.table.selectRow(0)
            self._show(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        self.tasks.spawn(self._show_full(row))

    async def _show_full(self, row: int) -> None:
        """The chosen pair's outputs in full (the table holds previews)."""
        c = self.model.comparison
        pair = c.pairs[row] if c is not None and 0 <= row < len(c.pairs) else None
        full = []
        if pair is not None:
            full = [await asyncio.to_thread(views.call, self.workspace, side.pk)
                    for side in (pair.a, pair.b)]
        if self.model.comparison is not c:
            return
        while self.sides.count():
            item = self.sides.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for release, view in zip((c.release_a, c.release_b) if c else (), full):
            failed = view.call.error is not None
            self.sides.addWidget(TextBlock(f"Release {release}" + (" — error" if failed else ""),
                                           view.call.error if failed else view.call.output,
                                           error=failed), 1)
