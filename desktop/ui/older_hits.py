"""Under the prompt list while searching: where the words are found in earlier versions and in
version notes, which the list itself (current versions only) does not show."""

from __future__ import annotations

import html
from datetime import datetime

import math

from PySide6.QtCore import QMargins, QSize, Qt, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from storage.workspace.prompts import SearchHit

HitRole = Qt.ItemDataRole.UserRole + 1  # (prompt name, version id)
RichRole = Qt.ItemDataRole.UserRole + 2  # the hit as rich text (`_rich`)
LIMIT = 200  # hits per place the search is asked for (`ops.prompts.search`'s default)


def worth_showing(hit: SearchHit) -> bool:
    """The hits the list does not show already: text only in earlier versions, and notes."""
    return hit.field == "note" or (hit.field == "text" and not hit.in_current)


def where(hit: SearchHit) -> str:
    when = f"{hit.created_at:%d %b %Y}" if isinstance(hit.created_at, datetime) else ""
    place = "in a version note" if hit.field == "note" else "in an earlier version"
    more = hit.matching_versions - 1
    plus = "+" if hit.more_versions else ""
    older = f" and {more:,}{plus} older" if hit.field == "text" and more > 0 else ""
    return f"{place}, {when}{older}"


def describe(hit: SearchHit) -> str:
    """Plain text: the prompt, where, and the words around the match."""
    return f"{hit.name}\n{where(hit)}\n{hit.snippet}"


def _rich(hit: SearchHit) -> str:
    return (f"<b>{html.escape(hit.name)}</b><br><span style='color:#6b7280'>"
            f"{html.escape(where(hit))}</span><br>{html.escape(hit.snippet)}")


class _HitDelegate(QStyledItemDelegate):
    """Draws each hit as its rich text wrapped to the list's width, with no widget per row:
    400 hits show in a few milliseconds where a label each took a quarter of a second."""

    MARGINS = QMargins(6, 4, 6, 4)

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._documents: dict[tuple[str, int], QTextDocument] = {}  # (rich text, width)

    def forget(self) -> None:
        self._documents.clear()

    def _document(self, option: QStyleOptionViewItem, rich: str) -> QTextDocument:
        width = max(80, self._view.viewport().width() - 2 * self._view.spacing())
        key = (rich, width)
        document = self._documents.get(key)
        if document is None:
            document = QTextDocument()
            document.setDocumentMargin(0)
            document.setDefaultFont(option.font)
            document.setHtml(rich)
            document.setTextWidth(width - self.MARGINS.left() - self.MARGINS.right())
            self._documents[key] = document
        return document

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        document = self._document(option, index.data(RichRole) or "")
        width = math.ceil(document.textWidth()) + self.MARGINS.left() + self.MARGINS.right()
        return QSize(width, math.ceil(document.size().height()) + self.MARGINS.top()
                     + self.MARGINS.bottom())

    def paint(self, painter, option, index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        item.text = ""
        style = item.widget.style() if item.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)
        document = self._document(item, index.data(RichRole) or "")
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        context.palette.setColor(QPalette.ColorRole.Text, item.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.save()
        painter.translate(item.rect.left() + self.MARGINS.left(),
                          item.rect.top() + self.MARGINS.top())
        painter.setClipRect(0, 0, item.rect.width(), item.rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()


class OlderHits(QWidget):
    """The list of such hits; picking one asks for that prompt's history at that version."""

    version_requested = Signal(str, str)  # prompt name, version id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("olderHits")
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.title.setWordWrap(True)  # "· 400 or more" must not be cut off in a narrow list
        self.list = QListWidget()
        self.list.setObjectName("olderHitsList")
        self.list.setSpacing(2)
        self.list.setAlternatingRowColors(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)  # rows re-wrap to a new width
        self.list.setWordWrap(True)
        self._delegate = _HitDelegate(self.list)
        self.list.setItemDelegate(self._delegate)
        self.list.itemActivated.connect(self._picked)
        self.list.itemClicked.connect(self._picked)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.title)
        box.addWidget(self.list, 1)
        self.query = ""
        self.hide()

    def clear(self) -> None:
        self.query = ""
        self.list.clear()
        self._delegate.forget()
        self.hide()

    def show_hits(self, query: str, hits: list[SearchHit]) -> int:
        """Show the hits worth showing for `query`; how many there are."""
        self.query = query
        self.list.clear()
        self._delegate.forget()
        shown = [h for h in hits if worth_showing(h)]
        for hit in shown:
            item = QListWidgetItem()
            item.setData(HitRole, (hit.name, hit.version_id or ""))
            item.setData(RichRole, _rich(hit))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, describe(hit))
            item.setToolTip(f"{hit.name}: open its history at this version\n\n{hit.snippet}")
            self.list.addItem(item)
        full = any(sum(h.field == field for h in hits) >= LIMIT for field in ("text", "note"))
        self.title.setText(f"In earlier versions and notes · {len(shown):,}"
                           + (" or more" if full else ""))
        self.setVisible(bool(shown))
        return len(shown)

    def _picked(self, item: QListWidgetItem) -> None:
        name, version_id = item.data(HitRole)
        self.version_requested.emit(name, version_id)
