"""The Help menu's pages: keyboard shortcuts (read from the window's real actions, so the list
cannot drift from what the keys do) and the prompt file format."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QHeaderView, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QWidget)

from .widgets import button, hbox, label, resize_within, vbox


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, what, keys) for every action of the window that has a shortcut, as the menus
    name them; actions outside the menus (a pane's own keys) come under "Everywhere"."""
    from PySide6.QtWidgets import QMenu

    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()
    menus = {m.menuAction(): m for m in window.findChildren(QMenu)}
    bar = window.menuBar() if hasattr(window, "menuBar") else None

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action in menus:
                walk(menus[action], f"{where} → {_plain(action.text())}")
            elif not action.isSeparator():
                seen.add(id(action))
                keys = _keys(action)
                if keys:
                    rows.append((where, _plain(action.text()), keys))

    if bar is not None:
        for top in bar.actions():
            if top in menus:
                walk(menus[top], _plain(top.text()))
    for action in window.findChildren(QAction):
        if id(action) not in seen and action.text() and _keys(action) and action not in menus:
            seen.add(id(action))
            rows.append(("Everywhere", _plain(action.text()), _keys(action)))
    return rows


def _keys(action: QAction) -> str:
    return "  or  ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                         for s in action.shortcuts() if not s.isEmpty())


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").split("\t")[0]


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Keys"])
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(r, c, item)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        vbox(label("Every shortcut the window has now, from its menus and panes."),
             (self.table, 1), hbox(None, button("Close", self.accept)), parent=self)
        resize_within(self, 640, 620)


class FormatDialog(QDialog):
    """The prompt file format (packaged with the app, the same text as the README's)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The prompt file format")
        self.setObjectName("formatDialog")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)  # a page of help, nothing leaves the computer
        self.text.setMarkdown(prompt_file_format())
        vbox((self.text, 1), hbox(None, button("Close", self.accept)), parent=self)
        resize_within(self, 820, 720)


def prompt_file_format() -> str:
    return (resources.files("resources") / "help" / "prompt-file-format.md").read_text("utf-8")
