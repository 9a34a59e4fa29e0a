"""The widgets of a prompt tab and where they sit: the title row, the messages (or what will be
sent) beside the values, and the model columns below. `build_tab` puts them on the tab."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QStackedWidget, QToolButton, QVBoxLayout)

from ..widgets import MessageBar, hbox, splitter, vbox
from .columns import ColumnsArea
from .findbar import FindBar
from .messages import MessageList
from .preview import PreviewPane
from .variables import VariablesPanel

REFRESH_MS = 200


def build_tab(tab) -> None:
    tab.title = QLabel()
    tab.title.setObjectName("tabTitle")
    tab.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    tab.version_chip = QLabel()
    tab.version_chip.setObjectName("versionChip")
    tab.version_chip.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    tab.changed_chip = QLabel("● changed")
    tab.changed_chip.setObjectName("changedChip")
    tab.changed_chip.setToolTip("Different from the saved version. Save a version "
                                 "(Ctrl+S) to keep it for good; the draft is kept anyway.")
    tab.problem_label = QLabel()
    tab.problem_label.setObjectName("problemLabel")
    tab.whitespace_button = QToolButton()
    tab.whitespace_button.setText("¶ Whitespace")
    tab.whitespace_button.setCheckable(True)
    tab.whitespace_button.setToolTip("Show spaces, tabs, line ends, trailing spaces and a "
                                      "missing line break at the end")
    tab.find_button = QToolButton()
    tab.find_button.setText("Find")
    tab.find_button.setToolTip("Find and replace in the messages (Ctrl+F)")
    tab.save_button = QPushButton("Save version…")
    tab.save_button.setToolTip("Save these messages and settings as a version (Ctrl+S)")
    tab.run_button = QPushButton("Run all")
    tab.run_button.setObjectName("runAllButton")
    tab.run_button.setToolTip("Run the prompt on every column (Ctrl+Enter)")
    top = QHBoxLayout()
    top.setContentsMargins(4, 0, 4, 0)
    top.setSpacing(8)
    top.addWidget(tab.title)
    top.addWidget(tab.version_chip)
    top.addWidget(tab.changed_chip)
    top.addStretch(1)
    top.addWidget(tab.problem_label)
    top.addWidget(tab.whitespace_button)
    top.addWidget(tab.find_button)
    top.addWidget(tab.save_button)
    top.addWidget(tab.run_button)

    tab.banner = MessageBar()
    tab.messages = MessageList()
    tab.preview = PreviewPane()
    tab.find_bar = FindBar(tab.messages, tab.undo_stack)
    tab.find_bar.hide()
    tab.view_messages = QToolButton()
    tab.view_messages.setText("Messages")
    tab.view_sent = QToolButton()
    tab.view_sent.setText("What will be sent")
    tab.view_sent.setToolTip("The exact messages the model receives, with these values")
    group = QButtonGroup(tab)
    for i, button in enumerate((tab.view_messages, tab.view_sent)):
        button.setCheckable(True)
        button.setObjectName("segment")
        group.addButton(button, i)
    tab.view_messages.setChecked(True)
    tab.view_group = group
    tab.pages = QStackedWidget()
    tab.pages.addWidget(tab.messages)
    tab.pages.addWidget(tab.preview)
    switch = hbox(tab.view_messages, tab.view_sent, None, spacing=0)
    left = vbox(switch, tab.find_bar, (tab.pages, 1), margins=0, spacing=6)

    tab.variables = VariablesPanel()
    tab.top_split = splitter(left, tab.variables, stretch=(3, 2), sizes=[620, 380])

    tab.columns = ColumnsArea(tab.host.catalog, tab.host.tasks)
    tab.split = splitter(tab.top_split, tab.columns, stretch=(2, 3), sizes=[380, 470],
                         vertical=True)

    box = QVBoxLayout(tab)
    box.setContentsMargins(12, 10, 12, 10)
    box.setSpacing(8)
    box.addLayout(top)
    box.addWidget(tab.banner)
    box.addWidget(tab.split, 1)

    tab.refresher = QTimer(tab)
    tab.refresher.setSingleShot(True)
    tab.refresher.setInterval(REFRESH_MS)
    tab.refresher.timeout.connect(tab.refresh_now)
    tab.fill_menu = QMenu(tab)
    tab.variables.fill_button.setMenu(tab.fill_menu)
    tab.fill_menu.aboutToShow.connect(tab._build_fill_menu)
