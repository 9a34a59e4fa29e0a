"""One logged call in full: the messages it sent, its output, variables, feedback, metadata.

Logs are data from outside: every text is set as plain text (never markup), with spaces, tabs
and line breaks drawn, other invisible characters shown as marks (`text.shown`), and under
each a line saying in words what its whitespace is. Each paragraph takes its own direction,
so Arabic or Hebrew reads right to left. "Copy" copies the text exactly as logged.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextOption
from PySide6.QtWidgets import (QFrame, QLabel, QScrollArea, QSizePolicy, QTextEdit, QVBoxLayout,
                               QWidget)

from desktop.core.logs.text import describe, shown
from desktop.core.logs.views import CallView

from ..widgets import button, hbox, label


def plain_label(text: str = "", name: str = "", *, wrap: bool = True) -> QLabel:
    """A label that shows `text` as text, whatever it holds (no rich text guessing)."""
    widget = label("", name, wrap=wrap, selectable=True)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setText(text)
    return widget


class TextBlock(QWidget):
    """A caption, a read-only text as tall as it is (up to a limit), what its whitespace is,
    and a Copy button that copies the exact text."""

    MAX_HEIGHT = 360

    def __init__(self, caption: str, text: str | None, parent: QWidget | None = None, *,
                 error: bool = False) -> None:
        super().__init__(parent)
        self.text = text  # exact, as logged
        self.caption = plain_label(caption, "detailCaption", wrap=False)
        self.caption.setStyleSheet("font-weight: 600;" + ("color: #b42318;" if error else ""))
        self.view = QTextEdit()
        self.view.setObjectName("loggedText")
        self.view.setReadOnly(True)
        self.view.setAcceptRichText(False)
        self.view.setFrameShape(QFrame.Shape.StyledPanel)
        self.view.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        document = self.view.document()
        option = document.defaultTextOption()
        option.setFlags(option.flags() | QTextOption.Flag.ShowTabsAndSpaces
                        | QTextOption.Flag.ShowLineAndParagraphSeparators)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        document.setDefaultTextOption(option)
        self.view.setPlainText(shown(text or ""))
        if text is None:
            self.view.setPlaceholderText("(nothing logged)")
        self.about = plain_label(describe(text), "whitespaceNote")
        self.about.setStyleSheet("color: #667085; font-size: 11px;")
        copy = button("Copy", self._copy, tip="Copy the text exactly as logged")
        copy.setEnabled(text is not None)
        copy.setFlat(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setLayout(_vbox(hbox(self.caption, None, copy, margins=0), self.view, self.about))
        document.documentLayout().documentSizeChanged.connect(lambda _s: self._fit())
        self._fit()

    def _fit(self) -> None:
        height = int(self.view.document().size().height()) + 2 * self.view.frameWidth() + 6
        self.view.setFixedHeight(max(34, min(self.MAX_HEIGHT, height)))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text or "")

    def direction(self, block: int = 0) -> Qt.LayoutDirection:
        """The direction Qt lays out the `block`th paragraph in (tests, and a check)."""
        return self.view.document().findBlockByNumber(block).textDirection()


def _vbox(*widgets, spacing: int = 4) -> QVBoxLayout:
    box = QVBoxLayout()
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(spacing)
    for w in widgets:
        box.addLayout(w) if not isinstance(w, QWidget) else box.addWidget(w)
    return box


def _value_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)


class DetailPane(QScrollArea):
    """The selected call, section by section; empty until a call is chosen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logDetail")
        self.setWidgetResizable(True)
        self.setMinimumWidth(320)
        self.shown: CallView | None = None
        self.blocks: dict[str, TextBlock] = {}
        self.show_nothing()

    def _page(self) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(10, 10, 10, 10)
        box.setSpacing(10)
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(page)
        self.blocks = {}
        return page, box

    def show_nothing(self, note: str = "Choose a call to see it in full.") -> None:
        self.shown = None
        _, box = self._page()
        hint = plain_label(note, "detailHint")
        hint.setStyleSheet("color: #667085;")
        box.addWidget(hint)
        box.addStretch(1)

    def show_call(self, view: CallView) -> None:
        self.shown = view
        call = view.call
        _, box = self._page()

        def block(key: str, caption: str, text: str | None, **kw) -> None:
            self.blocks[key] = TextBlock(caption, text, **kw)
            box.addWidget(self.blocks[key])

        def heading(text: str) -> None:
            h = plain_label(text, "detailHeading", wrap=False)
            h.setStyleSheet("font-size: 13px; font-weight: 700; margin-top: 4px;")
            box.addWidget(h)

        release = f"release {call.release}" if call.release is not None else "no release"
        title = plain_label(f"{call.prompt} · {release} · version {call.version_id[:12]}",
                            "detailTitle")
        title.setStyleSheet("font-size: 14px; font-weight: 700;")
        box.addWidget(title)
        facts = [f"{call.time:%Y-%m-%d %H:%M:%S} UTC", f"call {call.log_id}",
                 f"project {call.project}" + (f", channel {call.channel}" if call.channel else "")]
        if call.model:
            facts.append(call.model)
        if call.latency_ms is not None:
            facts.append(f"{call.latency_ms:,.0f} ms")
        if call.tokens_in is not None or call.tokens_out is not None:
            facts.append(f"tokens {call.tokens_in or 0} in, {call.tokens_out or 0} out")
        if call.cost is not None:
            facts.append(f"${call.cost:.4f}")
        box.addWidget(plain_label(" · ".join(facts), "detailFacts"))

        if call.error is not None:
            block("error", "Error", call.error, error=True)
        block("output", "Output", call.output)
        for i, fb in enumerate(call.feedback):
            words = [f"Feedback {i + 1}", f"{fb.time:%Y-%m-%d %H:%M} UTC"]
            if fb.polarity:
                words.append(fb.polarity)
            if fb.rating is not None:
                words.append(f"rating {json.dumps(fb.rating, ensure_ascii=False)}")
            if fb.label:
                words.append(f"label {fb.label}")
            heading(" · ".join(words))
            if fb.comment is not None:
                block(f"comment{i}", "Comment", fb.comment)
            if fb.corrected_output is not None:
                block(f"corrected{i}", "Corrected output", fb.corrected_output)
            if fb.metadata:
                block(f"feedback-meta{i}", "Metadata", _value_text(fb.metadata))
        heading("Messages sent")
        if view.messages is None:
            box.addWidget(plain_label(view.note or "", "detailNote"))
        else:
            if view.note:
                box.addWidget(plain_label(view.note, "detailNote"))
            for i, message in enumerate(view.messages):
                block(f"message{i}", message["role"], message["content"])
        heading("Variables")
        if not call.variables:
            box.addWidget(plain_label("(none)"))
        for name, value in call.variables.items():
            block(f"var:{name}", name, _value_text(value))
        if call.metadata or call.tokens:
            heading("Metadata")
            block("metadata", "Metadata", _value_text({**call.metadata, **(
                {"tokens": call.tokens} if call.tokens else {})}))
        box.addStretch(1)
