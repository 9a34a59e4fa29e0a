"""The text diff model: whitespace made visible, word and character granularity, RTL, emoji."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.diff import (
    Change,
    TextDiff,
    WhitespaceKind,
    diff_texts,
    render_terminal,
    split_lines,
    utf16_offset,
    visible,
)


def changed_rows(diff: TextDiff):
    return [row for row in diff.rows if row.kind is not Change.EQUAL]


def emphasised(line) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.text) for s in line.spans if s.emphasis]


# -- Whitespace: each case in the model (kind, note, highlighted characters) and on the terminal --

WHITESPACE_CASES = [
    # id, old, new, kind, note, plain rendering fragments, coloured rendering fragment
    (
        "trailing space added",
        "Be brief.\nThanks\n",
        "Be brief. \nThanks\n",
        WhitespaceKind.TRAILING,
        "trailing space added on line 1",
        ["+   1 │ Be brief.{+·+}"],
        "\x1b[1;97;42m·\x1b[0m",
    ),
    (
        "trailing spaces removed",
        "Be brief.  \n",
        "Be brief.\n",
        WhitespaceKind.TRAILING,
        "trailing 2 spaces removed on line 1",
        ["- 1   │ Be brief.[-··-]"],
        "\x1b[1;97;41m··\x1b[0m",
    ),
    (
        "tab indentation became spaces",
        "\tindented\n",
        "    indented\n",
        WhitespaceKind.TABS_SPACES,
        "indentation changed from 1 tab to 4 spaces on line 1",
        ["[-→-]indented", "{+····+}indented"],
        "\x1b[1;97;41m→\x1b[0m",
    ),
    (
        "tab between words became spaces",
        "name:\tvalue\n",
        "name:    value\n",
        WhitespaceKind.TABS_SPACES,
        "1 tab replaced by 4 spaces on line 1",
        ["name:[-→-]value", "name:{+····+}value"],
        "\x1b[1;97;42m····\x1b[0m",
    ),
    (
        "CRLF became LF",
        "one\r\ntwo\r\n",
        "one\ntwo\r\n",
        WhitespaceKind.LINE_ENDING,
        "line ending changed from CRLF to LF on line 1",
        ["- 1   │ one[-␍↵-]", "+   1 │ one{+↵+}", "  2 2 │ two␍"],
        "\x1b[1;97;41m␍↵\x1b[0m",
    ),
    (
        "LF became CRLF",
        "one\ntwo\n",
        "one\r\ntwo\n",
        WhitespaceKind.LINE_ENDING,
        "line ending changed from LF to CRLF on line 1",
        ["+   1 │ one{+␍↵+}"],
        "\x1b[1;97;42m␍↵\x1b[0m",
    ),
    (
        "final newline removed",
        "first\nlast\n",
        "first\nlast",
        WhitespaceKind.FINAL_NEWLINE,
        "final newline removed on line 2",
        ["- 2   │ last[-↵-]", "+   2 │ last\n\\ no newline at end"],
        "\x1b[1;97;41m↵\x1b[0m",
    ),
    (
        "final newline added",
        "first\nlast",
        "first\nlast\n",
        WhitespaceKind.FINAL_NEWLINE,
        "final newline added on line 2",
        ["- 2   │ last\n\\ no newline at end", "+   2 │ last{+↵+}"],
        "\x1b[1;97;42m↵\x1b[0m",
    ),
    (
        "no-break space instead of a space",
        "Reply in 3 sentences.\n",
        "Reply in 3\u00a0sentences.\n",
        WhitespaceKind.NBSP,
        "space replaced by no-break space (U+00A0) on line 1",
        ["Reply in 3[-·-]sentences.", "Reply in 3{+⍽+}sentences."],
        "\x1b[1;97;42m⍽\x1b[0m",
    ),
    (
        "narrow no-break space",
        "10 000 tokens\n",
        "10\u202f000 tokens\n",
        WhitespaceKind.NBSP,
        "space replaced by narrow no-break space (U+202F) on line 1",
        ["10{+[NNBSP]+}000"],
        "[NNBSP]",
    ),
    (
        "zero-width space inserted",
        "Answer carefully.\n",
        "Answer care\u200bfully.\n",
        WhitespaceKind.ZERO_WIDTH,
        "zero-width space (U+200B) added on line 1",
        ["+   1 │ Answer care{+[ZWSP]+}fully."],
        "\x1b[1;97;42m[ZWSP]\x1b[0m",
    ),
    (
        "byte order mark removed",
        "\ufeffYou are a helpful assistant.\n",
        "You are a helpful assistant.\n",
        WhitespaceKind.ZERO_WIDTH,
        "byte order mark / zero-width no-break space (U+FEFF) removed on line 1",
        ["- 1   │ [-[BOM]-]You are"],
        "\x1b[1;97;41m[BOM]\x1b[0m",
    ),
    (
        "word joiner added",
        "fine-tune\n",
        "fine\u2060-tune\n",
        WhitespaceKind.ZERO_WIDTH,
        "word joiner (U+2060) added on line 1",
        ["fine{+[WJ]+}-tune"],
        "[WJ]",
    ),
    (
        "ideographic space",
        "a b\n",
        "a\u3000b\n",
        WhitespaceKind.UNICODE_SPACE,
        "space replaced by ideographic space (U+3000) on line 1",
        ["a{+[IDEOGRAPHIC SPACE]+}b"],
        "[IDEOGRAPHIC SPACE]",
    ),
    (
        "double space became single",
        "Hello  world\n",
        "Hello world\n",
        WhitespaceKind.SPACES,
        "spacing changed from 2 spaces to 1 space on line 1",
        ["- 1   │ Hello [-·-]world", "+   1 │ Hello world"],
        "\x1b[1;97;41m·\x1b[0m",
    ),
    (
        "right-to-left override",
        "price: 100\n",
        "price: \u202e100\n",
        WhitespaceKind.INVISIBLE,
        "right-to-left override (U+202E) added on line 1",
        ["price: {+[RLO]+}100"],
        "[RLO]",
    ),
    (
        "lone carriage return",
        "ab\n",
        "a\rb\n",
        WhitespaceKind.LINE_ENDING,
        "carriage return (CR) added on line 1",
        ["a{+␍+}b"],
        "␍",
    ),
    (
        "line of only spaces added",
        "a\nb\n",
        "a\n   \nb\n",
        WhitespaceKind.TRAILING,
        "line of only 3 spaces added on line 2",
        ["+   2 │ ···"],
        "···",
    ),
]


@pytest.mark.parametrize(
    "old,new,kind,note,plain,coloured",
    [case[1:] for case in WHITESPACE_CASES],
    ids=[case[0] for case in WHITESPACE_CASES],
)
def test_whitespace_change_is_named_and_drawn(old, new, kind, note, plain, coloured):
    diff = diff_texts(old, new)
    assert diff.changed
    assert kind in {n.kind for n in diff.whitespace}
    assert note in diff.notes
    # The changed character is highlighted at the character level on its side.
    assert any(
        s.emphasis
        for row in changed_rows(diff)
        for line in (row.left, row.right)
        if line
        for s in line.spans
    )
    text = render_terminal(diff, color=False)
    assert f"! {note}" in text
    for fragment in plain:
        assert fragment in text
    assert "\x1b" not in text
    assert coloured in render_terminal(diff, color=True)


def test_one_trailing_space_in_a_3000_word_prompt_is_exactly_that_change():
    rng = random.Random(7)
    vocabulary = (
        "you are a careful assistant answer the question using only the context below".split()
    )
    lines = [" ".join(rng.choice(vocabulary) for _ in range(12)) + "." for _ in range(250)]
    old = "\n".join(lines) + "\n"
    assert len(old.split()) == 3000 and len(old) > 17_000
    lines[149] += " "
    new = "\n".join(lines) + "\n"

    diff = diff_texts(old, new)

    (row,) = changed_rows(diff)
    assert row.kind is Change.REPLACE
    assert (row.left.number, row.right.number) == (150, 150)
    assert emphasised(row.left) == []
    end = len(lines[149]) - 1
    assert emphasised(row.right) == [(end, end + 1, " ")]
    assert [s.kind for s in row.left.spans] == [Change.EQUAL]
    (hunk,) = diff.hunks
    assert hunk.notes == ("trailing space added on line 150",)
    assert [(s.kind, s.text) for s in diff.inline if s.kind is not Change.EQUAL] == [
        (Change.INSERT, " ")
    ]
    text = render_terminal(diff, color=False)
    assert text.count("{+") == 1 and "[-" not in text
    assert text.count("\n- ") == 1 and text.count("\n+ ") == 1
    assert lines[149][:-1] + "{+·+}" in text


def test_identical_texts_have_no_changes():
    text = "Line one\r\nLine\ttwo \u00a0\n"
    diff = diff_texts(text, text)
    assert not diff.changed
    assert diff.hunks == () and diff.whitespace == ()
    assert all(row.kind is Change.EQUAL for row in diff.rows)
    assert [s.kind for s in diff.inline] == [Change.EQUAL]
    assert render_terminal(diff, color=False) == "No changes.\n"


def test_notes_of_one_kind_are_grouped_by_line_ranges():
    diff = diff_texts("a\r\nb\r\nc\r\nd\r\ne\r\n", "a\nb\nc\nd\r\ne\n")
    assert diff.notes == ("line ending changed from CRLF to LF on lines 1-3, 5",)
    assert len(diff.whitespace) == 4


def test_lines_split_on_line_feed_only():
    text = "a\r\nb\x0bc\x0cd\x1ce\x85f\u2028g\u2029h\ni"
    assert split_lines(text) == ["a\r\n", "b\x0bc\x0cd\x1ce\x85f\u2028g\u2029h\n", "i"]
    assert split_lines("") == []
    diff = diff_texts("x\u2028y\n", "x\ny\n")
    assert [row.kind for row in diff.rows] == [Change.REPLACE, Change.INSERT]
    assert "line separator (U+2028) removed on line 1" in diff.notes
    assert "[-[LS]-]" in render_terminal(diff, color=False)


# -- Granularity ---------------------------------------------------------------------------------


def test_changed_word_with_changed_character_inside():
    diff = diff_texts("I like colour.\n", "I like color.\n")
    (row,) = diff.rows
    assert [(s.text, s.kind, s.emphasis) for s in row.left.spans] == [
        ("I like ", Change.EQUAL, False),
        ("colo", Change.DELETE, False),
        ("u", Change.DELETE, True),
        ("r", Change.DELETE, False),
        (".\n", Change.EQUAL, False),
    ]
    assert [(s.text, s.kind, s.emphasis) for s in row.right.spans] == [
        ("I like ", Change.EQUAL, False),
        ("color", Change.INSERT, False),
        (".\n", Change.EQUAL, False),
    ]
    assert render_terminal(diff, color=False).count("colo[-u-]r.") == 1


def test_unrelated_words_are_highlighted_whole():
    diff = diff_texts("the cat sat\n", "the dog sat\n")
    (row,) = diff.rows
    assert emphasised(row.left) == [(4, 7, "cat")]
    assert emphasised(row.right) == [(4, 7, "dog")]


def test_only_changed_words_are_marked():
    diff = diff_texts("the quick brown fox jumps\n", "the quick red fox leaps\n")
    (row,) = diff.rows
    changed = [s.text for s in row.right.spans if s.kind is Change.INSERT]
    assert changed == ["red", "leaps"]
    inline = [(s.kind, s.text) for s in diff.inline]
    assert inline == [
        (Change.EQUAL, "the quick "),
        (Change.DELETE, "brown"),
        (Change.INSERT, "red"),
        (Change.EQUAL, " fox "),
        (Change.DELETE, "jumps"),
        (Change.INSERT, "leaps"),
        (Change.EQUAL, "\n"),
    ]


def test_side_by_side_rows_pair_edited_lines_and_number_both_sides():
    old = "keep\nchange me\nremove me\nkeep too\n"
    new = "keep\nchange me please\nkeep too\nadded\n"
    diff = diff_texts(old, new)
    rows = [(r.kind, r.left and r.left.number, r.right and r.right.number) for r in diff.rows]
    assert rows == [
        (Change.EQUAL, 1, 1),
        (Change.REPLACE, 2, 2),
        (Change.DELETE, 3, None),
        (Change.EQUAL, 4, 3),
        (Change.INSERT, None, 4),
    ]
    assert [text.strip() for _, _, text in emphasised(diff.rows[1].right)] == ["please"]


def test_hunks_keep_context_and_split_far_changes():
    old = "".join(f"line {n}\n" for n in range(1, 41))
    new = old.replace("line 5\n", "line five\n").replace("line 30\n", "line thirty\n")
    diff = diff_texts(old, new, context=2)
    assert [hunk.header for hunk in diff.hunks] == ["lines 3-7 -> 3-7", "lines 28-32 -> 28-32"]


def test_long_single_line_with_one_change_is_one_word():
    words = [f"word{n}" for n in range(3000)]
    old = " ".join(words)
    new = " ".join(words[:1500] + ["inserted"] + words[1500:])
    diff = diff_texts(old, new)
    (row,) = diff.rows
    assert [s.text for s in row.right.spans if s.kind is Change.INSERT] == ["inserted "]
    assert emphasised(row.left) == []


# -- Right-to-left text and emoji: logical order, whole user-perceived characters ---------------


def test_arabic_change_has_logical_offsets():
    old, new = "مرحبا بالعالم\n", "مرحبا بالعالمين\n"
    (row,) = diff_texts(old, new).rows
    start = new.index("بالعالمين")
    assert [
        (s.start, s.end, s.text, s.emphasis) for s in row.right.spans if s.kind is Change.INSERT
    ] == [
        (start, start + 7, "بالعالم", False),
        (start + 7, start + 9, "ين", True),
    ]
    assert "".join(s.text for s in row.right.spans) == new  # never reversed


def test_hebrew_mark_change_highlights_the_whole_letter():
    old, new = "שָׁלוֹם עולם\n", "שָלוֹם עולם\n"  # the shin dot (U+05C1) removed
    (row,) = diff_texts(old, new).rows
    assert emphasised(row.left) == [(0, 3, "שָׁ")]
    assert emphasised(row.right) == [(0, 2, "שָ")]
    for line in (row.left, row.right):
        for span in line.spans:
            assert not unicodedata.combining(span.text[0])


def test_hebrew_word_replaced_in_mixed_direction_text():
    old = "Say שלום to the user\n"
    new = "Say להתראות to the user\n"
    (row,) = diff_texts(old, new).rows
    assert [(s.start, s.end, s.text) for s in row.right.spans if s.kind is Change.INSERT] == [
        (4, 11, "להתראות")
    ]


@pytest.mark.parametrize(
    "old,new",
    [
        ("family: 👨\u200d👩\u200d👧 ok\n", "family: 👨\u200d👩\u200d👦 ok\n"),
        ("thumbs 👍 up\n", "thumbs 👍🏽 up\n"),
        ("flag 🇫🇷 here\n", "flag 🇩🇪 here\n"),
        ("key 1\ufe0f\u20e3 pressed\n", "key 2\ufe0f\u20e3 pressed\n"),
    ],
    ids=["zwj sequence", "skin tone", "flag", "keycap"],
)
def test_emoji_change_covers_the_whole_emoji(old, new):
    diff = diff_texts(old, new)
    (row,) = diff.rows
    old_emoji, new_emoji = old.split(" ")[1], new.split(" ")[1]
    assert emphasised(row.left) == [
        (old.index(old_emoji), old.index(old_emoji) + len(old_emoji), old_emoji)
    ]
    assert emphasised(row.right) == [
        (new.index(new_emoji), new.index(new_emoji) + len(new_emoji), new_emoji)
    ]
    # Joiners inside an emoji are part of the picture, not drawn as markers.
    assert "[ZWJ]" not in render_terminal(diff, color=False)


def test_zero_width_joiner_between_emoji_is_still_reported():
    diff = diff_texts("👨👩\n", "👨\u200d👩\n")
    assert "zero-width joiner (U+200D) added on line 1" in diff.notes


def test_utf16_offsets_for_qt():
    text = "a👍b"
    assert [utf16_offset(text, i) for i in range(4)] == [0, 1, 3, 4]


def test_visible_markers():
    assert visible("a b\tc\r\n") == "a b→c␍↵"
    assert visible("a b", spaces=True) == "a·b"
    assert visible("x\u00a0\u200b\u200c\ufeff\x1b") == "x⍽[ZWSP][ZWNJ][BOM][ESC]"
    assert visible("می\u200cخواهم", joiners=False) == "می\u200cخواهم"
    assert visible("👨\u200d👩 ❤\ufe0f 1\ufe0f\u20e3") == "👨\u200d👩 ❤\ufe0f 1\ufe0f\u20e3"
    assert visible("a\ufe0fb") == "a[VS16]b"
    assert visible("a\u2003b", spaces=True) == "a[EM SPACE]b"


# -- The diff always reconstructs both texts exactly ---------------------------------------------

TRICKY = [
    "a",
    "b",
    "word",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    ".",
    "\u00a0",
    "\u202f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2028",
    "\x0b",
    "é",
    "e\u0301",
    "שׁ",
    "مرحبا",
    "👨",
    "👩",
    "🏽",
    "🇫",
    "🇷",
    "中",
    "文",
    "\ufe0f",
]
texts = st.lists(st.sampled_from(TRICKY), max_size=40).map("".join) | st.text(max_size=60)


def apply(a: str, diff: TextDiff) -> str:
    """Apply the inline operations to `a`: keep EQUAL, skip DELETE, add INSERT."""
    out, position = [], 0
    for segment in diff.inline:
        assert segment.a_start == position
        if segment.kind is Change.EQUAL:
            out.append(a[segment.a_start : segment.a_end])
        elif segment.kind is Change.INSERT:
            assert segment.a_start == segment.a_end
            out.append(segment.text)
        position = segment.a_end
    assert position == len(a)
    return "".join(out)


def check_reconstructs(a: str, b: str, diff: TextDiff) -> None:
    assert apply(a, diff) == b
    assert "".join(r.left.text for r in diff.rows if r.left) == a
    assert "".join(r.right.text for r in diff.rows if r.right) == b
    assert "".join(s.text for s in diff.inline if s.kind is not Change.INSERT) == a
    assert "".join(s.text for s in diff.inline if s.kind is not Change.DELETE) == b
    for s in diff.inline:
        if s.kind is not Change.INSERT:
            assert a[s.a_start : s.a_end] == s.text
        if s.kind is not Change.DELETE:
            assert b[s.b_start : s.b_end] == s.text
    for side in ("left", "right"):
        lines = [getattr(r, side) for r in diff.rows if getattr(r, side)]
        assert [line.number for line in lines] == list(range(1, len(lines) + 1))
        for line in lines:
            position = 0
            for span in line.spans:
                assert span.start == position < span.end
                assert line.text[span.start : span.end] == span.text
                assert span.kind in (
                    Change.EQUAL,
                    Change.DELETE if side == "left" else Change.INSERT,
                )
                assert span.emphasis is False or span.kind is not Change.EQUAL
                position = span.end
            assert position == len(line.text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts, texts)
def test_diff_reconstructs_both_texts(a, b):
    diff = diff_texts(a, b, context=1)
    check_reconstructs(a, b, diff)
    assert diff.changed == (a != b) == bool(diff.hunks)
    render_terminal(diff, color=True)
    # No control or bidirectional-override character reaches the terminal, only markers.
    plain = render_terminal(diff, color=False)
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in plain)
    assert not set(plain) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma", "delta", " ", "\n", ". "]),
        min_size=400,
        max_size=600,
    ),
    st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["x", "", " y "])), max_size=30),
)
def test_long_texts_reconstruct_through_the_chunked_path(tokens, edits):
    """Over WORD_LIMIT tokens, matching goes chunk by chunk; it must still cover both texts."""
    changed = list(tokens)
    for index, replacement in edits:
        changed[index % len(tokens)] = replacement
    for join in ("\n", " "):  # as lines, and as one long line
        a = "".join(tokens).replace("\n", join)
        b = "".join(changed).replace("\n", join)
        check_reconstructs(a, b, diff_texts(a, b))


def test_long_rewrite_and_find_replace_reconstruct():
    rng = random.Random(3)
    words = "alpha beta gamma delta epsilon zeta eta theta customer order".split()
    a = " ".join(rng.choice(words) for _ in range(2000)) + "."
    rewrite = " ".join(rng.choice(words) for _ in range(2000)) + "."
    check_reconstructs(a, rewrite, diff_texts(a, rewrite))
    # Renaming a word everywhere in one long line: every change found word by word.
    renamed = a.replace("customer", "client")
    diff = diff_texts(a, renamed)
    check_reconstructs(a, renamed, diff)
    (row,) = diff.rows
    assert changed_words(row.left) == {"customer"}
    assert changed_words(row.right) == {"client"}


def changed_words(line) -> set[str]:
    marked = "".join(s.text if s.emphasis else "|" for s in line.spans)
    return set(filter(None, marked.split("|")))
