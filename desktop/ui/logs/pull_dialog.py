"""Pull Logs…: which sinks a release repository's applications log to (add, remove), and
pulling them, or one folder or address, with progress, Cancel, and a report that names each
file and line skipped.

The pull runs as `ops.logs.pull_repository` / `ops.logs.pull` on the writer thread; each
segment is stored in its own transaction, so Cancel keeps what was pulled and the next pull
goes on from there.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QGroupBox, QLineEdit, QListWidget,
                               QPlainTextEdit, QProgressBar, QWidget)

from desktop.core.errors import USER_ERRORS
from desktop.core.logs import views
from desktop.core.logs.errors import Problem
from desktop.core.ops import logs as log_ops
from desktop.core.ops import releases as release_ops

from .. import asking
from ..tasks import TaskSet, Writer
from ..widgets import button, hbox, label, resize_within, vbox


def problem_line(problem: Problem) -> str:
    """A skipped file or line in plain words: "acme/2026-12-02/x.jsonl, line 3: …"."""
    where = problem.path if problem.line is None else f"{problem.path}, line {problem.line}"
    return f"{where}: {problem.message}"


class PullDialog(QDialog):
    pulled = Signal()  # something was stored (or may have been): views refresh

    def __init__(self, workspace, writer: Writer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pull logs")
        self.setObjectName("pullLogsDialog")
        resize_within(self, 760, 620)
        self.workspace = workspace
        self.writer = writer
        self.tasks = TaskSet()
        self.running = False
        self._stop = threading.Event()
        self._progress: tuple[str, int, int] | None = None
        self.reports: list = []

        self.repository = QComboBox()
        self.repository.setObjectName("releaseRepository")
        self.repository.setEditable(True)
        self.repository.lineEdit().setPlaceholderText("The release repository: its folder or "
                                                      "https:// address")
        self.repository.currentTextChanged.connect(lambda _t: self._repository_changed())
        self.sinks = QListWidget()
        self.sinks.setObjectName("logSinks")
        self.sinks.setMaximumHeight(110)
        self.sinks.currentRowChanged.connect(lambda _r: self._update())
        self.add_folder = button("Add folder…", lambda: self.tasks.spawn(self._add_folder()),
                                 tip="A folder the applications reading this repository log to")
        self.add_address = button("Add address…", lambda: self.tasks.spawn(self._add_address()),
                                  tip="An https:// address they log to")
        self.remove = button("Remove", lambda: self.tasks.spawn(self._remove()),
                             tip="Stop pulling it; the logs already pulled stay")
        self.pull_repository = button("Pull the repository's logs",
                                      lambda: self.tasks.spawn(self.pull_sinks()),
                                      name="pullRepository", default=True)
        sinks = QGroupBox("Log sinks of a release repository")
        sinks.setLayout(vbox(
            label("Where the applications that read this repository's releases write their "
                  "logs (their log_to=). Logs always go beside the repository, never inside it.",
                  wrap=True),
            self.repository, self.sinks,
            hbox(self.add_folder, self.add_address, self.remove, None, self.pull_repository,
                 spacing=6), spacing=6))

        self.source = QLineEdit()
        self.source.setObjectName("logSource")
        self.source.setPlaceholderText("A log folder or https:// address")
        self.source.textChanged.connect(lambda _t: self._update())
        self.choose = button("Choose folder…", lambda: self.tasks.spawn(self._choose_source()))
        self.pull_one = button("Pull", lambda: self.tasks.spawn(self.pull_source()),
                               name="pullSource")
        once = QGroupBox("Or pull one folder or address")
        once.setLayout(hbox((self.source, 1), self.choose, self.pull_one, spacing=6))

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.status = label("", "pullStatus", wrap=True)
        self.cancel = button("Cancel", self.stop, tip="Stop: what was pulled so far is kept")
        self.cancel.setEnabled(False)
        self.report = QPlainTextEdit()
        self.report.setObjectName("pullReport")
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("What each pull read, and each file or line it skipped, "
                                       "shows here.")
        self.close_button = button("Close", self.reject)
        self.timer = QTimer(self)
        self.timer.setObjectName("pullProgress")
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._show_progress)
        self.setLayout(vbox(sinks, once, hbox((self.progress, 1), self.cancel, spacing=6),
                            self.status, (self.report, 1), hbox(None, self.close_button),
                            margins=12, spacing=8))
        self.finished.connect(lambda _r: self.stop())
        self._update()

    # -- repositories and their sinks ------------------------------------------------------
    async def load(self) -> None:
        places = await self.writer.run(release_ops.recent_destinations, self.workspace)
        sinks = await self.writer.run(views.sinks, self.workspace)
        known = list(dict.fromkeys([s.repository for s in sinks] + list(places)))
        typed = self.repository.currentText()
        self.repository.blockSignals(True)
        self.repository.clear()
        self.repository.addItems(known)
        self.repository.setEditText(typed or (known[0] if known else ""))
        self.repository.blockSignals(False)
        await self._show_sinks()

    def _repository_changed(self) -> None:
        self.tasks.spawn(self._show_sinks())

    async def _show_sinks(self) -> None:
        repository = self.repository.currentText().strip()
        found = await self.writer.run(views.sinks, self.workspace, repository) \
            if repository else []
        if repository != self.repository.currentText().strip():
            return
        self.sinks.clear()
        for sink in found:
            when = f" — last pulled {sink.pulled_at:%Y-%m-%d %H:%M} UTC" if sink.pulled_at \
                else " — not pulled yet"
            self.sinks.addItem(sink.location + when)
            self.sinks.item(self.sinks.count() - 1).setData(256, sink.location)
        self._update()

    async def _add_folder(self) -> None:
        folder = await asking.folder(self, "Choose the folder the applications log to", "logs")
        if folder:
            await self.add_sink(folder)

    async def _add_address(self) -> None:
        address = await asking.text(self, "Add a log address",
                                    "The https:// address the applications log to:")
        if address and address.strip():
            await self.add_sink(address.strip())

    async def add_sink(self, location: str) -> None:
        repository = self.repository.currentText().strip()
        if not repository:
            self.status.setText("Name the release repository first: the folder or address "
                                "its releases are published to.")
            return
        await self._change_sinks(log_ops.add_sink, repository, location)

    async def _remove(self) -> None:
        item = self.sinks.currentItem()
        if item is None:
            return
        await self._change_sinks(log_ops.remove_sink, self.repository.currentText().strip(),
                                 item.data(256))

    async def _change_sinks(self, op, *args) -> None:
        """Add or remove a sink with `op`, say what changed, and list the sinks again."""
        try:
            changes = await self.writer.run(op, self.workspace, *args)
        except USER_ERRORS as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(changes.message)
        await self._show_sinks()

    async def _choose_source(self) -> None:
        folder = await asking.folder(self, "Choose a log folder", "logs")
        if folder:
            self.source.setText(folder)

    # -- pulling ---------------------------------------------------------------------------
    async def pull_sinks(self) -> None:
        repository = self.repository.currentText().strip()
        if repository:
            await self._pull(log_ops.pull_repository, repository)

    async def pull_source(self) -> None:
        source = self.source.text().strip()
        if source:
            await self._pull(log_ops.pull, source)

    async def _pull(self, op, where: str) -> None:
        if self.running:
            return
        self.running = True
        self._stop.clear()
        self._progress = ("Looking for new logs", 0, 0)
        self.timer.start()
        self._update()
        self._show_progress()
        try:
            changes = await self.writer.run(op, self.workspace, where, progress=self._on_progress,
                                            should_stop=self._stop.is_set)
        except USER_ERRORS as exc:
            self.status.setText(f"{exc} Nothing was pulled.")
            return
        except OSError as exc:
            self.status.setText(f"Could not read {where}: {exc.strerror or exc}. Nothing was "
                                "pulled; what was pulled before is kept.")
            return
        finally:
            self.running = False
            self.timer.stop()
            self._update()
        reports = changes.value if isinstance(changes.value, list) else [changes.value]
        self.reports = reports
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(changes.message)
        lines = []
        for report in reports:
            lines.append(report.summary())
            lines += [f"  · {problem_line(p)}" for p in report.problems]
        self.report.appendPlainText("\n".join(lines) + "\n")
        self.pulled.emit()
        await self._show_sinks()  # when each was last pulled

    def _on_progress(self, what: str, done: int, total: int) -> None:
        self._progress = (what, done, total)  # from the writer thread: shown by the timer

    def _show_progress(self) -> None:
        if self._progress is None:
            return
        what, done, total = self._progress
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        self.status.setText(f"{what}: {done:,} of {total:,} segments…" if total else f"{what}…")

    def stop(self) -> None:
        self._stop.set()
        if self.running:
            self.status.setText("Stopping after the segment being stored; it is kept…")

    def _update(self) -> None:
        idle = not self.running
        self.cancel.setEnabled(self.running)
        for b in (self.add_folder, self.add_address, self.pull_repository, self.choose):
            b.setEnabled(idle)
        self.remove.setEnabled(idle and self.sinks.currentItem() is not None)
        self.pull_repository.setEnabled(idle and self.sinks.count() > 0)
        self.pull_one.setEnabled(idle and bool(self.source.text().strip()))
