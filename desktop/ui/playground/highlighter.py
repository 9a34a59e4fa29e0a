"""Highlighting for prompt templates: {{ variables }}, {% blocks %}, {# comments #}, and
(when whitespace is shown) trailing spaces and invisible characters."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from . import text as texts

NORMAL, EXPRESSION, STATEMENT, COMMENT = 0, 1, 2, 3
OPENERS = {"{{": EXPRESSION, "{%": STATEMENT, "{#": COMMENT}
CLOSERS = {EXPRESSION: "}}", STATEMENT: "%}", COMMENT: "#}"}
_OPEN = re.compile(r"\{[{%#]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset({
    "if", "elif", "else", "endif", "for", "endfor", "in", "not", "and", "or", "is", "set",
    "endset", "raw", "endraw", "with", "endwith", "filter", "endfilter", "macro", "endmacro",
    "true", "false", "none", "True", "False", "None", "loop",
})
_TRAILING = re.compile(r"[ \t]+$")
_INVISIBLE = re.compile("[" + "".join(texts.INVISIBLE) + "]")


def _format(color: str, *, bold: bool = False, italic: bool = False,
            background: str | None = None) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    if italic:
        fmt.setFontItalic(True)
    if background:
        fmt.setBackground(QColor(background))
    return fmt


class TemplateHighlighter(QSyntaxHighlighter):
    """Colours Jinja tags; the block state carries a tag that spans lines."""

    def __init__(self, document: QTextDocument, *, template: bool = True) -> None:
        super().__init__(document)
        self.template = template
        self.show_whitespace = False
        self.f_brace = _format("#8a63b8")
        self.f_variable = _format("#5b34a0", bold=True, background="#f1ebfa")
        self.f_expression = _format("#5b34a0", background="#f1ebfa")
        self.f_statement = _format("#0f6b73", background="#e8f4f4")
        self.f_keyword = _format("#0f6b73", bold=True, background="#e8f4f4")
        self.f_comment = _format("#8b8f94", italic=True)
        self.f_cr = _format("#b0b4b9")
        self.f_trailing = _format("#b4571a", background="#fde3cf")
        self.f_invisible = _format("#b4571a", background="#f9c9a7")

    def set_show_whitespace(self, on: bool) -> None:
        if on != self.show_whitespace:
            self.show_whitespace = on
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt naming)
        state = max(self.previousBlockState(), NORMAL)
        if self.template:
            state = self._tags(text, state)
        self.setCurrentBlockState(state)
        if texts.CR_SYMBOL in text:
            for i, ch in enumerate(text):
                if ch == texts.CR_SYMBOL:
                    self.setFormat(i, 1, self.f_cr)
        if self.show_whitespace:
            if m := _TRAILING.search(text.rstrip(texts.CR_SYMBOL)):
                self.setFormat(m.start(), m.end() - m.start(), self.f_trailing)
            for m in _INVISIBLE.finditer(text):
                self.setFormat(m.start(), 1, self.f_invisible)

    def _tags(self, text: str, state: int) -> int:
        pos = 0
        n = len(text)
        while pos < n:
            if state == NORMAL:
                m = _OPEN.search(text, pos)
                if m is None:
                    return NORMAL
                state = OPENERS[m.group()]
                self.setFormat(m.start(), 2, self.f_comment if state == COMMENT else self.f_brace)
                pos = m.end()
                continue
            close = text.find(CLOSERS[state], pos)
            end = n if close < 0 else close
            self._inside(text, pos, end, state)
            if close < 0:
                return state
            self.setFormat(close, 2, self.f_comment if state == COMMENT else self.f_brace)
            pos = close + 2
            state = NORMAL
        return state

    def _inside(self, text: str, start: int, end: int, state: int) -> None:
        if end <= start:
            return
        if state == COMMENT:
            self.setFormat(start, end - start, self.f_comment)
            return
        base = self.f_expression if state == EXPRESSION else self.f_statement
        self.setFormat(start, end - start, base)
        after_dot_or_pipe = False
        for m in _NAME.finditer(text, start, end):
            word = m.group()
            before = text[start:m.start()].rstrip()
            after_dot_or_pipe = before.endswith((".", "|"))
            if word in _KEYWORDS:
                self.setFormat(m.start(), len(word), self.f_keyword)
            elif state == EXPRESSION and not after_dot_or_pipe:
                self.setFormat(m.start(), len(word), self.f_variable)
