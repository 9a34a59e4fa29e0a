"""Under the prompt list while searching: where the words are found in earlier versions and in
version notes, which the list itself (current versions only) does not show."""

from __future__ import annotations

import html
from datetime import datetime

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from storage.workspace.prompts import SearchHit

HitRole = Qt.ItemDataRole.UserRole + 1  # (prompt name, version id)
LIMIT = 200  # hits per place the search is asked for (`ops.prompts.search`'s default)


def worth_showing(hit: SearchHit) -> bool:
    """The hits the list does not show already: text only in earlier versions, and notes."""
    return hit.field == "note" or (hit.field == "text" and not hit.in_current)


def where(hit: SearchHit) -> str:
    when = f"{hit.created_at:%d %b %Y}" if isinstance(hit.created_at, datetime) else ""
    place = "in a version note" if hit.field == "note" else "in an earlier version"
    more = hit.matching_versions - 1
    older = f" and {more:,} older" if hit.field == "text" and more > 0 else ""
    return f"{place}, {when}{older}"


def describe(hit: SearchHit) -> str:
    """Plain text: the prompt, where, and the words around the match."""
    return f"{hit.name}\n{where(hit)}\n{hit.snippet}"


def _rich(hit: SearchHit) -> str:
    return (f"<b>{html.escape(hit.name)}</b><br><span style='color:#6b7280'>"
            f"{html.escape(where(hit))}</span><br>{html.escape(hit.snippet)}")


class OlderHits(QWidget):
    """The list of such hits; picking one asks for that prompt's history at that version."""

    version_requested = Signal(str, str)  # prompt name, version id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("olderHits")
        self.title = QLabel()
        self.title.setObjectName("sectionTitle")
        self.list = QListWidget()
        self.list.setObjectName("olderHitsList")
        self.list.setSpacing(2)
        self.list.setAlternatingRowColors(True)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
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
        self.hide()

    def show_hits(self, query: str, hits: list[SearchHit]) -> int:
        """Show the hits worth showing for `query`; how many there are."""
        self.query = query
        self.list.clear()
        shown = [h for h in hits if worth_showing(h)]
        for hit in shown:
            item = QListWidgetItem()
            item.setData(HitRole, (hit.name, hit.version_id or ""))
            item.setData(Qt.ItemDataRole.AccessibleTextRole, describe(hit))
            item.setToolTip(f"{hit.name}: open its history at this version\n\n{hit.snippet}")
            label = QLabel(_rich(hit))
            label.setWordWrap(True)
            label.setContentsMargins(6, 4, 6, 4)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            self.list.addItem(item)
            self.list.setItemWidget(item, label)
        self._fit_rows()
        full = any(sum(h.field == field for h in hits) >= LIMIT for field in ("text", "note"))
        self.title.setText(f"In earlier versions and notes · {len(shown):,}"
                           + (" or more" if full else ""))
        self.setVisible(bool(shown))
        return len(shown)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Each hit as tall as its wrapped text at the list's width."""
        width = max(80, self.list.viewport().width() - 2 * self.list.spacing())
        for row in range(self.list.count()):
            item = self.list.item(row)
            label = self.list.itemWidget(item)
            if label is not None:
                item.setSizeHint(QSize(width, label.heightForWidth(width)))

    def _picked(self, item: QListWidgetItem) -> None:
        name, version_id = item.data(HitRole)
        self.version_requested.emit(name, version_id)
