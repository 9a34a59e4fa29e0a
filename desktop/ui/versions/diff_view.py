"""Comparing two prompt versions (or a draft with its saved version) on screen.

Just over 500 lines: one view whose three presentations share the diff and the position.

`DiffView` shows a ContentDiff: a summary that names small and whitespace-only changes outright,
the settings that changed, every message side by side or inline, and a list of changes that
scrolls to each one. Changed text is marked by word and, inside changed words, by character;
changed whitespace is drawn with markers on an amber ground, because it is what people miss.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.diff import ContentDiff, diff_contents, nothing
from storage.releases.content import PromptContent

from . import display
from .changes import ChangeList
from .lists import CHANGE_ROLE, WrappingDelegate, fill_changes, fill_settings, select_change
from .pane import DiffPane
from .style import LEGEND, LEGEND_TIP, STYLE
from ..tasks import TaskSet
from ..widgets import on_click, resize_within, single_shot, vbox

SIDE_BY_SIDE = "side-by-side"
INLINE = "inline"


def _segment(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName("segment")
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(True)
    return button


class DiffView(QWidget):
    """Two versions compared. `titles` name the old and the new side ("Version 3f2a9c1d ·
    ann · 2 days ago", "Your draft"). Pass `diff` when it was computed elsewhere (off the GUI
    thread); `old=None` compares with nothing (a prompt's first version)."""

    mode_changed = Signal(str)  # SIDE_BY_SIDE or INLINE
    change_selected = Signal(int)  # index into `changes.items`

    def __init__(self, old: PromptContent | None = None, new: PromptContent | None = None,
                 titles: tuple[str, str] = ("Before", "After"), *,
                 diff: ContentDiff | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diffView")
        self.setStyleSheet(STYLE)
        self.diff: ContentDiff | None = None
        self.changes: ChangeList | None = None
        self.titles = titles
        self.current_change: int | None = None
        self._mode = SIDE_BY_SIDE
        self._compact = True
        self._layouts: dict[tuple[str, bool], display.Layout] = {}
        self._shown: tuple[str, bool] | None = None
        self._syncing = False
        self._pending_line: int | None = None
        self._build()
        if new is not None:
            self.set_contents(old, new, titles, diff=diff)
        else:
            self.set_message("Nothing to compare yet.")

    # -- building -------------------------------------------------------------------------
    def _build(self) -> None:
        self.summary = QLabel()
        self.summary.setObjectName("diffSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.side_button = _segment("Side by side", "Old and new next to each other")
        self.inline_button = _segment("Inline", "One text: removed words struck through, "
                                                "added words marked")
        self.side_button.setChecked(True)
        modes = QButtonGroup(self)
        modes.setExclusive(True)
        modes.addButton(self.side_button)
        modes.addButton(self.inline_button)
        self.side_button.toggled.connect(
            lambda on: on and self.set_mode(SIDE_BY_SIDE))
        self.inline_button.toggled.connect(lambda on: on and self.set_mode(INLINE))
        self.changes_button = _segment("Changes only", "Fold unchanged lines away")
        self.whole_button = _segment("Whole text", "Show every line")
        self.changes_button.setChecked(True)
        folds = QButtonGroup(self)
        folds.setExclusive(True)
        folds.addButton(self.changes_button)
        folds.addButton(self.whole_button)
        self.whole_button.toggled.connect(self.set_whole_text)

        self.prev_button = QToolButton()
        self.prev_button.setObjectName("navButton")
        self.prev_button.setText("↑ Previous")
        self.prev_button.setToolTip("Previous change (Alt+Up)")
        self.prev_button.clicked.connect(self.previous_change)
        self.next_button = QToolButton()
        self.next_button.setObjectName("navButton")
        self.next_button.setText("Next ↓")
        self.next_button.setToolTip("Next change (Alt+Down)")
        self.next_button.clicked.connect(self.next_change)
        self.position = QLabel()
        self.position.setObjectName("legend")
        for text, keys, slot in (("Next change", "Alt+Down", self.next_change),
                                 ("Previous change", "Alt+Up", self.previous_change)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            on_click(action.triggered, slot)
            self.addAction(action)

        bar = QHBoxLayout()
        bar.setSpacing(0)
        bar.addWidget(self.side_button)
        bar.addWidget(self.inline_button)
        bar.addSpacing(12)
        bar.addWidget(self.changes_button)
        bar.addWidget(self.whole_button)
        bar.addSpacing(16)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(8)
        bar.addWidget(self.position)
        bar.addStretch(1)

        self.settings = QTreeWidget()
        self.settings.setObjectName("settingsChanges")
        self.settings.setColumnCount(4)
        self.settings.setHeaderLabels(["Setting", "Before", "After", "Note"])
        self.settings.setRootIsDecorated(False)
        self.settings.setUniformRowHeights(True)
        self.settings.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.settings.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)

        # Side by side: two panes whose rows are kept level; inline: one pane.
        self.left = DiffPane("left")
        self.right = DiffPane("right")
        self.inline_pane = DiffPane("inline")
        self.left_title = QLabel()
        self.right_title = QLabel()
        self.inline_title = QLabel()
        for label in (self.left_title, self.right_title, self.inline_title):
            label.setObjectName("paneTitle")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        sbs = QWidget()
        grid = QHBoxLayout(sbs)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for title, pane in ((self.left_title, self.left), (self.right_title, self.right)):
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(title)
            column.addWidget(pane, 1)
            grid.addLayout(column, 1)
        one = QWidget()
        column = QVBoxLayout(one)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.inline_title)
        column.addWidget(self.inline_pane, 1)
        self.panes_stack = QStackedWidget()
        self.panes_stack.setObjectName("diffPanes")
        self.panes_stack.addWidget(sbs)
        self.panes_stack.addWidget(one)

        self.change_list = QTreeWidget()
        self.change_list.setObjectName("changesList")
        self.change_list.setHeaderHidden(True)
        self.change_list.setWordWrap(True)
        self.change_list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.change_list.setItemDelegate(WrappingDelegate(self.change_list))
        self.change_list.header().setStretchLastSection(True)
        self.change_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Rows wrap to the list's width: measure them again when it changes.
        self.change_list.header().sectionResized.connect(
            lambda *_: self.change_list.scheduleDelayedItemsLayout())
        self.change_list.setIndentation(12)
        self.change_list.itemClicked.connect(self._change_clicked)
        self.change_list.itemActivated.connect(self._change_clicked)
        changes_box = QWidget()
        changes_column = QVBoxLayout(changes_box)
        changes_column.setContentsMargins(0, 0, 0, 0)
        changes_column.setSpacing(2)
        changes_title = QLabel("Changes")
        changes_title.setObjectName("paneTitle")
        changes_column.addWidget(changes_title)
        changes_column.addWidget(self.change_list, 1)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.panes_stack)
        self.split.addWidget(changes_box)
        self.split.setStretchFactor(0, 1)
        self.split.setSizes([1000, 330])
        self.split.setChildrenCollapsible(False)

        self.legend = QLabel(LEGEND)
        self.legend.setObjectName("legend")
        self.legend.setWordWrap(True)
        self.legend.setToolTip(LEGEND_TIP)

        content = QWidget()
        box = QVBoxLayout(content)
        box.setContentsMargins(8, 8, 8, 6)
        box.setSpacing(6)
        box.addWidget(self.summary)
        box.addLayout(bar)
        box.addWidget(self.settings)
        box.addWidget(self.split, 1)
        box.addWidget(self.legend)

        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        vbox(self.stack, margins=0, parent=self)

        self._align_timer = single_shot(self, "alignTimer", 0, self.align_rows)
        self.left.resized.connect(self._align_timer.start)
        self.right.resized.connect(self._align_timer.start)
        self.inline_pane.resized.connect(self._apply_scroll)
        for pane in (self.left, self.right, self.inline_pane):
            pane.verticalScrollBar().actionTriggered.connect(self._reader_scrolled)
        self.left.verticalScrollBar().valueChanged.connect(
            lambda v: self._sync(self.right, v))
        self.right.verticalScrollBar().valueChanged.connect(
            lambda v: self._sync(self.left, v))

    # -- content --------------------------------------------------------------------------
    def set_message(self, text: str) -> None:
        """Show a sentence instead of a diff ("Select a version to see what changed")."""
        self.empty.setText(text)
        self.stack.setCurrentWidget(self.empty)
        self.diff = None
        self.changes = None

    def set_contents(self, old: PromptContent | None, new: PromptContent,
                     titles: tuple[str, str] | None = None, *,
                     diff: ContentDiff | None = None) -> None:
        if titles is not None:
            self.titles = titles
        self.diff = diff if diff is not None else diff_contents(old or nothing(), new)
        self.changes = ChangeList(self.diff)
        self._layouts.clear()
        self._shown = None
        self.current_change = None
        self.left_title.setText(f"Before: {self.titles[0]}")
        self.right_title.setText(f"After: {self.titles[1]}")
        self.inline_title.setText(f"{self.titles[0]}  →  {self.titles[1]}")
        self._fill_summary()
        fill_settings(self.settings, self.diff)
        fill_changes(self.change_list, self.changes)
        self.stack.setCurrentIndex(1)
        self._render()
        if len(self.changes):
            self.go_to_change(self._first_text_change())
        self._update_position()

    def _first_text_change(self) -> int:
        for k, item in enumerate(self.changes.items):
            if item.field is None:
                return k
        return 0

    def _fill_summary(self) -> None:
        assert self.changes is not None
        text = self.changes.summary()
        if not len(self.changes):
            text = (f"No differences: both are version {self.diff.new_id[:12]}."
                    if self.diff.old_id == self.diff.new_id else text)
            kind = "same"
        elif self.changes.whitespace_notes():
            kind = "whitespace"
        else:
            kind = "changes"
        self.summary.setText(text)
        self.summary.setProperty("kind", kind)
        self.summary.style().unpolish(self.summary)
        self.summary.style().polish(self.summary)

    # -- modes ----------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @property
    def whole_text(self) -> bool:
        return not self._compact

    def set_mode(self, mode: str) -> None:
        if mode not in (SIDE_BY_SIDE, INLINE):
            raise ValueError(mode)
        with QSignalBlocker(self.side_button), QSignalBlocker(self.inline_button):
            self.side_button.setChecked(mode == SIDE_BY_SIDE)
            self.inline_button.setChecked(mode == INLINE)
        if mode == self._mode:
            return
        self._mode = mode
        self._render()
        if self.current_change is not None:
            self.go_to_change(self.current_change)
        self.mode_changed.emit(mode)

    def set_whole_text(self, whole: bool) -> None:
        with QSignalBlocker(self.whole_button), QSignalBlocker(self.changes_button):
            self.whole_button.setChecked(whole)
            self.changes_button.setChecked(not whole)
        if self._compact == (not whole):
            return
        self._compact = not whole
        self._render()
        if self.current_change is not None:
            self.go_to_change(self.current_change)

    def layout_for(self, mode: str | None = None, compact: bool | None = None) -> display.Layout:
        """The lines a mode shows (built once per mode)."""
        assert self.diff is not None and self.changes is not None
        key = (mode or self._mode, self._compact if compact is None else compact)
        if key not in self._layouts:
            build = display.side_by_side if key[0] == SIDE_BY_SIDE else display.inline
            self._layouts[key] = build(self.diff, self.changes, compact=key[1])
        return self._layouts[key]

    def _render(self) -> None:
        if self.diff is None:
            return
        key = (self._mode, self._compact)
        if self._shown == key:
            return
        layout = self.layout_for()
        if self._mode == SIDE_BY_SIDE:
            self.left.show_lines(layout.panes[0])
            self.right.show_lines(layout.panes[1])
            self.panes_stack.setCurrentIndex(0)
            self.align_rows()
        else:
            self.inline_pane.show_lines(layout.panes[0])
            self.panes_stack.setCurrentIndex(1)
        self._shown = key

    def panes(self) -> list[DiffPane]:
        return [self.left, self.right] if self._mode == SIDE_BY_SIDE else [self.inline_pane]

    # -- keeping the two sides level ------------------------------------------------------
    def align_rows(self) -> None:
        """Pad the shorter block of each row so that row i starts at the same height on both
        sides, whatever each side's line wrapping."""
        if self._mode != SIDE_BY_SIDE or not self.left.lines:
            return
        left_doc, right_doc = self.left.document(), self.right.document()
        left_layout, right_layout = left_doc.documentLayout(), right_doc.documentLayout()
        pads: tuple[list, list] = ([], [])
        lb, rb = left_doc.begin(), right_doc.begin()
        while lb.isValid() and rb.isValid():
            lf, rf = lb.blockFormat(), rb.blockFormat()
            lh = left_layout.blockBoundingRect(lb).height() - lf.bottomMargin()
            rh = right_layout.blockBoundingRect(rb).height() - rf.bottomMargin()
            tallest = max(lh, rh)
            for block, fmt, height, out in ((lb, lf, lh, pads[0]), (rb, rf, rh, pads[1])):
                want = tallest - height
                if abs(fmt.bottomMargin() - want) > 0.25:
                    out.append((block, want))
            lb, rb = lb.next(), rb.next()
        for pane, todo in ((self.left, pads[0]), (self.right, pads[1])):
            if not todo:
                continue
            cursor = QTextCursor(pane.document())
            cursor.beginEditBlock()
            for block, want in todo:
                cursor.setPosition(block.position())
                fmt = block.blockFormat()
                fmt.setBottomMargin(want)
                cursor.setBlockFormat(fmt)
            cursor.endEditBlock()
        self._sync(self.right, self.left.verticalScrollBar().value())
        self._apply_scroll()

    def _sync(self, other: DiffPane, value: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            other.verticalScrollBar().setValue(value)
        finally:
            self._syncing = False

    # -- moving between changes -----------------------------------------------------------
    def go_to_change(self, index: int) -> None:
        """Scroll to change `index` (a setting: select it in the settings list) and mark it."""
        if self.changes is None or not 0 <= index < len(self.changes.items):
            return
        self.current_change = index
        item = self.changes.items[index]
        layout = self.layout_for()
        span = layout.anchors.get(index)
        for pane in (self.left, self.right, self.inline_pane):
            pane.set_current(None)
        if item.field is not None:
            target = self.settings.topLevelItem(item.field)
            if target is not None:
                self.settings.setCurrentItem(target)
                self.settings.scrollToItem(target)
        elif span is not None:
            for pane in self.panes():
                pane.set_current(span)
            self._scroll_to(span[0])
        select_change(self.change_list, index)
        self._update_position()
        self.change_selected.emit(index)

    def _scroll_to(self, line: int) -> None:
        """Bring a line into view, and again after each relayout (the window shown, resized,
        the rows levelled) until the reader scrolls somewhere else."""
        self._pending_line = line
        self._apply_scroll()

    def _apply_scroll(self) -> None:
        if self._pending_line is None:
            return
        panes = self.panes()
        panes[-1].scroll_to_line(self._pending_line)
        if len(panes) == 2:
            self._sync(panes[0], panes[1].verticalScrollBar().value())

    def _reader_scrolled(self, _action: int) -> None:
        self._pending_line = None

    def next_change(self) -> None:
        if self.changes and len(self.changes):
            now = -1 if self.current_change is None else self.current_change
            self.go_to_change(min(now + 1, len(self.changes) - 1))

    def previous_change(self) -> None:
        if self.changes and len(self.changes):
            now = 0 if self.current_change is None else self.current_change
            self.go_to_change(max(now - 1, 0))

    def _change_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        index = item.data(0, CHANGE_ROLE)
        if index is not None:
            self.go_to_change(int(index))

    def _update_position(self) -> None:
        total = len(self.changes) if self.changes else 0
        now = self.current_change
        self.position.setText(f"change {now + 1} of {total}" if total and now is not None
                              else ("" if total else "no changes"))
        self.prev_button.setEnabled(bool(total) and (now or 0) > 0)
        self.next_button.setEnabled(bool(total) and (now is None or now < total - 1))

    def summary_text(self) -> str:
        return self.summary.text()


class DraftDiffDialog(QDialog):
    """What the open draft changes compared with the version it was saved as (or, for a prompt
    never saved, everything). Non-modal; close it like any window. The diff is worked out off
    the GUI thread (a rewritten 20 KB prompt takes tens of milliseconds); `ready` says it shows."""

    ready = Signal()

    def __init__(self, draft: PromptContent, saved: PromptContent | None, *,
                 saved_title: str = "saved version", draft_title: str = "your draft (not saved)",
                 prompt_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Changes in the draft of {prompt_name}" if prompt_name
                            else "Changes in the draft")
        titles = (saved_title if saved is not None else "nothing saved yet", draft_title)
        self.view = DiffView(titles=titles)
        self.view.set_message("Working out the changes…")
        self.tasks = TaskSet()
        self.tasks.spawn(self._show(saved, draft, titles))
        self.finished.connect(lambda _result: self.tasks.cancel_all())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 8)
        box.addWidget(self.view, 1)
        box.addWidget(buttons)
        box.setContentsMargins(0, 0, 10, 10)
        resize_within(self, 1300, 820)

    async def _show(self, saved: PromptContent | None, draft: PromptContent,
                    titles: tuple[str, str]) -> None:
        diff = await asyncio.to_thread(diff_contents, saved or nothing(), draft)
        self.view.set_contents(saved, draft, titles, diff=diff)
        self.ready.emit()
