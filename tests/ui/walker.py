"""Walk every action of a window the way a curious person would: each menu item (submenus too),
each button, each context menu, in the main window and in every window those open.

Nothing is listed by hand: actions and buttons are discovered from the live widgets, so a new
menu item or button is walked without editing a test. Each is triggered with Qt's real signal
(`QAction.trigger()`, a mouse click), so `checked` reaches slots as it does for users. Modal
questions and file choosers are cancelled by a lenient `Person`; every step's crash-handler
report is tagged with the step that caused it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QMenu,
    QMenuBar,
    QTabWidget,
    QWidget,
)

from .real_app import AppHarness, plain

# Left for last, or not at all: they end the walk itself.
ENDINGS = {"Quit", "Close", "Cancel", "Close Tab", "Open Workspace…", "New Workspace…",
           "Restore Workspace from Backup…",
           # they change the window's workspace: the every-action test does them at the end
           "Open Sample Workspace", "Explore the sample workspace"}


def alive(obj) -> bool:
    try:
        return obj is not None and shiboken6.isValid(obj)
    except (RuntimeError, TypeError):
        return False


@dataclass
class Walk:
    app: AppHarness
    crash_log: list
    steps: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seen_actions: set[int] = field(default_factory=set)
    seen_windows: set[str] = field(default_factory=set)
    depth_limit: int = 2

    # -- one step -----------------------------------------------------------------------
    def step(self, label: str, act: Callable[[], None], settle: float = 0.08) -> None:
        before = len(self.crash_log)
        self.steps.append(label)
        self.app.person.blocked_since = time.monotonic()
        try:
            act()
        except Exception as exc:  # the walk's own trouble: note it, keep walking
            self.failures.append(f"{label}: the walk could not do it ({exc!r})")
        finally:
            self.app.person.blocked_since = None
        self.app.aio.sleep(settle)
        for report in self.crash_log[before:]:
            self.failures.append(f"{label} reached the crash handler:\n{report}")

    # -- what a window offers ----------------------------------------------------------------
    @staticmethod
    def menu_actions(menu: QMenu, trail: str = "") -> list[tuple[str, QAction]]:
        out = []
        owned = {m.menuAction(): m for top in QApplication.topLevelWidgets()
                 for m in top.findChildren(QMenu)}
        for action in menu.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            name = f"{trail} → {plain(action.text())}" if trail else plain(action.text())
            if action in owned:
                sub = owned[action]
                sub.aboutToShow.emit()  # menus filled on demand
                out += Walk.menu_actions(sub, name)
            else:
                out.append((name, action))
        return out

    def bar_actions(self, window: QWidget) -> list[tuple[str, QAction]]:
        out = []
        for bar in window.findChildren(QMenuBar):
            owned = {m.menuAction(): m for m in window.findChildren(QMenu)}
            for top in bar.actions():
                menu = owned.get(top)
                if menu is not None:
                    menu.aboutToShow.emit()
                    out += self.menu_actions(menu, plain(top.text()))
        return out

    @staticmethod
    def buttons(window: QWidget) -> list[QAbstractButton]:
        return [b for b in window.findChildren(QAbstractButton)
                if alive(b) and b.isVisible() and b.isEnabled() and b.window() is window
                and not b.objectName().startswith("qt_")]  # Qt's own (a table's corner)

    @staticmethod
    def context_widgets(window: QWidget) -> list[QWidget]:
        """Widgets that offer a context menu of ours (custom policy or our own handler)."""
        found = []
        for w in window.findChildren(QWidget):
            if not w.isVisible() or w.window() is not window:
                continue
            if w.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu:
                found.append(w)
            elif (type(w).__module__.startswith("desktop.")
                  and "contextMenuEvent" in type(w).__dict__):
                found.append(w)
        return found

    # -- walking ----------------------------------------------------------------------------
    def open_windows(self) -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets()
                if w.isVisible() and not isinstance(w, QMenu) and w is not self.app.window]

    def trigger(self, label: str, action: QAction) -> None:
        if not alive(action) or not action.isEnabled():
            return
        self.step(label, action.trigger)

    def click(self, label: str, button: QAbstractButton) -> None:
        from .real_app import click

        if not alive(button) or not button.isVisible() or not button.isEnabled():
            return
        menu = button.menu() if hasattr(button, "menu") else None
        if menu is not None:  # a button that only opens a menu: walk the menu instead
            menu.aboutToShow.emit()
            for name, action in self.menu_actions(menu, label):
                self.trigger(name, action)
            return
        self.step(label, lambda: click(button))

    def walk_context_menus(self, window: QWidget, where: str) -> None:
        for widget in self.context_widgets(window):
            points = [QPoint(8, 8), widget.rect().center()]
            if isinstance(widget, QAbstractItemView):
                points.append(QPoint(widget.width() - 4, widget.height() - 4))  # empty space
            for point in points:
                names = self.context_menu_items(widget, point)
                for index, name in enumerate(names):
                    if not name or name in ENDINGS:
                        continue
                    label = f"{where}: context menu of {type(widget).__name__} → {name}"
                    self.step(label, lambda w=widget, p=point, i=index:
                              self.context_menu_items(w, p, choose=i))

    @staticmethod
    def context_menu_items(widget: QWidget, point: QPoint, choose: int | None = None) -> list[str]:
        """The items of the context menu `widget` shows at `point` (right click). With
        `choose`, that item is clicked in the open menu, as a person does; else it is closed."""
        if not alive(widget) or not widget.isVisible():
            return []
        watcher = _MenuWatcher(choose)
        QApplication.instance().installEventFilter(watcher)
        try:
            if widget.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu:
                widget.customContextMenuRequested.emit(point)
            else:  # a scroll area gets the right click on its viewport
                target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
                QApplication.sendEvent(target, QContextMenuEvent(
                    QContextMenuEvent.Reason.Mouse, point, target.mapToGlobal(point)))
        finally:
            QApplication.instance().removeEventFilter(watcher)
        return watcher.names


    def walk_window(self, window: QWidget, where: str, depth: int = 0) -> None:
        """Every button, tab page, action and context menu of `window`; windows they open are
        walked too (up to `depth_limit`) and closed again."""
        self.seen_windows.add(where)
        pages = window.findChildren(QTabWidget)
        for tabs in pages or [None]:
            for index in range(tabs.count()) if tabs is not None else [None]:
                if tabs is not None:
                    if not alive(tabs) or not tabs.isVisible() or index >= tabs.count():
                        continue
                    tabs.setCurrentIndex(index)
                    self.app.aio.sleep(0.05)
                page = f"{where} [{plain(tabs.tabText(index))}]" if tabs is not None else where
                self._walk_page(window, page, depth)

    def _walk_page(self, window: QWidget, where: str, depth: int) -> None:
        for name, action in self.bar_actions(window):
            if name.split(" → ")[-1] not in ENDINGS:
                self._then_windows(f"{where}: {name}", lambda a=action, n=name:
                                   self.trigger(f"{where}: {n}", a), depth)
        menu_actions = {m.menuAction() for m in window.findChildren(QMenu)}
        for action in window.findChildren(QAction):
            if (alive(action) and action.isEnabled() and action.text()
                    and id(action) not in self.seen_actions and action not in menu_actions
                    and plain(action.text()) not in ENDINGS):
                self.seen_actions.add(id(action))
                # Shortcut-only actions (added to a widget, in no menu) are walked here too.
                if action.shortcuts() and not any(isinstance(w, QMenu)
                                                  for w in action.associatedObjects()):
                    label = f"{where}: action {plain(action.text())}"
                    self._then_windows(label, lambda a=action, l=label: self.trigger(l, a), depth)
        seen_buttons: set[int] = set()
        for _ in range(3):  # clicking can show more buttons (a Stop after Run): look again
            fresh = [b for b in self.buttons(window) if id(b) not in seen_buttons]
            if not fresh:
                break
            for button in fresh:
                seen_buttons.add(id(button))
                if not alive(button):
                    continue
                text = plain(button.text()) or button.toolTip() or button.objectName()
                if text in ENDINGS or not alive(window) or not window.isVisible():
                    continue
                label = f"{where}: button {text!r}"
                self._then_windows(label, lambda b=button, l=label: self.click(l, b), depth)
        if alive(window) and window.isVisible():
            self.walk_context_menus(window, where)

    def _then_windows(self, label: str, act: Callable[[], None], depth: int) -> None:
        before = set(map(id, self.open_windows()))
        act()
        opened = [w for w in self.open_windows() if id(w) not in before]
        if opened:
            self.app.aio.sleep(0.3)  # let it load what it shows before walking it
        for window in opened:
            if not alive(window):
                continue
            title = window.windowTitle() or type(window).__name__
            if depth < self.depth_limit and title not in self.seen_windows:
                try:
                    self.walk_window(window, f"{label} ⇒ {title}", depth + 1)
                except RuntimeError as exc:  # the window went away while walked: it may
                    if alive(window):        # (a dialog that closes itself); else it's real
                        raise
                    self.steps.append(f"{label} ⇒ {title} closed itself ({exc})")
            if alive(window) and window.isVisible():
                self.step(f"{label} ⇒ close {title}", window.close)


class _MenuWatcher(QObject):
    """Sees a menu pop up: notes its items, then clicks one (or closes the menu)."""

    def __init__(self, choose: int | None) -> None:
        super().__init__()
        self.choose = choose
        self.names: list[str] = []
        self.done = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if (not self.done and event.type() == QEvent.Type.Show and isinstance(obj, QMenu)):
            self.done = True
            items = [a for a in obj.actions() if not a.isSeparator() and a.isVisible()]
            self.names = [plain(a.text()) for a in items]
            QTimer.singleShot(0, lambda: self._act(obj, items))
        return False

    def _act(self, menu: QMenu, items: list[QAction]) -> None:
        if not alive(menu):
            return
        if self.choose is not None and self.choose < len(items) and items[self.choose].isEnabled():
            from PySide6.QtTest import QTest

            rect = menu.actionGeometry(items[self.choose])
            QTest.mouseClick(menu, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             rect.center())
        if alive(menu) and menu.isVisible():
            menu.close()
