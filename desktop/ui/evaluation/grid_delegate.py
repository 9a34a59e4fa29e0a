"""Painting the run grid compactly: each result cell shows the start of its output, then a line
with its score, pass/fail, tokens, cost and latency, on a tint that says pass, fail, error or
waiting. The header shows each column's totals. Text is laid out once per cell and width and
cached, so scrolling repaints cheaply."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (QColor, QFont, QFontMetrics, QPainter, QPen, QStaticText, QTextLayout,
                           QTextOption)
from PySide6.QtWidgets import QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .. import words
from .common import (ERROR, ERROR_BG, FAIL, FAIL_BG, GRID_LINE, MUTED, NEUTRAL_BG, PASS, PASS_BG,
                     PENDING, PENDING_BG, TEXT, error_title, first_strong_rtl, fmt_cost, fmt_count,
                     fmt_ms, fmt_rate, fmt_score, thumbs)
from .grid_model import CellRole, ColumnRole, GridRowRole, StatusRole, TotalsRole, case_summary

ROW_HEIGHT = 84
PAD = 8
FOOTER = 18
LAYOUT_CACHE = 4000
STATIC_CACHE = 8000
HIDDEN_Y = 1e6
SELECTED_BORDER = QColor("#2f5fd0")

TINTS = {"pass": (PASS_BG, PASS), "fail": (FAIL_BG, FAIL), "error": (ERROR_BG, ERROR),
         "pending": (PENDING_BG, PENDING), "done": (NEUTRAL_BG, QColor("#98a2b3")),
         "case": (QColor("#fcfcfd"), None)}


class _Fonts:
    """The fonts a cell uses, derived from the view's font once (not per paint)."""

    def __init__(self, base: QFont) -> None:
        self.base = QFont(base)
        self.small = QFont(base)
        self.small.setPointSizeF(max(7.0, base.pointSizeF() - 1.5))
        self.bold = QFont(self.small)
        self.bold.setBold(True)
        self.base_key, self.small_key, self.bold_key = (
            self.base.key(), self.small.key(), self.bold.key())
        self.base_metrics = QFontMetrics(self.base)
        self.small_metrics = QFontMetrics(self.small)
        self.bold_metrics = QFontMetrics(self.bold)
        self.line = self.base_metrics.lineSpacing()


