"""Small widgets shared by the screens."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QBoxLayout, QFrame, QHBoxLayout, QLabel,
                               QLayout, QListWidget, QListWidgetItem, QMenu, QPushButton,
                               QScrollArea, QSplitter, QTableView, QToolButton, QVBoxLayout,
                               QWidget)


def on_click(signal: SignalInstance, slot: Callable[[], object]) -> None:
    """Connect `clicked` or `triggered` to a slot that takes no arguments.

    Qt hands `checked` to any slot that can take it, so `def show(self, page="list")` connected
    directly receives `page=False` when a person clicks. Every button and menu item goes
    through here (or through `make_action`).
    """
    signal.connect(lambda *_args: slot())


def make_action(parent: QObject, text: str, slot: Callable[..., object],
                shortcut: str | QKeySequence | QKeySequence.StandardKey
                | list[str | QKeySequence] | None = None, *,
                tip: str | None = None, checkable: bool = False) -> QAction:
    """A menu item or shortcut. A checkable action's slot receives `checked`; others nothing."""
    action = QAction(text, parent)
    if shortcut is not None:
        shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    if tip:
        action.setToolTip(tip)
    action.setCheckable(checkable)
    if checkable:
        action.toggled.connect(slot)
    else:
        on_click(action.triggered, slot)
    return action


class MessageBar(QFrame):
    """An inline note above the work: what happened and what to do. Calmer than a dialog."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.actions_box = QHBoxLayout()
        self.actions_box.setSpacing(6)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        box = QHBoxLayout(self)
        box.setContentsMargins(12, 6, 6, 6)
        box.setSpacing(10)
        box.addWidget(self.label, 1)
        box.addLayout(self.actions_box)
        box.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, kind: str, text: str,
                     actions: list[tuple[str, Callable[[], None]]] = ()) -> None:
        """kind is "info", "success", "warning" or "error"."""
        self.kind = kind
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        while self.actions_box.count():
            item = self.actions_box.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for label, callback in actions:
            button = QPushButton(label)
            on_click(button.clicked, callback)
            self.actions_box.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        self.show()

    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()


def resize_within(window: QWidget, width: int, height: int) -> None:
    """Give a window its preferred size, but never larger than the window it opens over (a
    dialog should not hang off a laptop's screen)."""
    parent = window.parentWidget()
    if parent is not None and parent.window().isVisible():
        outer = parent.window().size()
        width, height = min(width, outer.width()), min(height, outer.height())
    window.resize(width, height)


def single_shot(parent: QObject, name: str, ms: int, slot: Callable[[], object]) -> QTimer:
    """A named timer that calls `slot` once, `ms` after its latest `start()` (to wait for typing
    to pause, or to gather many changes into one refresh)."""
    timer = QTimer(parent)
    timer.setObjectName(name)
    timer.setSingleShot(True)
    timer.setInterval(ms)
    timer.timeout.connect(slot)
    return timer


def scroll_down(area: QScrollArea, name: str = "") -> QScrollArea:
    """Make `area` frameless and scroll its widget up and down only: the widget is kept as wide
    as the area, so that text in it wraps instead of running off to the side."""
    if name:
        area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def rows_table(model, name: str = "", *, several: bool = False,
               wrap: bool = False) -> QTableView:
    """A table of `model` that selects whole rows (`several`: more than one, with Shift or
    Ctrl), with no row numbers and no wrapped text (`wrap`: text too long wraps in its row)."""
    view = QTableView()
    if name:
        view.setObjectName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if several
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.setWordWrap(wrap)
    return view


# -- layouts in one line ------------------------------------------------------------------------
# An item is a widget or a layout, `(item, stretch)`, an int (spacing) or None (a stretch).

def _fill(box: QBoxLayout, items, margins, spacing) -> QBoxLayout:
    if margins is not None:
        box.setContentsMargins(*((margins,) * 4 if isinstance(margins, int) else margins))
    if spacing is not None:
        box.setSpacing(spacing)
    for item in items:
        stretch = 0
        if isinstance(item, tuple):
            item, stretch = item
        if item is None:
            box.addStretch(1)
        elif isinstance(item, int):
            box.addSpacing(item)
        elif isinstance(item, QLayout):
            box.addLayout(item, stretch)
        else:
            box.addWidget(item, stretch)
    return box


def vbox(*items, margins=None, spacing: int | None = None,
         parent: QWidget | None = None) -> QVBoxLayout:
    return _fill(QVBoxLayout(parent) if parent is not None else QVBoxLayout(), items, margins,
                 spacing)


def hbox(*items, margins=None, spacing: int | None = None,
         parent: QWidget | None = None) -> QHBoxLayout:
    return _fill(QHBoxLayout(parent) if parent is not None else QHBoxLayout(), items, margins,
                 spacing)


def holder(layout: QLayout, name: str = "") -> QWidget:
    """A plain widget around a layout (to put a layout in a splitter or a stack)."""
    widget = QWidget()
    if name:
        widget.setObjectName(name)
    widget.setLayout(layout)
    return widget


def splitter(*parts, stretch: tuple[int, ...] = (), sizes: list[int] | None = None,
             vertical: bool = False, collapsible: bool = False, name: str = "") -> QSplitter:
    """Parts side by side (or stacked), each a widget or a layout, resizable by the user."""
    split = QSplitter(Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal)
    if name:
        split.setObjectName(name)
    for part in parts:
        split.addWidget(holder(part) if isinstance(part, QLayout) else part)
    for index, factor in enumerate(stretch):
        split.setStretchFactor(index, factor)
    if sizes:
        split.setSizes(sizes)
    split.setChildrenCollapsible(collapsible)
    return split


def button(text: str, slot: Callable[[], object] | None = None, *, tip: str = "",
           name: str = "", default: bool = False) -> QPushButton:
    push = QPushButton(text)
    if tip:
        push.setToolTip(tip)
    if name:
        push.setObjectName(name)
    if default:
        push.setDefault(True)
    if slot is not None:
        on_click(push.clicked, slot)
    return push


def label(text: str = "", name: str = "", *, wrap: bool = False,
          selectable: bool = False) -> QLabel:
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    if selectable:
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return widget


def check_item(text: str, data, checked: bool, tip: str = "", *,
               selectable: bool = False) -> QListWidgetItem:
    """A list item with a tick box, carrying `data` (read back with `checked_data`)."""
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, data)
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
    item.setFlags(flags | Qt.ItemFlag.ItemIsSelectable if selectable else flags)
    item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    if tip:
        item.setToolTip(tip)
    return item


def checked_data(widget: QListWidget) -> list:
    """The data of the ticked items, in list order."""
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


def menu(title: str, parent: QWidget, *actions) -> QMenu:
    """A menu of these actions (None: a separator)."""
    built = QMenu(title, parent)
    for action in actions:
        built.addSeparator() if action is None else built.addAction(action)
    return built
