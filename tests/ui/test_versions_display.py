"""What the diff panes show, as data: markers, alignment, changes and the summary (no widgets)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.diff import diff_contents, visible
from desktop.ui.versions import display as d
from desktop.ui.versions.changes import ChangeList
from storage.releases.content import Message, PromptContent, Variable

TRICKY = " \t\r\n\u00a0\u200b\u200d\u200c\ufeff\u202fab·→مשׁ👨👩\ufe0f"


def content(*messages: tuple[str, str], **fields) -> PromptContent:
    return PromptContent(messages=tuple(Message(r, t) for r, t in messages), **fields)


def layouts(old: PromptContent, new: PromptContent, compact: bool = False):
    diff = diff_contents(old, new)
    changes = ChangeList(diff)
    return diff, changes, d.side_by_side(diff, changes, compact=compact), \
        d.inline(diff, changes, compact=compact)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRICKY), max_size=30), st.booleans(), st.booleans())
def test_draw_covers_the_text_and_shows_what_visible_shows(text, spaces, joiners):
    runs = d.draw(text, spaces=spaces, joiners=joiners)
    assert "".join(source for _, _, source in runs) == text
    assert "".join(shown for shown, _, _ in runs) == visible(text, spaces=spaces, joiners=joiners)
    for shown, marker, source in runs:
        assert marker or shown == source


@settings(max_examples=120, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab \t\u00a0\u200bמ\r"), max_size=12),
                min_size=1, max_size=6),
       st.lists(st.text(alphabet=st.sampled_from("ab \t\u00a0\u200bמ\r"), max_size=12),
                min_size=1, max_size=6), st.booleans(), st.booleans())
def test_both_sides_have_one_line_per_row(old_lines, new_lines, old_nl, new_nl):
    old = "\n".join(old_lines) + ("\n" if old_nl else "")
    new = "\n".join(new_lines) + ("\n" if new_nl else "")
    for compact in (False, True):
        diff, changes, sbs, inl = layouts(content(("system", old or "x")),
                                          content(("system", new or "x")), compact)
        left, right = sbs.panes
        assert len(left) == len(right)
        for a, b in zip(left, right):
            assert (a.kind in (d.HEADER, d.FOLD, d.EMPTY)) == (b.kind in (d.HEADER, d.FOLD,
                                                                          d.EMPTY))
        for mode in (sbs, inl):
            for pane in mode.panes:
                for line in pane:
                    assert "\n" not in line.text and "\u2029" not in line.text
            # every change can be scrolled to
            for k, item in enumerate(changes.items):
                if item.field is None:
                    assert k in mode.anchors


def test_unchanged_text_keeps_spaces_but_shows_tabs_and_no_break_spaces():
    pieces = d.line_pieces(
        diff_contents(content(("system", "a b\tc\u00a0d\n")),
                      content(("system", "a b\tc\u00a0d\n"))).messages[0].text.rows[0].left,
        whole_line=False)
    assert "".join(p.text for p in pieces) == "a b→c⍽d"
    assert all(p.kind == d.EQUAL and not p.whitespace for p in pieces)
    assert [p.text for p in pieces if p.marker] == ["→", "⍽"]


def test_a_changed_sentence_reads_as_a_sentence():
    _, _, sbs, _ = layouts(content(("system", "Always be kind.\n")),
                           content(("system", "Never be rude to anyone.\n")))
    right = [line for line in sbs.panes[1] if line.kind == d.LINE_REPLACE][0]
    assert "·" not in right.text  # single spaces between changed words stay spaces


def test_one_trailing_space_is_one_change_named_in_the_summary():
    words = ("the customer call summary agent policy refund delivery tone warm brief answer "
             "always never include").split()
    lines = [" ".join(words[(i + k) % len(words)] for k in range(25)) for i in range(120)]
    text = "\n".join(lines) + "\n"
    changed = text.split("\n")
    changed[40] += " "
    old = content(("system", text), ("user", "{{ transcript }}"))
    new = content(("system", "\n".join(changed)), ("user", "{{ transcript }}"))
    assert len(text.split()) == 3000
    diff, changes, sbs, inl = layouts(old, new, compact=True)
    assert changes.summary() == ("1 change: trailing space added on line 41 of the system "
                                 "message.")
    assert len(changes.items) == 1 and changes.items[0].whitespace_only
    for mode in (sbs, inl):
        changed_pieces = [p for pane in mode.panes for line in pane for p in line.pieces
                          if p.kind in (d.INSERT, d.DELETE)]
        assert [(p.text, p.source, p.whitespace, p.emphasis) for p in changed_pieces] == \
            [("·", " ", True, True)]
        first, last = mode.anchors[0]
        assert first == last
        assert mode.panes[-1][first].new_no == 41


def test_message_moves_additions_and_removals_are_headed():
    old = content(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello"))
    new = content(("system", "Be brief."), ("assistant", "Hello"), ("user", "Hi"),
                  ("user", "Reply in {{ language }}."))
    diff, changes, sbs, inl = layouts(old, new)
    headers = [line.text for line in sbs.panes[1] if line.kind == d.HEADER]
    assert "Message 2 · assistant — moved from position 3" in headers
    assert "Message 4 · user — added" in headers
    assert any("moved from position 3 to 2" in item.description for item in changes.items)
    removed = layouts(new, old)[2].panes[0]
    assert "Message 4 · user — removed" in [line.text for line in removed
                                           if line.kind == d.HEADER]


def test_settings_changes_are_listed_in_words():
    old = content(("system", "x"), model="openai/gpt-4o-mini",
                  parameters={"temperature": 0.2}, variables=[Variable("topic")])
    new = content(("system", "x"), model="anthropic/claude-3-5-haiku",
                  parameters={"temperature": 0.7, "max_tokens": 300},
                  variables=[Variable("topic", default="refunds ")])
    changes = ChangeList(diff_contents(old, new))
    sentences = [item.sentence for item in changes.items]
    assert "model changed from openai/gpt-4o-mini to anthropic/claude-3-5-haiku" in sentences
    assert "temperature changed from 0.2 to 0.7" in sentences
    assert "max_tokens set to 300" in sentences
    assert any(s.startswith("variable “topic”: default value set to") for s in sentences)
    assert changes.summary() == "4 changes in 4 settings."


def test_many_changes_still_name_the_whitespace_ones():
    old = content(("system", "one\ntwo\nthree\nfour\nfive\n"), model="a")
    new = content(("system", "One\ntwo\nthree \nfour\nFive\n"), model="b")
    summary = ChangeList(diff_contents(old, new)).summary()
    assert summary.startswith("4 changes in 1 message and 1 setting.")
    assert "Whitespace changed too: trailing space added on line 3 of the system message" \
        in summary


def test_right_to_left_lines_keep_logical_order_and_their_direction():
    arabic_old, arabic_new = "أجب دائماً بلطف وباختصار.", "أجب دائماً بلطف وبإيجاز."
    hebrew_old, hebrew_new = "ענה תמיד בנימוס.", "\u200bענה תמיד באדיבות."
    _, _, sbs, inl = layouts(content(("system", f"{arabic_old}\n{hebrew_old}\n")),
                             content(("system", f"{arabic_new}\n{hebrew_new}\n")))
    right = [line for line in sbs.panes[1] if line.kind == d.LINE_REPLACE]
    assert [line.text for line in right] == [arabic_new, "[ZWSP]" + hebrew_new[1:]]
    # The marker is Latin, but the paragraph stays right to left: its text decides.
    assert [line.rtl for line in right] == [True, True]
    assert d.direction("[ZWSP]ענה") is False and d.direction("\u200bענה") is True
    first = [line for line in inl.panes[0] if line.kind == d.LINE_REPLACE][0]
    # Inline: the removed word, then the added one, in logical (reading) order.
    deleted = "".join(p.text for p in first.pieces if p.kind == d.DELETE)
    inserted = "".join(p.text for p in first.pieces if p.kind == d.INSERT)
    assert first.text.index(deleted) < first.text.index(inserted)
    assert first.text.startswith("أجب دائماً بلطف وب")