class _Block:
    """Text laid out in at most `max_lines` lines of `width` pixels, the last elided: kept as
    QTextLayouts, whose shaped glyphs are drawn again on every repaint without re-shaping."""

    __slots__ = ("layouts", "tail", "tail_y", "clip")
    cache: OrderedDict[tuple, "_Block"] = OrderedDict()

    def __init__(self) -> None:
        self.layouts: list[QTextLayout] = []
        self.tail: QStaticText | None = None  # the elided last line, if the text goes on
        self.tail_y = 0.0
        self.clip = QRectF()

    @classmethod
    def of(cls, text: str, font: QFont, font_key: str, metrics: QFontMetrics, width: int,
           max_lines: int) -> "_Block":
        key = (text, font_key, width, max_lines)
        found = cls.cache.get(key)
        if found is not None:
            cls.cache.move_to_end(key)
            return found
        block = cls()
        rtl = first_strong_rtl(text)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        option.setTextDirection(Qt.LayoutDirection.RightToLeft if rtl
                                else Qt.LayoutDirection.LeftToRight)
        option.setAlignment((Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
                            | Qt.AlignmentFlag.AlignAbsolute)
        step = metrics.lineSpacing()
        used = 0
        # Shaping costs in proportion to the text laid out: never more than the lines can hold
        # (no glyph is narrower than ~3 px), however long the output is.
        budget = max_lines * max(20, width // 3)
        paragraphs = [p for p in text[:budget * 2].split("\n") if p.strip()]
        text_cut = len(text) > budget * 2
        for p_index, paragraph in enumerate(paragraphs):
            if used >= max_lines:
                break
            cut = text_cut or len(paragraph) > budget
            paragraph = paragraph[:budget]
            layout = QTextLayout(paragraph, font)
            layout.setTextOption(option)
            layout.setCacheEnabled(True)
            layout.beginLayout()
            while used < max_lines:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(width)
                start, length = line.textStart(), line.textLength()
                more = (start + length < len(paragraph) or p_index < len(paragraphs) - 1
                        or cut)
                if used == max_lines - 1 and more:
                    # The last line shows, elided, whatever is left; drop the laid-out one.
                    line.setPosition(QPointF(0, HIDDEN_Y))  # outside the clip: not drawn
                    tail = metrics.elidedText(paragraph[start:start + 300] + " …",
                                              Qt.TextElideMode.ElideRight, width)
                    block.tail = _static_text(tail, font, width, rtl)
                    block.tail_y = used * step
                    used += 1
                    break
                line.setPosition(QPointF(0, used * step))
                used += 1
            layout.endLayout()
            block.layouts.append(layout)
        block.clip = QRectF(-2, -2, width + 4, used * step + 4)
        cls.cache[key] = block
        if len(cls.cache) > LAYOUT_CACHE:
            cls.cache.popitem(last=False)
        return block

    def draw(self, painter: QPainter, x: int, y: int, width: int) -> None:
        origin = QPointF(x, y)
        clip = self.clip.translated(x, y)  # draw() takes the clip in painter coordinates
        for layout in self.layouts:
            layout.draw(painter, origin, [], clip)
        if self.tail is not None:
            painter.drawStaticText(QPointF(x, y + self.tail_y), self.tail)


def _static_text(text: str, font: QFont, width: int = -1, rtl: bool = False) -> QStaticText:
    static = QStaticText(text)
    static.setTextFormat(Qt.TextFormat.PlainText)
    if width > 0:
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.NoWrap)
        option.setAlignment((Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
                            | Qt.AlignmentFlag.AlignAbsolute)
        static.setTextOption(option)
        static.setTextWidth(width)
    static.prepare(font=font)
    return static


_static_cache: OrderedDict[tuple[str, str], QStaticText] = OrderedDict()


def _draw_line(painter: QPainter, x: int, y: int, text: str, font: QFont, font_key: str) -> None:
    """One short line (badges, figures) from a cache of QStaticTexts."""
    key = (text, font_key)
    static = _static_cache.get(key)
    if static is None:
        static = _static_cache[key] = _static_text(text, font)
        if len(_static_cache) > STATIC_CACHE:
            _static_cache.popitem(last=False)
    painter.drawStaticText(QPointF(x, y), static)


def _draw_block(painter: QPainter, rect: QRect, text: str, fonts: "_Fonts", color: QColor,
                max_lines: int, small: bool = False) -> None:
    font, key, metrics = ((fonts.small, fonts.small_key, fonts.small_metrics) if small
                          else (fonts.base, fonts.base_key, fonts.base_metrics))
    block = _Block.of(text, font, key, metrics, max(10, rect.width()), max_lines)
    painter.setFont(font)
    painter.setPen(color)
    block.draw(painter, rect.left(), rect.top(), rect.width())


class ResultCellDelegate(QStyledItemDelegate):
    """Paints result cells and the case column. Not editable: ratings go through the panel."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._fonts: _Fonts | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        return QSize(320, ROW_HEIGHT)

    def fonts(self, base: QFont) -> _Fonts:
        if self._fonts is None or self._fonts.base != base:
            self._fonts = _Fonts(base)
        return self._fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        status = index.data(StatusRole)
        if status is None:
            return
        painter.save()
        rect = option.rect
        background, accent = TINTS.get(status, TINTS["done"])
        painter.fillRect(rect, background)
        fonts = self.fonts(option.font)
        inner = rect.adjusted(PAD + 3, PAD - 2, -PAD, -PAD)
        footer = QRect(inner.left(), inner.bottom() - FOOTER + 4, inner.width(), FOOTER)
        if status == "case":
            row = index.data(GridRowRole)
            expected = row.expected if row is not None else None
            text_rect = QRect(inner.left(), inner.top(), inner.width(),
                              inner.height() - (FOOTER if expected else 0))
            _draw_block(painter, text_rect, case_summary(row, 300) if row is not None else "",
                        fonts, TEXT, max(1, text_rect.height() // fonts.line))
            if expected:
                _draw_block(painter, footer, "Expected: " + expected.replace("\n", " ⏎ "),
                            fonts, MUTED, 1, small=True)
        else:
            cell = index.data(CellRole)
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), accent)
            text_rect = QRect(inner.left(), inner.top(), inner.width(), inner.height() - FOOTER)
            max_lines = max(1, text_rect.height() // fonts.line)
            if cell is None:
                _draw_block(painter, text_rect, "waiting…", fonts, PENDING, 1)
            elif cell.error_kind:
                _draw_block(painter, text_rect, f"⚠ {error_title(cell.error_kind)}: "
                            f"{cell.error_message or ''}", fonts, ERROR, max_lines)
                self._footer(painter, footer, cell, fonts, accent)
            else:
                text = cell.output or ""
                _draw_block(painter, text_rect, text if text.strip() else "(empty output)",
                            fonts, TEXT if text.strip() else MUTED, max_lines)
                self._footer(painter, footer, cell, fonts, accent)
        painter.setPen(QPen(GRID_LINE))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomRight())
        if option.state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(SELECTED_BORDER, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()

    @staticmethod
    def _footer(painter: QPainter, rect: QRect, cell, fonts: _Fonts, accent: QColor) -> None:
        x = rect.left()
        if cell.error_kind is None:
            verdict = {True: "✓ pass", False: "✗ fail"}.get(cell.passed, "")
            badge = f"{fmt_score(cell.score)} {verdict}".strip() if cell.score is not None \
                else verdict
            if badge:
                width = fonts.bold_metrics.horizontalAdvance(badge) + 10
                pill = QRect(x, rect.top() - 1, width, fonts.bold_metrics.height() + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(accent)
                painter.drawRoundedRect(pill, 7, 7)
                painter.setPen(QColor("white"))
                painter.setFont(fonts.bold)
                _draw_line(painter, pill.left() + 5, pill.top() + 1, badge, fonts.bold,
                           fonts.bold_key)
                x += width + 8
        human = next((s for s in cell.scores if s.kind == "human"), None)
        facts = []
        if human is not None:
            up, down = thumbs()
            facts.append(up if human.passed else down if human.passed is False else "✎")
        if cell.tokens_in is not None or cell.tokens_out is not None:
            facts.append(f"{(cell.tokens_in or 0) + (cell.tokens_out or 0):,} tokens")
        if not cell.error_kind:
            facts.append("cached" if cell.cached else fmt_cost(cell.cost))
            facts.append(fmt_ms(cell.latency_ms))
        elif cell.attempts > 1:
            facts.append(f"{cell.attempts} attempts")
        painter.setFont(fonts.small)
        painter.setPen(MUTED)
        room = max(0, rect.right() - x)
        text = "  ·  ".join(facts)
        if fonts.small_metrics.horizontalAdvance(text) > room:
            text = fonts.small_metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
        _draw_line(painter, x, rect.top(), text, fonts.small, fonts.small_key)


class TotalsHeader(QHeaderView):
    """The grid's column headers: which version on which provider, then its totals."""

    HEIGHT = 96

    def __init__(self, parent=None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)
        self.setHighlightSections(False)
        self.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setMinimumHeight(self.HEIGHT)
        self.sort: tuple[tuple[int, str], bool] | None = None  # (column key, descending)

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(hint.width(), self.HEIGHT)

    def paintSection(self, painter: QPainter, rect: QRect, logical: int) -> None:  # noqa: N802
        model = self.model()
        if model is None:
            return
        painter.save()
        painter.fillRect(rect, QColor("#f9fafb"))
        painter.setPen(QPen(GRID_LINE))
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        painter.drawLine(rect.topRight(), rect.bottomRight())
        base = QFont(self.font())
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        inner = rect.adjusted(PAD, 6, -PAD, -4)
        column = model.headerData(logical, Qt.Orientation.Horizontal, ColumnRole)

        def text(y: int, value: str, font: QFont, color: QColor) -> int:
            painter.setFont(font)
            painter.setPen(color)
            metrics = QFontMetrics(font)
            painter.drawText(QRect(inner.left(), y, inner.width(), metrics.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                             metrics.elidedText(value, Qt.TextElideMode.ElideRight, inner.width()))
            return y + metrics.lineSpacing()

        y = inner.top()
        if column is None:
            y = text(y, "Case", bold, TEXT)
            label = model.headerData(logical, Qt.Orientation.Horizontal) or ""
            count = label[label.find("(") + 1:label.find(")")] if "(" in label else ""
            text(y, f"{count} cases" if count else "", small, MUTED)
        else:
            arrow = ""
            if self.sort is not None and self.sort[0] == column.key:
                arrow = "▼ " if self.sort[1] else "▲ "
            y = text(y, f"{arrow}{column.prompt} @ {column.version_id[:8]}", bold, TEXT)
            y = text(y, f"{column.provider}" + (f"  ({column.model})" if column.model else ""),
                     small, MUTED)
            totals = model.headerData(logical, Qt.Orientation.Horizontal, TotalsRole)
            gate = getattr(model, "gate", None)
            if totals is None:
                text(y + 2, "totals: counting…", small, MUTED)
            else:
                rate = totals.pass_rate
                mean = totals.mean_score
                color = TEXT
                if mean is not None and gate is not None:
                    color = PASS if mean >= gate else FAIL
                y = text(y + 2, f"pass {fmt_rate(rate)}   mean {fmt_score(mean)}"
                         + (f"   (pass mark {gate:g})" if gate is not None else ""), bold, color)
                cost = fmt_cost(totals.cost) + ("+?" if totals.cost_unknown else "")
                y = text(y, f"{cost}   " + words.typical_slow(fmt_ms(totals.p50_ms),
                                                                 fmt_ms(totals.p95_ms)),
                         small, TEXT)
                errors = f"   {fmt_count(totals.errors)} errors" if totals.errors else ""
                text(y, f"{fmt_count(totals.done)} / {fmt_count(totals.total)} done{errors}",
                     small, ERROR if totals.errors else MUTED)
        painter.restore()

    def sectionSizeFromContents(self, logical: int) -> QSize:  # noqa: N802
        return QSize(300, self.HEIGHT)

