"""One read-only text pane of a diff: a QTextDocument built in one pass from DisplayLines.

One line is one text block. Rows are tinted by painting behind the text (so the tint also covers
the padding that keeps two panes' rows level), line numbers sit in a gutter, and each block's
direction is set from its original text, so markers never flip a right-to-left paragraph.
Every character format carries the piece it shows (kind, emphasis, whitespace, marker, source),
which the tests read back.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextOption,
)
from PySide6.QtWidgets import QFrame, QTextEdit, QWidget

from . import display as d
from .style import COLORS

PROP_KIND = QTextFormat.Property.UserProperty + 1
PROP_EMPHASIS = QTextFormat.Property.UserProperty + 2
PROP_WHITESPACE = QTextFormat.Property.UserProperty + 3
PROP_MARKER = QTextFormat.Property.UserProperty + 4
PROP_SOURCE = QTextFormat.Property.UserProperty + 5

SIGNS = {d.LINE_DELETE: "−", d.LINE_INSERT: "+", d.LINE_REPLACE: "±"}


def _char_format(piece: d.Piece, inline: bool) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setProperty(PROP_KIND, piece.kind)
    fmt.setProperty(PROP_EMPHASIS, piece.emphasis)
    fmt.setProperty(PROP_WHITESPACE, piece.whitespace)
    fmt.setProperty(PROP_MARKER, piece.marker)
    if piece.kind == d.NOTE:
        fmt.setForeground(QColor(COLORS["note"]))
        fmt.setFontItalic(True)
        return fmt
    if piece.kind == d.EQUAL:
        if piece.marker:
            fmt.setForeground(QColor(COLORS["marker"]))
        return fmt
    side = "del" if piece.kind == d.DELETE else "ins"
    if piece.whitespace:
        fmt.setBackground(QColor(COLORS["ws_strong" if piece.emphasis else "ws"]))
        fmt.setForeground(QColor(COLORS["ws_text"]))
        fmt.setFontWeight(QFont.Weight.Bold)
    else:
        fmt.setBackground(QColor(COLORS[f"{side}_strong" if piece.emphasis else f"{side}_word"]))
        if piece.marker:
            fmt.setForeground(QColor(COLORS["ws_text"]))
    if inline and piece.kind == d.DELETE:
        fmt.setFontStrikeOut(True)
        fmt.setForeground(QColor(COLORS["del_text"]))
    return fmt


class _FormatCache:
    """Formats for pieces; only pieces that are changes or markers carry their source."""

    def __init__(self, inline: bool) -> None:
        self.inline = inline
        self.cache: dict[tuple, QTextCharFormat] = {}

    def get(self, piece: d.Piece) -> QTextCharFormat:
        key = (piece.kind, piece.emphasis, piece.whitespace, piece.marker)
        fmt = self.cache.get(key)
        if fmt is None:
            fmt = self.cache[key] = _char_format(piece, self.inline)
        if piece.kind in (d.DELETE, d.INSERT) or piece.marker:
            fmt = QTextCharFormat(fmt)
            fmt.setProperty(PROP_SOURCE, piece.source)
        return fmt


def _block_format(line: d.DisplayLine) -> QTextBlockFormat:
    fmt = QTextBlockFormat()
    if line.rtl is None or line.kind in (d.HEADER, d.FOLD, d.EMPTY):
        fmt.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    else:
        fmt.setLayoutDirection(Qt.LayoutDirection.RightToLeft if line.rtl
                               else Qt.LayoutDirection.LeftToRight)
    if line.kind == d.HEADER:
        fmt.setTopMargin(8)
        fmt.setBottomMargin(0)
    return fmt


def build_document(doc: QTextDocument, lines: list[d.DisplayLine], *,
                   inline: bool) -> dict[int, list[tuple[int, int]]]:
    """Fill `doc` with `lines`, one block each, in one pass (no per-character inserts).
    Returns where changed whitespace is: block number -> [(start, end)] in the block."""
    outlined: dict[int, list[tuple[int, int]]] = {}
    formats = _FormatCache(inline)
    plain = QTextCharFormat()
    header = QTextCharFormat()
    header.setFontWeight(QFont.Weight.DemiBold)
    header.setForeground(QColor(COLORS["header_text"]))
    fold = QTextCharFormat()
    fold.setForeground(QColor(COLORS["fold_text"]))
    fold.setFontItalic(True)
    cursor = QTextCursor(doc)
    cursor.beginEditBlock()
    for i, line in enumerate(lines):
        if i:
            cursor.insertBlock(_block_format(line), plain)
        else:
            cursor.setBlockFormat(_block_format(line))
        if line.kind in (d.HEADER, d.FOLD, d.EMPTY):
            cursor.insertText(line.text, header if line.kind == d.HEADER else fold)
            continue
        for piece in line.pieces:
            if piece.whitespace and piece.kind in (d.DELETE, d.INSERT):
                start = cursor.positionInBlock()
                cursor.insertText(piece.text, formats.get(piece))
                outlined.setdefault(i, []).append((start, cursor.positionInBlock()))
            else:
                cursor.insertText(piece.text, formats.get(piece))
    cursor.endEditBlock()
    return outlined


def _x(line, position: int) -> float:
    x = line.cursorToX(position)
    return float(x[0] if isinstance(x, tuple) else x)


class _Gutter(QWidget):
    def __init__(self, pane: "DiffPane") -> None:
        super().__init__(pane)
        self.pane = pane

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.pane.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.pane.paint_gutter(event)


class DiffPane(QTextEdit):
    """A read-only pane of diff lines. `side` is "left", "right" or "inline"."""

    resized = Signal()

    def __init__(self, side: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.side = side
        self.setObjectName(f"diffPane_{side}")
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.lines: list[d.DisplayLine] = []
        self.outlined: dict[int, list[tuple[int, int]]] = {}
        self.current: tuple[int, int] | None = None
        self.gutter = _Gutter(self)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self.gutter.update())
        self._update_margins()

    # -- content ------------------------------------------------------------------------
    def show_lines(self, lines: list[d.DisplayLine]) -> None:
        doc = QTextDocument(self)
        doc.setUndoRedoEnabled(False)
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(6)
        self.outlined = build_document(doc, lines, inline=self.side == "inline")
        old = self.document()
        mine = old is not None and old.parent() is self
        self.lines = lines
        self.current = None
        self.setDocument(doc)
        if mine:  # Qt deletes the editor's own first document; ours we delete here
            old.deleteLater()
        self._update_margins()

    def block_rect(self, line: int) -> QRectF:
        block = self.document().findBlockByNumber(line)
        return self.document().documentLayout().blockBoundingRect(block)

    def scroll_to_line(self, line: int, margin: int = 48) -> None:
        if not 0 <= line < len(self.lines):
            return
        top = self.block_rect(line).top()
        self.verticalScrollBar().setValue(max(0, int(top) - margin))

    def set_current(self, span: tuple[int, int] | None) -> None:
        self.current = span
        self.viewport().update()
        self.gutter.update()

    # -- geometry -----------------------------------------------------------------------
    def gutter_width(self) -> int:
        metrics = QFontMetricsF(self.font())
        digits = max(3, len(str(len(self.lines))))
        columns = 2 if self.side == "inline" else 1
        return int(metrics.horizontalAdvance("9") * (digits * columns + 3) + 10 * columns)

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)
        self._place_gutter()

    def _place_gutter(self) -> None:
        rect = self.contentsRect()
        self.gutter.setGeometry(rect.left(), rect.top(), self.gutter_width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        old_width = event.oldSize().width()
        super().resizeEvent(event)
        self._place_gutter()
        if event.size().width() != old_width:
            self.resized.emit()

    # -- painting -----------------------------------------------------------------------
    def _visible_blocks(self):
        """(block number, rect in viewport coordinates) of the blocks on screen."""
        doc = self.document()
        layout = doc.documentLayout()
        offset = self.verticalScrollBar().value()
        height = self.viewport().height()
        block = self.cursorForPosition(QPoint(0, 0)).block()
        if block.previous().isValid():
            block = block.previous()
        while block.isValid():
            rect = layout.blockBoundingRect(block).translated(0, -offset)
            if rect.top() > height:
                break
            if rect.bottom() >= 0:
                yield block.blockNumber(), rect
            block = block.next()

    def _row_color(self, line: d.DisplayLine) -> QColor | QBrush | None:
        kind = line.kind
        if kind == d.HEADER:
            return QColor(COLORS["header"])
        if kind in (d.FOLD, d.EMPTY):
            return QColor(COLORS["fold"])
        if kind == d.FILLER:
            brush = QBrush(QColor(COLORS["filler_hatch"]), Qt.BrushStyle.BDiagPattern)
            return brush
        if kind == d.LINE_EQUAL:
            return None
        if self.side == "left" or kind == d.LINE_DELETE:
            return QColor(COLORS["del_row"])
        if self.side == "right" or kind == d.LINE_INSERT:
            return QColor(COLORS["ins_row"])
        return QColor(COLORS["mixed_row"])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.lines:
            painter = QPainter(self.viewport())
            width = self.viewport().width()
            for number, rect in self._visible_blocks():
                if number >= len(self.lines):
                    break
                line = self.lines[number]
                color = self._row_color(line)
                band = QRectF(0, rect.top(), width, rect.height())
                if line.kind == d.FILLER:
                    painter.fillRect(band, QColor(COLORS["filler"]))
                if color is not None:
                    painter.fillRect(band, color)
                if self.current and self.current[0] <= number <= self.current[1]:
                    painter.fillRect(QRectF(0, rect.top(), 4, rect.height()),
                                     QColor(COLORS["current"]))
            painter.end()
        super().paintEvent(event)
        if self.outlined:
            self._outline_whitespace()

    def _outline_whitespace(self) -> None:
        """Ring changed whitespace: a trailing space is one small dot, too easy to miss."""
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(COLORS["ws_ring"]))
        pen.setWidthF(2.0)
        painter.setPen(pen)
        dx = -self.horizontalScrollBar().value()
        dy = -self.verticalScrollBar().value()
        doc = self.document()
        for number, _rect in self._visible_blocks():
            ranges = self.outlined.get(number)
            if not ranges:
                continue
            layout = doc.findBlockByNumber(number).layout()
            origin = layout.position()
            for start, end in ranges:
                for k in range(layout.lineCount()):
                    line = layout.lineAt(k)
                    lo = max(start, line.textStart())
                    hi = min(end, line.textStart() + line.textLength())
                    if lo >= hi and not (start == end == lo):
                        continue
                    x1, x2 = _x(line, lo), _x(line, hi)
                    left, width = min(x1, x2), max(abs(x2 - x1), 6.0)
                    ring = QRectF(origin.x() + left + dx, origin.y() + line.y() + dy, width,
                                  line.height()).adjusted(-3, -1, 3, 1)
                    painter.drawRoundedRect(ring, 4, 4)
        painter.end()

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self.gutter)
        painter.fillRect(event.rect(), QColor(COLORS["gutter"]))
        if not self.lines:
            painter.end()
            return
        metrics = QFontMetricsF(self.font())
        digit = metrics.horizontalAdvance("9")
        digits = max(3, len(str(len(self.lines))))
        col = digit * digits + 8
        width = self.gutter.width()
        painter.setFont(self.font())
        for number, rect in self._visible_blocks():
            if number >= len(self.lines):
                break
            line = self.lines[number]
            top = rect.top() + self.block_top_padding(number)
            if self.current and self.current[0] <= number <= self.current[1]:
                painter.fillRect(QRectF(0, rect.top(), 4, rect.height()),
                                 QColor(COLORS["current"]))
            painter.setPen(QColor(COLORS["gutter_text"]))
            numbers = []
            if self.side == "inline":
                numbers = [line.old_no, line.new_no]
            else:
                numbers = [line.old_no if self.side == "left" else line.new_no]
            x = 4.0
            for value in numbers:
                if value is not None:
                    painter.drawText(QRectF(x, top, col, metrics.height()),
                                     int(Qt.AlignmentFlag.AlignRight), str(value))
                x += col
            sign = SIGNS.get(line.kind)
            if sign and line.kind != d.FILLER:
                if self.side == "left" and line.kind == d.LINE_REPLACE:
                    sign = "−"
                elif self.side == "right" and line.kind == d.LINE_REPLACE:
                    sign = "+"
                painter.setPen(QColor(COLORS["sign_del" if sign == "−" else "sign_ins"
                                             if sign == "+" else "gutter_text"]))
                painter.drawText(QRectF(x + 2, top, width - x - 2, metrics.height()),
                                 int(Qt.AlignmentFlag.AlignLeft), sign)
        painter.end()

    def block_top_padding(self, number: int) -> float:
        block = self.document().findBlockByNumber(number)
        return block.blockFormat().topMargin()

    # -- reading back (tests, accessibility) --------------------------------------------
    def fragments(self):
        """(block number, text, QTextCharFormat) of every text fragment, in document order."""
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                if frag.isValid():
                    yield block.blockNumber(), frag.text(), frag.charFormat()
                it += 1
            block = block.next()
