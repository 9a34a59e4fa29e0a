"""Drive the real `MainWindow` the way a person does: menus, buttons, shortcuts, typing.

`AppHarness` builds the window as `desktop.ui.app.run_app` does (same class, same start-up
path, same crash handler) on a real workspace file. Modal questions and file choosers the app
opens are answered by a `Person`: a test says in advance what it will answer
(`person.will("Yes")`, `person.will_choose(path)`, `person.will_type("new name")`), and a modal
window nobody expected fails the test (it is then cancelled so nothing hangs).
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QWidget,
)

from .conftest import Aio, type_text


def plain(text: str) -> str:
    """A menu or button text as a person reads it: no mnemonic &, no trailing shortcut."""
    return re.sub(r"&(?!&)", "", text).split("\t")[0].strip()


@dataclass
class _Answer:
    kind: type
    act: Callable[[QWidget], None]
    what: str
    title: str | None = None


@dataclass
class Person:
    """Answers the modal windows the app opens, in the order the test announced them."""

    aio: Aio
    answers: deque[_Answer] = field(default_factory=deque)
    seen: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lenient: bool = False  # the every-action walk: cancel whatever opens, record its title
    blocked_since: float | None = None  # set by the walk while one of its steps runs

    def __post_init__(self) -> None:
        self._retry: dict[int, tuple[Callable[[QWidget], None], int]] = {}
        self.timer = QTimer()
        self.timer.setInterval(15)
        self.timer.setObjectName("person")
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    # -- what the test says the person will do --------------------------------------------
    def will(self, button: str, title: str | None = None) -> None:
        """Click the button with this text in the next message box."""
        def act(box: QWidget) -> None:
            click_button(box, button)
        self.answers.append(_Answer(QMessageBox, act, f"click {button!r}", title))

    def will_choose(self, path: str | Path | list[str | Path], title: str | None = None) -> None:
        """Type this path (or these, in one folder) into the next file chooser and accept."""
        paths = [Path(p) for p in (path if isinstance(path, list) else [path])]

        def act(dialog: QWidget) -> None:
            assert isinstance(dialog, QFileDialog)
            edit = dialog.findChild(QLineEdit, "fileNameEdit")
            if edit is None:
                dialog.setDirectory(str(paths[0]))
                dialog.selectFile(str(paths[0]))
            elif dialog.fileMode() == QFileDialog.FileMode.Directory:
                # From its parent, by name: a chooser opened on the folder itself may still be
                # listing it and then answers with the folder it started in.
                dialog.setDirectory(str(paths[0].parent))
                edit.setText(paths[0].name)
            elif len(paths) > 1:
                dialog.setDirectory(str(paths[0].parent))
                edit.setText(" ".join(f'"{p.name}"' for p in paths))
            else:
                dialog.setDirectory(str(paths[0].parent))
                edit.clear()
                edit.setText(paths[0].name)
            dialog.accept()
        self.answers.append(_Answer(QFileDialog, act, f"choose {[str(p) for p in paths]}", title))

    def will_type(self, text: str, title: str | None = None) -> None:
        """Replace the text of the next input dialog and press OK."""
        def act(dialog: QWidget) -> None:
            edit = dialog.findChild(QLineEdit)
            edit.selectAll()
            edit.clear()
            type_text(edit, text)
            dialog.accept()
        self.answers.append(_Answer(QInputDialog, act, f"type {text!r}", title))

    def will_do(self, kind: type, act: Callable[[QWidget], None], what: str) -> None:
        self.answers.append(_Answer(kind, act, what))

    def wait_done(self, timeout: float = 10.0) -> None:
        self.aio.wait(lambda: not self.answers, timeout,
                      what=f"the app to ask: {[a.what for a in self.answers]}")

    # -- the loop -------------------------------------------------------------------------
    def _modal(self) -> QWidget | None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible():
            return widget
        for w in QApplication.topLevelWidgets():
            if (isinstance(w, (QMessageBox, QFileDialog, QInputDialog)) and w.isVisible()
                    and w.isModal()):
                return w
        return None

    def _look(self) -> None:
        popup = QApplication.activePopupWidget()
        if self.lenient and isinstance(popup, QMenu):  # a menu left open: close it
            popup.close()
            return
        widget = self._modal()
        if widget is not None and widget.property("personHandled"):
            # Answered, yet still open (a file chooser still reading its folder): again.
            retry = self._retry.get(id(widget))
            if retry is not None and retry[1] < 20:
                self._retry[id(widget)] = (retry[0], retry[1] + 1)
                retry[0](widget)
            return
        if widget is None:
            return
        title = widget.windowTitle()
        text = widget.text() if isinstance(widget, QMessageBox) else ""
        self.seen.append(f"{type(widget).__name__}: {title}: {text}")
        if self.answers and isinstance(widget, self.answers[0].kind) and (
                self.answers[0].title is None or self.answers[0].title in title):
            answer = self.answers.popleft()
            widget.setProperty("personHandled", True)  # on the C++ object: wrappers get reused
            self._retry = {id(widget): (answer.act, 0)}
            answer.act(widget)
            return
        standard = isinstance(widget, (QMessageBox, QFileDialog, QInputDialog))
        stuck = (self.blocked_since is not None
                 and time.monotonic() - self.blocked_since > 2.0)
        if not standard and not (self.lenient and isinstance(widget, QDialog) and stuck):
            # The app's own dialogs: the test works in them. (The walk closes one that blocks
            # it in a nested event loop.)
            return
        if not self.lenient:
            self.unexpected.append(f"{type(widget).__name__} “{title}”: {text}")
        widget.setProperty("personHandled", True)  # on the C++ object: wrappers get reused
        if isinstance(widget, QDialog):
            widget.reject()
        else:
            widget.close()


def click_button(container: QWidget, text: str) -> None:
    """Click the visible button whose text reads `text` (mnemonics ignored)."""
    buttons = [b for b in container.findChildren(QAbstractButton)
               if plain(b.text()) == text and b.isVisible()]
    if not buttons:
        shown = sorted({plain(b.text()) for b in container.findChildren(QAbstractButton)
                        if b.isVisible() and b.text()})
        raise AssertionError(f"no visible button {text!r} in {container.windowTitle()!r}; "
                             f"there are {shown}")
    click(buttons[0])


def click(widget: QWidget) -> None:
    """A real mouse click in the middle of the widget; it must be visible and enabled."""
    assert widget.isVisible(), f"{widget!r} ({getattr(widget, 'text', lambda: '')()}) is hidden"
    assert widget.isEnabled(), f"{widget!r} ({getattr(widget, 'text', lambda: '')()}) is disabled"
    # Aim where the button is drawn: a check box's row is wider than its box and label.
    hint = widget.sizeHint()
    width = min(widget.width(), hint.width()) if hint.isValid() else widget.width()
    fired: list[bool] = []
    button = isinstance(widget, QAbstractButton)
    if button:
        slot = lambda *_: fired.append(True)  # noqa: E731
        widget.clicked.connect(slot)
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(max(1, width // 2), widget.height() // 2))
    if button:
        import shiboken6

        if shiboken6.isValid(widget):
            widget.clicked.disconnect(slot)
        assert fired or not shiboken6.isValid(widget), (
            f"the click on {widget.text()!r} did not reach it; in the way: "
            f"{QApplication.activeModalWidget() or QApplication.activePopupWidget()}")


class AppHarness:
    """The real main window on a workspace file, opened as the app opens it."""

    def __init__(self, aio: Aio, path: Path, size: tuple[int, int] = (1400, 900)) -> None:
        from desktop.ui.main_window import MainWindow

        self.aio = aio
        self.person = Person(aio)
        self.window = MainWindow(path)
        self.window.resize(*size)
        self.window.show()
        self.window.activateWindow()
        self.window.start()
        aio.wait(lambda: self.window.view is not None and self.window.view.load_task.done(),
                 timeout=20, what="the workspace to open",
                 state=lambda: self.window.message_page.body.text())

    @property
    def view(self):
        return self.window.view

    @property
    def workspace(self):
        return self.window.workspace

    # -- menus ----------------------------------------------------------------------------
    def menus(self) -> dict[str, QMenu]:
        """The menu bar's menus by title, in order. (Never `QAction.menu()`: in PySide6 6.x the
        wrapper it returns takes ownership, and the menu is deleted with it.)"""
        bar = self.window.menuBar()
        owned = {m.menuAction(): m for m in self.window.findChildren(QMenu)}
        return {plain(a.text()): owned[a] for a in bar.actions() if a in owned}

    def action(self, menu: str, item: str) -> QAction:
        menus = self.menus()
        assert menu in menus, f"no menu {menu!r}: {sorted(menus)}"
        found = find_action(menus[menu], item)
        assert found is not None, (f"no item {item!r} in {menu}: "
                                   f"{[plain(a.text()) for a in menus[menu].actions()]}")
        return found

    def choose(self, menu: str, item: str) -> None:
        """Open the menu and pick the item, as a mouse does: `triggered(checked)` is emitted."""
        action = self.action(menu, item)
        assert action.isEnabled(), f"{menu} → {item} is disabled"
        owner = self.menus()[menu]
        owner.aboutToShow.emit()
        assert action.isEnabled(), f"{menu} → {item} is disabled"
        action.trigger()
        owner.aboutToHide.emit()

    def press(self, keys: str, widget: QWidget | None = None) -> None:
        """A keyboard shortcut, sent to the focused widget (or `widget`) as real key events."""
        from PySide6.QtGui import QKeySequence

        top = (widget or self.window).window()
        if QApplication.activeWindow() is not top:
            top.activateWindow()
            self.aio.wait(lambda: QApplication.activeWindow() is top, timeout=2,
                          what=f"{top.windowTitle()} to become active",
                          state=lambda: (QApplication.activeWindow(),
                                         QApplication.activeWindow().isVisible()
                                         if QApplication.activeWindow() else None,
                                         QApplication.activeModalWidget()))
        assert QApplication.activeWindow() is top, (f"{top.windowTitle()} is not the active window "
                                                    f"but {QApplication.activeWindow()!r}")
        target = widget or QApplication.focusWidget() or self.window
        combo = QKeySequence(keys)[0]
        QTest.keyClick(target, combo.key(), combo.keyboardModifiers())

    # -- windows the app opened -----------------------------------------------------------
    def wait_window(self, kind: type | None = None, title: str | None = None,
                    timeout: float = 10.0) -> QWidget:
        def find():
            for w in QApplication.topLevelWidgets():
                if not w.isVisible():
                    continue
                if kind is not None and not isinstance(w, kind):
                    continue
                if title is not None and title not in w.windowTitle():
                    continue
                if w is self.window:
                    continue
                return w
            return None

        return self.aio.wait(find, timeout, what=f"a window {kind and kind.__name__} {title!r}",
                             state=lambda: [(type(w).__name__, w.windowTitle())
                                            for w in QApplication.topLevelWidgets() if w.isVisible()])

    def close(self) -> None:
        self.person.stop()
        window = self.window
        if window is None:
            return
        self.window = None
        if window.view is not None:
            window.view.ask_quit_while_running = lambda n: True
        window.close()
        self.aio.wait(lambda: not window.isVisible(), timeout=10, what="the window to close")
        window.shutdown()
        window.deleteLater()
        self.person.stop()
        if self.person.unexpected:
            raise AssertionError("the app asked what the test did not expect:\n"
                                 + "\n".join(self.person.unexpected))


def submenus(menu: QMenu) -> dict[QAction, QMenu]:
    from PySide6.QtWidgets import QApplication as App

    everywhere = [w for top in App.topLevelWidgets() for w in top.findChildren(QMenu)]
    return {m.menuAction(): m for m in everywhere if m.menuAction() in menu.actions()}


def find_action(menu: QMenu, item: str) -> QAction | None:
    subs = submenus(menu)
    for a in menu.actions():
        if a in subs:
            hit = find_action(subs[a], item)
            if hit is not None:
                return hit
        elif plain(a.text()) == item:
            return a
    return None


def context_menu(widget: QWidget, pos: QPoint | None = None) -> QMenu:
    """The context menu the widget shows at `pos`, captured instead of popped up."""
    captured: list[QMenu] = []
    original_exec, original_popup = QMenu.exec, QMenu.popup

    def capture(self, *args: Any, **kwargs: Any):
        captured.append(self)
        return None

    QMenu.exec = capture
    QMenu.popup = capture
    try:
        from PySide6.QtGui import QContextMenuEvent

        point = pos or widget.rect().center()
        if widget.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu:
            widget.customContextMenuRequested.emit(point)
        else:
            QApplication.sendEvent(widget, QContextMenuEvent(
                QContextMenuEvent.Reason.Mouse, point, widget.mapToGlobal(point)))
    finally:
        QMenu.exec, QMenu.popup = original_exec, original_popup
    assert captured, f"{widget!r} showed no context menu"
    return captured[-1]


def dialog_buttons(dialog: QWidget) -> dict[str, QAbstractButton]:
    out = {}
    for box in dialog.findChildren(QDialogButtonBox):
        for b in box.buttons():
            out[plain(b.text())] = b
    return out


def pick(combo, text: str) -> None:
    """Choose an entry of a combo box as a person does: the index changes, `activated` fires."""
    index = combo.findText(text)
    if index < 0:
        index = next((i for i in range(combo.count()) if text in combo.itemText(i)), -1)
    assert index >= 0, f"no {text!r} in {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setFocus()
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def fill(edit, text: str) -> None:
    """Click into a text field, select what is there and type over it."""
    from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

    edit.setFocus()
    if isinstance(edit, (QPlainTextEdit, QTextEdit)):
        edit.selectAll()
        QTest.keyClick(edit, Qt.Key.Key_Delete)
    else:
        edit.selectAll()
        QTest.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(edit, text)


def snap(widget: QWidget, name: str) -> None:
    """Save a screenshot when PROMPTPRESS_SHOTS names a folder (scripts/screenshots.py does)."""
    import os

    folder = os.environ.get("PROMPTPRESS_SHOTS")
    if folder:
        QApplication.processEvents()
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def open_from_list(app: AppHarness, name: str):
    """Click the prompt in the prompt list; returns its tab once open."""
    browser = app.view.browser
    browser.search.clear()
    source = browser.model.index_of(name)
    assert source.isValid(), f"{name!r} is not in the prompt list: {sorted(browser.names())}"
    index = browser.proxy.mapFromSource(source)
    parent = index.parent()
    while parent.isValid():
        browser.tree.expand(parent)
        parent = parent.parent()
    browser.tree.scrollTo(index)
    QApplication.processEvents()
    rect = browser.tree.visualRect(index)
    QTest.mouseClick(browser.tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    return app.aio.wait(lambda: (tab := app.view.current_tab()) is not None and tab.name == name
                        and tab, what=f"the tab of {name}")


def type_in_editor(editor, text: str, *, replace: bool = True) -> None:
    """Type into a message editor as a person does (select all first to replace)."""
    from PySide6.QtGui import QTextCursor

    editor.setFocus()
    if replace:
        editor.selectAll()
        QTest.keyClick(editor, Qt.Key.Key_Delete)
    else:
        cursor = editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        editor.setTextCursor(cursor)
    type_text(editor, text)


def click_row(view, row: int, *, ctrl: bool = False, column: int = 0) -> None:
    """Click a row of a table or tree view (Ctrl+click adds it to the selection)."""
    index = view.model().index(row, column)
    view.scrollTo(index)
    QApplication.processEvents()
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier,
                     view.visualRect(index).center())


def tick(listing, row: int, on: bool = True) -> None:
    """Click the check box of a list item (only if it is not already as wanted)."""
    item = listing.item(row)
    if (item.checkState() == Qt.CheckState.Checked) == on:
        return
    listing.scrollToItem(item)
    QApplication.processEvents()
    rect = listing.visualItemRect(item)
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(listing)
    option.rect = rect
    option.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    box = listing.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, option,
                                         listing)
    QTest.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, box.center())
    assert (item.checkState() == Qt.CheckState.Checked) == on, f"could not tick {item.text()}"
