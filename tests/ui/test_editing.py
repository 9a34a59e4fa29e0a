"""Editing a prompt in a tab: one undo stack for text, structure and settings; exact text,
right-to-left scripts, visible whitespace, find and replace."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextOption

from storage.workspace import prompts as repo

from .conftest import save_prompt, type_text


def _to_end(editor) -> None:
    cursor = editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    editor.setTextCursor(cursor)


def test_undo_and_redo_span_text_structure_and_settings(harness, workspace, qtbot):
    save_prompt(workspace, "demo", ("system", "Be kind."), ("user", "Hi {{ name }}"),
                parameters={"temperature": 0.2})
    tab = harness.open("demo")
    original = tab.state().to_json()
    first, second = tab.messages.cards

    _to_end(first.editor)
    qtbot.keyClicks(first.editor, " Always.")
    _to_end(second.editor)
    qtbot.keyClicks(second.editor, "!")
    tab.add_message("assistant")
    tab.move_message(tab.messages.cards[2].uid, -1)
    tab.messages.cards[0].role_box.setCurrentIndex(1)  # system -> user, as a click would
    tab.remove_message(tab.messages.cards[2].uid)  # the "Hi {{ name }}!" message
    tab.columns.columns[0].settings.temperature.setValue(0.7)
    tab.refresh_now()
    final = tab.state()
    assert [r for r, _ in final.messages] == ["user", "assistant"]
    assert final.messages[0][1] == "Be kind. Always."
    assert final.columns[0].params["temperature"] == 0.7
    assert tab.modified

    steps = tab.undo_stack.count()
    while tab.undo_stack.canUndo():
        tab.undo_stack.undo()
    tab.refresh_now()
    assert tab.state().to_json() == original
    assert not tab.modified
    assert tab.columns.columns[0].settings.temperature.value() == 0.2

    while tab.undo_stack.canRedo():
        tab.undo_stack.redo()
    tab.refresh_now()
    assert tab.state().messages == final.messages
    assert tab.state().columns[0].params == final.columns[0].params
    assert tab.undo_stack.count() == steps


def test_ctrl_z_in_a_message_undoes_on_the_tab_stack(harness, workspace, qtbot):
    save_prompt(workspace, "demo", ("user", "one"))
    tab = harness.open("demo")
    editor = tab.messages.cards[0].editor
    _to_end(editor)
    qtbot.keyClicks(editor, " two")
    tab.add_message("assistant")
    assert len(tab.messages.cards) == 2
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(tab.messages.cards) == 1  # the add went first: one stack for the tab
    qtbot.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.messages.cards[0].text() == "one"
    qtbot.keyClick(editor, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert tab.messages.cards[0].text() == "one two"


def test_typing_a_word_is_one_undo_step_and_shift_enter_is_a_plain_line_break(harness, workspace, qtbot):
    save_prompt(workspace, "demo", ("user", "x"))
    tab = harness.open("demo")
    editor = tab.messages.cards[0].editor
    _to_end(editor)
    qtbot.keyClicks(editor, " hello world")
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert tab.messages.cards[0].text() == "x hello world\n"  # not U+2028
    tab.undo_stack.undo()
    tab.undo_stack.undo()
    assert tab.messages.cards[0].text() == "x hello"


RTL = ("مرحبا {{ name }}، كيف حالك؟\r\n"
       "שלום עולם — mixed עברית and English\u00a0here  \r\n"
       "emoji 😀 and a tab\there\n")


def test_right_to_left_text_round_trips_byte_for_byte(harness, workspace, qtbot):
    save_prompt(workspace, "rtl", ("user", RTL))
    tab = harness.open("rtl")
    card = tab.messages.cards[0]
    assert card.text() == RTL
    assert not tab.modified
    # Qt picks each paragraph's direction from its text: nothing forces left-to-right.
    block = card.editor.document().firstBlock()
    assert block.textDirection() == Qt.LayoutDirection.RightToLeft
    assert block.next().textDirection() == Qt.LayoutDirection.RightToLeft
    assert card.editor.layoutDirection() == Qt.LayoutDirection.LeftToRight  # the app default
    assert card.editor.document().defaultTextOption().textDirection() != Qt.LayoutDirection.LeftToRight

    _to_end(card.editor)
    type_text(card.editor, "سلام שלום")
    result = harness.aio.run(tab.save_version("typed Arabic and Hebrew"))
    assert result.created
    with workspace.session() as session:
        saved = repo.content_of(repo.resolve(session, "rtl"))
    assert saved.messages[0].content == RTL + "سلام שלום"
    assert saved.messages[0].content.encode("utf-8") == (RTL + "سلام שלום").encode("utf-8")


def test_characters_the_editor_cannot_keep_make_the_message_read_only(harness, workspace):
    text = "first\u2029second"
    save_prompt(workspace, "odd", ("user", text))
    tab = harness.open("odd")
    card = tab.messages.cards[0]
    assert card.editor.isReadOnly()
    assert "PARAGRAPH SEPARATOR" in card.warning.text()
    assert card.text() == text
    assert not tab.modified


def test_whitespace_view_shows_spaces_line_ends_and_trailing_spaces(harness, workspace):
    save_prompt(workspace, "ws", ("user", "trailing  \nno final newline"))
    tab = harness.open("ws")
    editor = tab.messages.cards[0].editor
    tab.whitespace_button.setChecked(True)
    flags = editor.document().defaultTextOption().flags()
    assert flags & QTextOption.Flag.ShowTabsAndSpaces
    assert flags & QTextOption.Flag.ShowLineAndParagraphSeparators
    formats = editor.document().firstBlock().layout().formats()
    trailing = [f for f in formats if f.start == len("trailing") and f.length == 2]
    assert trailing and trailing[0].format.background().color().name() == "#fde3cf"
    editor.grab()  # paints the "no line break at end" marker without error
    tab.whitespace_button.setChecked(False)
    assert not editor.document().defaultTextOption().flags() & QTextOption.Flag.ShowTabsAndSpaces
    assert tab.state().show_whitespace is False


def test_find_and_replace_across_messages_is_one_undo_step(harness, workspace):
    save_prompt(workspace, "fr", ("system", "late late"), ("user", "Late parcel"))
    tab = harness.open("fr")
    tab.find_bar.open_bar(replace=True)
    tab.find_bar.find_field.setText("late")
    assert tab.find_bar.count.text() == "3 matches"
    assert tab.find_bar.find()
    assert tab.messages.cards[0].editor.textCursor().selectedText() == "late"
    tab.find_bar.replace_field.setText("early")
    assert tab.find_bar.replace_all() == 3
    assert [c.text() for c in tab.messages.cards] == ["early early", "early parcel"]
    tab.undo_stack.undo()
    assert [c.text() for c in tab.messages.cards] == ["late late", "Late parcel"]
    tab.find_bar.case.setChecked(True)
    assert tab.find_bar.count.text() == "2 matches"


def test_starring_a_column_saves_its_model_with_the_prompt_and_can_be_undone(workspace, provider, harness):
    from desktop.core import providers as core_providers

    core_providers.add_provider(workspace, "other", "openai/other-model", base_url="http://127.0.0.1:9/v1")
    harness.aio.run(harness.view.catalog.reload())
    save_prompt(workspace, "star", ("user", "x"), model="openai/echo")
    tab = harness.open("star")
    second = tab.columns.add_column()
    assert second.state.provider == "other"
    second.star.click()
    tab.refresh_now()
    assert tab.state().primary == 1 and tab.state().to_content().model == "openai/other-model"
    assert tab.modified and second.star.text() == "★"
    tab.undo_stack.undo()
    tab.refresh_now()
    assert tab.state().primary == 0 and not tab.modified
