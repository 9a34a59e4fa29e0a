"""The two lists beside a diff: settings that changed, and every change to jump to."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import QStyledItemDelegate, QTreeWidget, QTreeWidgetItem

from desktop.core.diff import ContentDiff, FieldChangeKind

from .changes import ChangeList, field_label, format_value
from .style import COLORS

CHANGE_ROLE = Qt.ItemDataRole.UserRole + 1  # change index (settings rows: field index)


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped to the list's width (QTreeView alone measures one
    line, and cuts the rest)."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        width = self.tree.columnWidth(0) - self.tree.indentation() * (depth + 1) - 12
        font = index.data(Qt.ItemDataRole.FontRole) or option.font
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        rect = QFontMetrics(font).boundingRect(QRect(0, 0, max(width, 40), 100_000),
                                               int(Qt.TextFlag.TextWordWrap), text)
        return QSize(size.width(), max(size.height(), rect.height() + 4))


def fill_settings(tree: QTreeWidget, diff: ContentDiff) -> None:
    """The settings that changed, one row each: before, after, and any whitespace note."""
    tree.clear()
    words = {FieldChangeKind.ADDED: "added", FieldChangeKind.REMOVED: "removed",
             FieldChangeKind.CHANGED: "", FieldChangeKind.REORDERED: "reordered"}
    for k, f in enumerate(diff.fields):
        note = "; ".join(filter(None, [words[f.kind], *f.notes]))
        item = QTreeWidgetItem([field_label(f.path), format_value(f.old),
                                format_value(f.new), note])
        item.setData(0, CHANGE_ROLE, k)
        item.setToolTip(0, f.path)
        for column, value in ((1, f.old), (2, f.new)):
            item.setToolTip(column, format_value(value) if not isinstance(value, str)
                            else value)
        item.setBackground(1, QColor(COLORS["del_word"]))
        item.setBackground(2, QColor(COLORS["ins_word"]))
        if f.notes:
            item.setForeground(3, QColor(COLORS["ws_text"]))
        tree.addTopLevelItem(item)
    count = len(diff.fields)
    tree.setVisible(bool(count))
    if count:
        for column in range(3):
            tree.resizeColumnToContents(column)
        for column, cap in ((0, 260), (1, 320), (2, 320)):
            if tree.columnWidth(column) > cap:
                tree.setColumnWidth(column, cap)
        row = tree.sizeHintForRow(0)
        header = tree.header().sizeHint().height()
        tree.setFixedHeight(header + row * min(count, 6) + 6)


def fill_changes(tree: QTreeWidget, changes: ChangeList) -> None:
    """Every change under its message (or Settings); whitespace-only ones stand out."""
    tree.clear()
    groups: dict[str, QTreeWidgetItem] = {}
    bold = QFont(tree.font())
    bold.setBold(True)
    for k, item in enumerate(changes.items):
        group = groups.get(item.group)
        if group is None:
            group = groups[item.group] = QTreeWidgetItem([item.group])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            tree.addTopLevelItem(group)
        text = item.description[:1].upper() + item.description[1:]
        entry = QTreeWidgetItem([text])
        entry.setData(0, CHANGE_ROLE, k)
        entry.setToolTip(0, item.sentence)
        if item.whitespace_only:
            entry.setForeground(0, QColor(COLORS["ws_text"]))
            entry.setBackground(0, QColor(COLORS["ws"]))
            entry.setFont(0, bold)
            entry.setToolTip(0, f"Only whitespace changed here: {item.sentence}")
        group.addChild(entry)
        for note in item.notes:
            child = QTreeWidgetItem([note])
            child.setData(0, CHANGE_ROLE, k)
            child.setForeground(0, QColor(COLORS["ws_text"]))
            entry.addChild(child)
    if not changes.items:
        tree.addTopLevelItem(QTreeWidgetItem(["No changes"]))
    tree.expandAll()


def select_change(tree: QTreeWidget, index: int) -> None:
    """Make the entry of change `index` the current one, without signals."""
    with QSignalBlocker(tree):
        found = None
        for group in (tree.topLevelItem(i) for i in range(tree.topLevelItemCount())):
            for c in range(group.childCount()):
                if group.child(c).data(0, CHANGE_ROLE) == index:
                    found = group.child(c)
        if found is not None:
            tree.setCurrentItem(found)
            tree.scrollToItem(found)
