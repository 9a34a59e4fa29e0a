"""The diff view: whitespace made visible, one trailing space found in 3,000 words, right-to-left
text, the two modes, settings and the list of changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.ui.versions import INLINE, SIDE_BY_SIDE, DiffView, DraftDiffDialog
from desktop.ui.versions.pane import (
    PROP_EMPHASIS,
    PROP_KIND,
    PROP_MARKER,
    PROP_SOURCE,
    PROP_WHITESPACE,
)
from storage.releases.content import Message, PromptContent, Variable

WORDS = ("the customer call summary agent policy refund delivery tone warm brief answer always "
         "never include").split()


def content(*messages: tuple[str, str], **fields) -> PromptContent:
    return PromptContent(messages=tuple(Message(r, t) for r, t in messages), **fields)


def long_prompt() -> str:
    lines = [" ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(25)) for i in range(120)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def view(qtbot):
    def make(old, new, titles=("old", "new"), *, size=(1400, 900)) -> DiffView:
        widget = DiffView(old, new, titles)
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.show()
        qtbot.waitExposed(widget)
        qtbot.wait(1)
        return widget

    return make


def changed(pane) -> list[tuple[int, str, dict]]:
    """(block, shown text, properties) of every fragment that is part of a change."""
    out = []
    for block, text, fmt in pane.fragments():
        if fmt.property(PROP_KIND) in ("insert", "delete"):
            out.append((block, text, {
                "kind": fmt.property(PROP_KIND), "emphasis": fmt.property(PROP_EMPHASIS),
                "whitespace": fmt.property(PROP_WHITESPACE), "marker": fmt.property(PROP_MARKER),
                "source": fmt.property(PROP_SOURCE)}))
    return out


def whitespace_marks(widget: DiffView) -> list[tuple[str, str, str]]:
    """(side, shown, source) of every changed-whitespace fragment, both modes."""
    out = []
    for mode in (SIDE_BY_SIDE, INLINE):
        widget.set_mode(mode)
        for pane in widget.panes():
            out += [(pane.side, text, props["source"]) for _b, text, props in changed(pane)
                    if props["whitespace"]]
    widget.set_mode(SIDE_BY_SIDE)
    return out


@pytest.mark.parametrize(("old", "new", "shown", "source", "note"), [
    ("Be kind.\nAnswer briefly.\n", "Be kind. \nAnswer briefly.\n", "·", " ",
     "trailing space added on line 1"),
    ("Rules:\n\tbe kind\n", "Rules:\n    be kind\n", "····", "    ",
     "indentation changed from 1 tab to 4 spaces on line 2"),
    ("one\r\ntwo\r\n", "one\ntwo\r\n", "␍↵", "\r\n",
     "line ending changed from CRLF to LF on line 1"),
    ("one\ntwo\n", "one\ntwo", "↵", "\n", "final newline removed on line 2"),
    ("Price: 100 EUR\n", "Price: 100\u00a0EUR\n", "⍽", "\u00a0",
     "space replaced by no-break space (U+00A0) on line 1"),
    ("never promise\n", "never\u200b promise\n", "[ZWSP]", "\u200b",
     "zero-width space (U+200B) added on line 1"),
])
def test_each_whitespace_change_is_drawn_outlined_and_named(view, old, new, shown, source, note):
    widget = view(content(("system", old)), content(("system", new)))
    marks = whitespace_marks(widget)
    assert any(text.endswith(shown) or text == shown for _side, text, _src in marks), marks
    assert any(src.endswith(source) or src == source for _side, _text, src in marks), marks
    # the fragment is ringed: the pane knows where changed whitespace is
    assert any(pane.outlined for pane in (widget.left, widget.right))
    summary = widget.summary_text()
    assert note in summary
    assert widget.summary.property("kind") == "whitespace"


def test_a_missing_final_newline_is_also_said_in_words(view):
    widget = view(content(("system", "one\ntwo\n")), content(("system", "one\ntwo")))
    notes = [text for _b, text, fmt in widget.right.fragments()
             if fmt.property(PROP_KIND) == "note"]
    assert notes == ["  no line break at the end"]


def test_unchanged_tabs_are_marked_but_not_as_changes(view):
    widget = view(content(("system", "a\tb\nold\n")), content(("system", "a\tb\nnew\n")))
    widget.set_whole_text(True)
    markers = [(text, fmt.property(PROP_KIND)) for _b, text, fmt in widget.left.fragments()
               if fmt.property(PROP_MARKER)]
    assert ("→", "equal") in markers
    assert all(not props["whitespace"] for _b, _t, props in changed(widget.left))


def test_one_trailing_space_in_3000_words_is_highlighted_exactly_once(view):
    text = long_prompt()
    lines = text.split("\n")
    lines[40] += " "
    old = content(("system", text), ("user", "{{ transcript }}"))
    new = content(("system", "\n".join(lines)), ("user", "{{ transcript }}"))
    assert len(text.split()) == 3000
    widget = view(old, new)
    assert widget.summary_text() == ("1 change: trailing space added on line 41 of the system "
                                     "message.")
    for mode in (SIDE_BY_SIDE, INLINE):
        widget.set_mode(mode)
        for whole in (False, True):
            widget.set_whole_text(whole)
            found = [item for pane in widget.panes() for item in changed(pane)]
            assert len(found) == 1, (mode, whole, found)
            block, shown, props = found[0]
            assert (shown, props["source"], props["whitespace"], props["emphasis"]) == \
                ("·", " ", True, True)
            pane = widget.panes()[-1]
            assert pane.lines[block].new_no == 41
            # it is the current change, marked in the margin and scrolled into view
            assert pane.current == (block, block)
            top = pane.block_rect(block).top() - pane.verticalScrollBar().value()
            assert 0 <= top < pane.viewport().height()
    items = [widget.change_list.topLevelItem(0).child(i).text(0)
             for i in range(widget.change_list.topLevelItem(0).childCount())]
    assert items == ["Trailing space added on line 41"]


def test_right_to_left_text_is_in_logical_order_and_laid_out_right_to_left(view):
    arabic = ("أنت مساعد خدمة العملاء. أجب دائماً بلطف وباختصار.",
              "أنت مساعد خدمة العملاء. أجب دائماً بلطف وبإيجاز.")
    hebrew = ("אתה עוזר שירות לקוחות. ענה תמיד בנימוס.", "אתה עוזר שירות לקוחות. ענה תמיד באדיבות.")
    widget = view(content(("system", f"Be kind.\n{arabic[0]}\n{hebrew[0]}\n")),
                  content(("system", f"Be kind.\n{arabic[1]}\n\u200b{hebrew[1]}\n")))
    widget.set_whole_text(True)
    right = widget.right.document()
    blocks = {right.findBlockByNumber(i).text(): right.findBlockByNumber(i)
              for i in range(right.blockCount())}
    assert arabic[1] in blocks  # exactly the logical string: nothing reversed
    assert "[ZWSP]" + hebrew[1] in blocks
    for text in (arabic[1], "[ZWSP]" + hebrew[1]):
        block = blocks[text]
        assert block.blockFormat().layoutDirection() == Qt.LayoutDirection.RightToLeft
        assert block.layout().textOption().textDirection() == Qt.LayoutDirection.RightToLeft
    assert blocks["Be kind."].blockFormat().layoutDirection() == Qt.LayoutDirection.LeftToRight
    # The changed Arabic word is marked as its own fragment, letters in logical order.
    words = [text for block, text, props in changed(widget.right)
             if widget.right.document().findBlockByNumber(block).text() == arabic[1]]
    assert "".join(words) in arabic[1] and "إيجاز" in "".join(words)
    # An RTL line is laid out from the right: its first character sits right of its last.
    layout = blocks[arabic[1]].layout()
    line = layout.lineAt(0)
    first_x = line.cursorToX(0)
    last_x = line.cursorToX(line.textLength() - 1)
    first_x = first_x[0] if isinstance(first_x, tuple) else first_x
    last_x = last_x[0] if isinstance(last_x, tuple) else last_x
    assert first_x > last_x


def test_inline_and_side_by_side_toggle(view, qtbot):
    widget = view(content(("system", "Always be kind.\nBye\n")),
                  content(("system", "Always be warm.\nBye\n")))
    assert widget.mode == SIDE_BY_SIDE and widget.panes_stack.currentIndex() == 0
    with qtbot.waitSignal(widget.mode_changed) as signal:
        qtbot.mouseClick(widget.inline_button, Qt.MouseButton.LeftButton)
    assert signal.args == [INLINE]
    assert widget.panes_stack.currentIndex() == 1
    fragments = changed(widget.inline_pane)
    deleted = [t for _b, t, p in fragments if p["kind"] == "delete"]
    inserted = [t for _b, t, p in fragments if p["kind"] == "insert"]
    assert "".join(deleted) == "kind" and "".join(inserted) == "warm"
    struck = [fmt.fontStrikeOut() for _b, t, fmt in widget.inline_pane.fragments()
              if fmt.property(PROP_KIND) == "delete"]
    assert struck and all(struck)
    with qtbot.waitSignal(widget.mode_changed):
        qtbot.mouseClick(widget.side_button, Qt.MouseButton.LeftButton)
    assert widget.mode == SIDE_BY_SIDE and widget.current_change == 0


def test_rows_stay_level_when_one_side_wraps_more(view, qtbot):
    long = " ".join(WORDS * 6)
    widget = view(content(("system", f"short\n{long}\nend\n")),
                  content(("system", f"short line now\n{long} more\nend\n")), size=(1000, 700))
    widget.set_whole_text(True)
    for size in ((1000, 700), (760, 700)):
        widget.resize(*size)
        qtbot.wait(20)
        left, right = widget.left, widget.right
        assert len(left.lines) == len(right.lines)
        tops = [(left.block_rect(i).top(), right.block_rect(i).top())
                for i in range(len(left.lines))]
        assert all(abs(a - b) < 1 for a, b in tops), tops
    left_bar, right_bar = widget.left.verticalScrollBar(), widget.right.verticalScrollBar()
    right_bar.setValue(right_bar.maximum())
    assert left_bar.value() == right_bar.value()


def test_settings_and_message_moves_are_listed(view):
    old = content(("system", "Be brief."), ("user", "Hi {{ name }}"), ("assistant", "Hello"),
                  model="openai/gpt-4o-mini", parameters={"temperature": 0.2},
                  variables=[Variable("name")])
    new = content(("system", "Be brief."), ("assistant", "Hello"), ("user", "Hi {{ name }}"),
                  ("user", "Now in {{ language }}."), model="anthropic/claude-3-5-haiku",
                  parameters={"temperature": 0.7},
                  variables=[Variable("name"), Variable("language", default="ar")])
    widget = view(old, new)
    rows = [[widget.settings.topLevelItem(i).text(c) for c in range(3)]
            for i in range(widget.settings.topLevelItemCount())]
    assert ["model", "openai/gpt-4o-mini", "anthropic/claude-3-5-haiku"] in rows
    assert ["temperature", "0.2", "0.7"] in rows
    assert rows[-1][0] == "variable “language”" and rows[-1][1] == "(not set)"
    assert widget.settings.isVisible()
    groups = [widget.change_list.topLevelItem(i).text(0)
              for i in range(widget.change_list.topLevelItemCount())]
    assert groups == ["Settings", "Assistant message", "Message 4 (user)"]
    headers = [line.text for line in widget.right.lines if line.kind == "header"]
    assert "Message 2 · assistant — moved from position 3" in headers
    assert "Message 4 · user — added" in headers
    assert widget.summary_text().startswith("5 changes in 2 messages and 3 settings.")


def test_clicking_a_change_scrolls_to_it(view, qtbot):
    lines = long_prompt().split("\n")
    new = list(lines)
    new[5] = new[5].replace("the", "a", 1)
    new[100] = new[100] + "  "
    widget = view(content(("system", "\n".join(lines))), content(("system", "\n".join(new))))
    widget.set_whole_text(True)
    group = widget.change_list.topLevelItem(0)
    assert [group.child(i).text(0) for i in range(group.childCount())] == \
        ["Line 6 changed", "Trailing 2 spaces added on line 101"]
    assert widget.current_change == 0
    with qtbot.waitSignal(widget.change_selected) as signal:
        rect = widget.change_list.visualItemRect(group.child(1))
        qtbot.mouseClick(widget.change_list.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    assert signal.args == [1]
    block = widget.layout_for().anchors[1][0]
    assert widget.right.lines[block].new_no == 101
    top = widget.right.block_rect(block).top() - widget.right.verticalScrollBar().value()
    assert 0 <= top < widget.right.viewport().height()
    assert widget.left.verticalScrollBar().value() == widget.right.verticalScrollBar().value()
    widget.previous_change()
    assert widget.current_change == 0 and widget.position.text() == "change 1 of 2"


def test_identical_versions_say_so(view):
    same = content(("system", "Be kind."))
    widget = view(same, same)
    assert widget.summary_text().startswith("No differences: both are version ")
    assert widget.summary.property("kind") == "same"
    assert widget.position.text() == "no changes"


def test_draft_dialog_compares_a_draft_with_its_saved_version(qtbot, aio):
    saved = content(("system", "Be kind."))
    draft = content(("system", "Be kind. "))
    dialog = DraftDiffDialog(draft, saved, saved_title="version 3f2a", prompt_name="greet")
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Changes in the draft of greet"
    # Worked out off the GUI thread: the dialog says so until the diff arrives.
    assert dialog.view.empty.text() == "Working out the changes…" and dialog.view.diff is None
    aio.wait(lambda: dialog.view.diff is not None, what="draft diff shown")
    assert dialog.view.summary_text() == ("1 change: trailing space added on line 1 of the "
                                          "system message.")
    assert dialog.view.right_title.text() == "After: your draft (not saved)"
    never = DraftDiffDialog(draft, None)
    qtbot.addWidget(never)
    aio.wait(lambda: never.view.diff is not None, what="diff against nothing shown")
    assert never.view.left_title.text() == "Before: nothing saved yet"
    assert never.view.summary_text() == "1 change: the system message added (1 line)."
