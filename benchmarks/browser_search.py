"""Typing a search into the prompt list of a large workspace: the GUI thread's time per query.

Fills the real `PromptBrowser` with `--prompts` prompts (default 5,000, 12 folders, each with a
0.3-1.5 KB current text from benchmarks/big_versions.py's words), shows it at a sidebar's size
and, for a few queries, times on the GUI thread what a debounced keystroke does: filter the
tree, expand it and paint the window; then showing 400 hits of earlier versions and notes
and painting them. Each is timed as the app does it now and as it did before (the filter
applied row by row, `beginFilterChange`/`endFilterChange`; a QLabel for every hit), in the
same run, with their ratio. The search of every version itself runs in a thread
(benchmarks/search.py times it).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/browser_search.py [--prompts 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.big_versions import paragraph, prompt_name  # noqa: E402

QUERIES = ("顧", "שלום", "escalate refund", "🎉", "")  # common, RTL, a phrase, none, cleared


def _filter_row_by_row(self, query: str) -> None:
    """The filter as it was: Qt works the change out row by row (a signal per stretch)."""
    words = query.casefold().split()
    if words == self.words:
        return
    self.beginFilterChange()
    self.words = words
    self.endFilterChange()


def _hits_as_labels(self, query: str, hits: list) -> int:
    """The hits as they were shown: one QLabel widget for each."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtWidgets import QLabel, QListWidgetItem

    from desktop.ui import older_hits

    self.query = query
    self.list.setItemDelegate(older_hits.QStyledItemDelegate(self.list))
    self.list.clear()
    shown = [h for h in hits if older_hits.worth_showing(h)]
    width = max(80, self.list.viewport().width() - 2 * self.list.spacing())
    for hit in shown:
        item = QListWidgetItem()
        item.setData(older_hits.HitRole, (hit.name, hit.version_id or ""))
        label = QLabel(older_hits._rich(hit))
        label.setWordWrap(True)
        label.setContentsMargins(6, 4, 6, 4)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.list.addItem(item)
        self.list.setItemWidget(item, label)
        item.setSizeHint(QSize(width, label.heightForWidth(width)))
    self.setVisible(bool(shown))
    return len(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from desktop.core.ops.workspace import PromptEntry
    from desktop.ui.browser import PromptBrowser, PromptFilter
    from desktop.ui.older_hits import OlderHits
    from storage.workspace.prompts import SearchHit

    app = QApplication.instance() or QApplication([])
    rng = random.Random(14)
    entries = [PromptEntry(prompt_name(p), "", 20, f"{p:064x}",
                           paragraph(rng, rng.randint(300, 1500)))
               for p in range(1, args.prompts + 1)]
    hits = [SearchHit(prompt_name(p), "note" if p % 2 else "text", paragraph(rng, 80)[:80],
                      f"{p:064x}", datetime(2026, 1, 2), False, p % 7 + 1) for p in range(400)]

    def measure() -> dict[str, float]:
        figures: dict[str, float] = {}
        for _ in range(args.runs):
            browser = PromptBrowser()
            browser.resize(240, 860)
            browser.set_entries(entries)
            browser.show()
            app.processEvents()
            for query in QUERIES:
                browser.search.setText(query)
                began = time.perf_counter()
                browser._apply_search()
                app.processEvents()
                browser.grab()
                took = (time.perf_counter() - began) * 1000
                figures[query] = min(figures.get(query, float("inf")), took)
            began = time.perf_counter()
            browser.set_older_hits("", hits)  # the query is "" after the last step
            app.processEvents()
            browser.grab()
            took = (time.perf_counter() - began) * 1000
            figures["hits"] = min(figures.get("hits", float("inf")), took)
            browser.close()
            browser.deleteLater()
            app.processEvents()
        return figures

    now = measure()
    original = PromptFilter.set_query, OlderHits.show_hits
    PromptFilter.set_query, OlderHits.show_hits = _filter_row_by_row, _hits_as_labels
    try:
        before = measure()
    finally:
        PromptFilter.set_query, OlderHits.show_hits = original
    print(f"prompt list of {args.prompts:,} prompts, best of {args.runs}; GUI thread per "
          "keystroke (filter, expand, paint)")
    for query in QUERIES:
        name = repr(query) if query else "cleared"
        print(f"  {name:<20} now {now[query]:8.1f} ms   before {before[query]:8.1f} ms   "
              f"-> {before[query] / now[query]:6.1f}x")
    print(f"  {'400 earlier hits':<20} now {now['hits']:8.1f} ms   before {before['hits']:8.1f} ms"
          f"   -> {before['hits'] / now['hits']:6.1f}x")


if __name__ == "__main__":
    main()
