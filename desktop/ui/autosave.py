"""Drafts kept as the author types: a changed tab is written a moment later (on the writer
thread), typing pushes the save back but never for long, and quitting writes what is left."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.ops import drafts as draft_ops
from storage.workspace.db import DatabaseError

log = logging.getLogger(__name__)
AUTOSAVE_MS = 400
AUTOSAVE_MAX_DELAY_S = 2.0


class DraftKeeper(QObject):
    """`changed(tab)` after each edit; `flush()` to write everything now and wait for it."""

    saved = Signal(object)  # list of draft ids written
    failed = Signal(str)  # what went wrong, in words (the edits stay on screen)
    recovered = Signal()  # a save worked again after a failure

    def __init__(self, workspace, writer, tasks, tabs: Callable[[], list],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace, self.writer, self.tasks = workspace, writer, tasks
        self.tabs = tabs  # the tabs shown now (a closed tab is not saved)
        self.dirty: set = set()
        self._since = 0.0
        self._failing = False
        self.closing = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_soon)

    def changed(self, tab) -> None:
        if self.closing:
            return
        now = time.monotonic()
        if not self.dirty:
            self._since = now
        self.dirty.add(tab)
        # Typing keeps pushing the save back, but never more than AUTOSAVE_MAX_DELAY_S.
        if not self.timer.isActive() or now - self._since < AUTOSAVE_MAX_DELAY_S:
            self.timer.start()

    def forget(self, tab) -> None:
        self.dirty.discard(tab)

    def _collect(self) -> list[tuple[int, str, str]]:
        shown = self.tabs()
        items = [(tab.draft_id, tab.state().to_json(), tab.name) for tab in self.dirty
                 if tab in shown]
        self.dirty.clear()
        return items

    def save_soon(self) -> None:
        """Write the changed drafts on the writer thread (the GUI only serialises them)."""
        self.timer.stop()
        items = self._collect()
        if items:
            self.tasks.spawn(self._write(items))

    async def _write(self, items: list[tuple[int, str, str]]) -> None:
        try:
            await self.writer.run(draft_ops.save_states, self.workspace, items)
        except (DatabaseError, OSError) as exc:
            log.warning("autosave failed: %s", exc)
            self._failing = True
            self.failed.emit(
                "Your latest edits could not be written to the workspace just now "
                f"({exc.__class__.__name__}: {exc}). They are still on screen; Promptpress "
                "tries again with your next change.")
            ids = {i for i, _s, _t in items}
            self.dirty.update(t for t in self.tabs() if t.draft_id in ids)
            return
        if self._failing:
            self._failing = False
            self.recovered.emit()
        self.saved.emit([i for i, _s, _t in items])

    def flush(self) -> None:
        """Save every changed draft now and wait for it (quitting, closing the workspace)."""
        self.timer.stop()
        items = self._collect()
        if items:
            self.writer.submit(draft_ops.save_states, self.workspace, items)
        self.writer.drain()

    def stop(self) -> None:
        self.timer.stop()
