"""Publish a release: choose prompts and versions, see test results and what changes compared
with the live release, publish to a channel of a folder or an HTTP server.

Just over 500 lines: one dialog whose panes (table, detail, summary, key) follow one state.

Everything slow runs elsewhere: the workspace on the writer thread, the repository and the
keychain on worker threads; the dialog only shows state. If someone else published to the
channel meanwhile, nothing is overwritten: the dialog says what they changed and offers to
publish on top of their release.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from desktop.core import releases as core
from desktop.core.ops import releases as release_ops
from desktop.core.releases import keys
from storage.releases.content import version_id

from .. import asking
from ..tasks import TaskSet
from ..widgets import MessageBar, label, resize_within
from .common import DestinationPicker, ReleaseDialog, explain, heading, hint, user_errors
from .messages import escape, moved_html, summary_html
from .publish_detail import PromptDetail
from .publish_model import ROW_ROLE, SORT_ROLE, PublishRow, PublishTableModel


class PublishDialog(ReleaseDialog):
    """Release > Publish…: `PublishDialog(workspace, writer, tasks, parent, prompts=[...])`,
    then `open()` and spawn `load()`. `prompts` are ticked to start with."""

    published = Signal(object)  # core.Published

    def __init__(self, workspace, writer, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, prompts: Sequence[str] = ()) -> None:
        super().__init__("Publish a release", "publishDialog", workspace, writer, tasks, parent)
        self.preselect = set(prompts)
        self.live: core.LiveRelease | None = None
        self.info: core.RepositoryInfo | None = None
        self.moved: core.Moved | None = None
        self.key: keys.KeyInfo | None = None
        self.busy = False
        self._reading = 0

        # -- where ---------------------------------------------------------------------------
        self.destination = DestinationPicker()
        self.destination.chosen.connect(lambda d: self.work.spawn(self.open_destination(d)))
        self.project = QLabel("—")
        self.project.setObjectName("projectName")
        self.channel = QComboBox()
        self.channel.setMinimumWidth(160)
        self.channel.activated.connect(lambda _i: self.work.spawn(self.read_live()))
        self.live_label = QLabel("Choose where to publish: a shared folder or a server address.")
        self.live_label.setObjectName("liveRelease")
        self.live_label.setWordWrap(True)
        self.live_label.setStyleSheet("QLabel#liveRelease { background: #eef4ff; border: 1px "
                                      "solid #c7d7fe; border-radius: 6px; padding: 6px 10px; "
                                      "color: #1f2937; }")
        where = QFormLayout()
        where.addRow("Publish to", self.destination)
        channel_row = QHBoxLayout()
        channel_row.addWidget(self.channel)
        channel_row.addSpacing(16)
        channel_row.addWidget(QLabel("Project"))
        channel_row.addWidget(self.project)
        channel_row.addStretch(1)
        where.addRow("Channel", channel_row)

        # -- what ----------------------------------------------------------------------------
        self.model = PublishTableModel(self)
        self.model.dataChanged.connect(lambda *_: self._rows_changed())
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter prompts by name")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setObjectName("publishTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # the release's prompts first
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(heading("PROMPTS IN THE RELEASE (TICK TO INCLUDE)"))
        left.addWidget(self.filter)
        left.addWidget(self.table, 1)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.detail = PromptDetail()
        self.detail.version_chosen.connect(self._version_picked)
        right_widget = self.detail
        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        # -- and publish ---------------------------------------------------------------------
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Optional: what this release is for (kept in the release)")
        self.summary = label(name="releaseSummary", wrap=True)
        self.key_label = hint()
        self.key_label.setObjectName("signingKey")
        self.bar = MessageBar()
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("runButton")
        self.publish_button.setDefault(True)
        self.publish_button.clicked.connect(lambda: self.work.spawn(self.publish()))
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.publish_button)
        buttons.addWidget(self.close_button)
        notes_form = QFormLayout()
        notes_form.addRow("Notes", self.notes)

        box = QVBoxLayout(self)
        box.addLayout(where)
        box.addWidget(self.live_label)
        box.addWidget(splitter, 1)
        box.addLayout(notes_form)
        box.addWidget(self.summary)
        box.addWidget(self.key_label)
        box.addWidget(self.bar)
        box.addLayout(buttons)
        resize_within(self, 1180, 760)
        self._update_summary()
        self._show_detail()

    # -- questions (tests replace these) -------------------------------------------------------
    async def ask_publish_despite_tests(self, names: list[str]) -> bool:
        shown = "\n".join(f"• {n}" for n in names[:10]) + ("\n…" if len(names) > 10 else "")
        return await asking.confirm(
            self, "Publish despite failed tests?",
            f"These prompts failed their tests:\n{shown}\n\nPublish them anyway?")

    async def ask_project_name(self, destination: str) -> str | None:
        name = await asking.text(
            self, "Create a release repository",
            f"{destination}\nhas no release repository yet. Create one for the project named "
            "(lowercase letters, digits, '-' and '_'):")
        return name.strip() if name and name.strip() else None

    # -- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        catalog, choices, recent = await self.writer.run(release_ops.publishable, self.workspace)
        rows = []
        for item in catalog:
            row = PublishRow(item.name, item.versions, item.current_pk,
                             included=item.name in self.preselect)
            row.chosen_pk = item.current_pk
            row.choice = choices.get(item.current_pk)
            rows.append(row)
        self.model.set_rows(rows)
        self.destination.set_recent(recent)
        await self.load_key()
        self._update_summary()
        if recent and not self.destination.text():
            self.destination.set_text(recent[0], emit=False)
            await self.open_destination(recent[0])
        elif rows and not self.table.currentIndex().isValid():
            self._select(None)

    async def load_key(self) -> None:
        try:
            problem = await self.work.run(keys.keychain_problem)
            found = [] if problem else await self.work.run(keys.list_keys)
        except user_errors() as exc:
            problem, found = explain(exc), []
        usable = [k for k in found if not k.missing]
        self.key = usable[0] if usable else None
        self.key_label.setObjectName("keychainNotice" if problem or self.key is None
                                     else "signingKey")
        self.key_label.style().unpolish(self.key_label)
        self.key_label.style().polish(self.key_label)
        if problem:
            self.key_label.setText(problem + " Until then, this computer cannot sign releases.")
        elif self.key is None:
            self.key_label.setText("You have no signing key on this computer yet. Create one in "
                                   "Release > Signing keys… (it takes a second), then publish.")
        else:
            self.key_label.setText(f"Signed with your key {self.key.describe()} (your default "
                                   "key; change it in Release > Signing keys…).")
        self._update_buttons()

    async def open_destination(self, destination: str) -> None:
        self._reading += 1
        token = self._reading
        self.bar.hide()
        self.moved = None
        self.live = None
        self.info = None
        self.live_label.setText("Reading the repository…")
        self._update_buttons()
        try:
            info = await self.work.run(core.repository_info, destination)
        except user_errors() as exc:
            if token == self._reading:
                self._repository_problem(destination, exc)
            return
        if token != self._reading:
            return
        self.info = info
        self.project.setText(info.project)
        current = self.channel.currentText()
        self.channel.clear()
        self.channel.addItems(list(info.channels))
        self.channel.setEditable(info.any_channel)
        for preferred in (current, "staging", "production"):
            if preferred in info.channels:
                self.channel.setCurrentText(preferred)
                break
        await self.read_live()

    def _repository_problem(self, destination: str, exc: BaseException) -> None:
        self.project.setText("—")
        self.channel.clear()
        self.live_label.setText("")
        text = explain(exc)
        actions = []
        missing = not core.is_url(destination) and not os.path.exists(destination)
        if "not a release repository" in text or missing:
            text = (f"{destination} {'does not exist' if missing else 'has no release repository'}"
                    " yet. Create a release repository there (you sign it with your key), or "
                    "choose the folder or address your team uses.")
            actions = [("Create repository…", lambda: self.work.spawn(
                self.create_repository(destination)))]
        self.bar.show_message("error", text, actions)
        self._rebuild(None)

    async def create_repository(self, destination: str) -> None:
        project = await self.ask_project_name(destination)
        if not project:
            return
        try:
            created = await self.work.run(core.create_repository, destination, project)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return
        self.bar.show_message("success", created.describe())
        await self.open_destination(destination)

    async def read_live(self) -> None:
        if self.info is None or not self.channel.currentText():
            return
        self._reading += 1
        token = self._reading
        channel = self.channel.currentText().strip()
        self.live_label.setText(f"Reading {channel}…")
        try:
            live = await self.work.run(core.read_channel, self.info.destination, channel,
                                   project=self.info.project)
        except user_errors() as exc:
            if token == self._reading:
                self.live = None
                self.live_label.setText("")
                self.bar.show_message("error", explain(exc))
                self._rebuild(None)
            return
        if token != self._reading:
            return
        self.live = live
        self._show_live()
        self._rebuild(live)

    def _show_live(self) -> None:
        live = self.live
        if live is None:
            return
        text = f"<b>Live now:</b> {escape(live.describe())}."
        if live.pending is not None:
            p = live.pending
            text += (f" Release {p.pointer.release} waits there for approval "
                     f"({len(p.signed_by)} of {p.needed} signatures).")
        self.live_label.setText(text)
        self.publish_button.setText(f"Publish to {live.channel}")

    def _rebuild(self, live: core.LiveRelease | None) -> None:
        """Merge the live release's prompts into the rows, keeping what the user chose."""
        current = self._current_row()
        rows: dict[str, PublishRow] = {}
        for row in self.model.rows:
            if not row.in_workspace and (live is None or row.name not in live.prompts):
                continue  # only in the previous live release
            row.live, row.live_id = None, None
            rows[row.name] = row
        for name, content in (live.prompts if live else {}).items():
            row = rows.get(name) or PublishRow(name)
            row.live, row.live_id = content, version_id(content)
            rows[name] = row
        for row in rows.values():
            if row.touched:
                if row.chosen_pk is None and row.live is None:
                    row.default_choice()
                continue
            row.included = row.name in self.preselect or row.live is not None
            row.default_choice()
        self.model.set_rows(sorted(rows.values(), key=lambda r: r.name))
        self._load_missing_choices()
        self._select(current if current is not None and current.included else None)
        self._update_summary()

    def _load_missing_choices(self) -> None:
        wanted = [r.chosen_pk for r in self.model.rows
                  if r.chosen_pk is not None and r.content is None]
        if wanted:
            self.work.spawn(self._fetch_choices(wanted))

    async def _fetch_choices(self, pks: list[int]) -> None:
        try:
            choices = await self.writer.run(release_ops.choose_versions, self.workspace, pks)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return
        by_pk = {c.version_pk: c for c in choices}
        for row in self.model.rows:
            if row.chosen_pk in by_pk:
                row.choice = by_pk[row.chosen_pk]
                self.model.row_changed(row)
        self._show_detail()
        self._update_summary()

    def _rows_changed(self) -> None:
        self._update_summary()
        row = self._current_row()
        if row is not None and row.kind != getattr(self, "_shown_kind", None):
            self._show_detail()

    # -- the detail of one prompt --------------------------------------------------------------
    def _current_row(self) -> PublishRow | None:
        index = self.table.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def _select(self, row: PublishRow | None) -> None:
        if row is None or row not in self.model.rows:
            if self.model.rows:
                self.table.selectRow(0)  # the first row as sorted: in the release
            self._show_detail()
            return
        source = self.model.index(self.model.rows.index(row), 0)
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.table.setCurrentIndex(index)

    def _show_detail(self) -> None:
        row = self._current_row()
        self._shown_kind = row.kind if row else None
        self.detail.show_row(row)

    def _version_picked(self, row: PublishRow, pk: int | None) -> None:
        if pk == row.chosen_pk:
            return
        row.chosen_pk = pk
        row.touched = True
        self.model.row_changed(row)
        if pk is not None and row.content is None:
            self.work.spawn(self._fetch_choices([pk]))
        self._show_detail()
        self._update_summary()

    # -- summary ---------------------------------------------------------------------------
    def _update_summary(self) -> None:
        self.summary.setText(summary_html(self.model.rows, live_read=self.live is not None))
        self._update_buttons()

    def _update_buttons(self) -> None:
        rows = self.model.included()
        ready = (not self.busy and self.live is not None and self.key is not None and
                 bool(rows) and not any(r.problem for r in rows) and
                 all(r.content is not None for r in rows) and
                 any(r.kind is not core.Kind.UNCHANGED for r in self.model.rows
                     if r.kind is not None))
        self.publish_button.setEnabled(ready)
        self.close_button.setEnabled(not self.busy)

    # -- publishing ------------------------------------------------------------------------
    async def publish(self) -> core.Published | None:
        live = self.live
        rows = self.model.included()
        if live is None or not rows or self.busy:
            return None
        pks = [r.chosen_pk for r in rows if r.chosen_pk is not None]
        try:
            chosen_now = await self.writer.run(release_ops.choose_versions, self.workspace, pks)
            fresh = {c.version_pk: c for c in chosen_now}
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc) + " Nothing was published.")
            return None
        for row in rows:
            if row.chosen_pk in fresh:
                row.choice = fresh[row.chosen_pk]  # the latest test results
        failed = [r.name for r in rows if r.gate and r.gate.status is core.GateStatus.FAILED]
        if failed and not await self.ask_publish_despite_tests(failed):
            return None
        chosen = {r.name: r.content for r in rows}
        return await self._publish(chosen, live)

    async def publish_on_top(self) -> core.Published | None:
        if self.moved is None:
            return None
        moved, self.moved = self.moved, None
        self.live = moved.now
        self._show_live()
        self._rebuild(moved.now)
        return await self._publish(dict(moved.rebased), moved.now)

    async def _publish(self, chosen: dict, live: core.LiveRelease) -> core.Published | None:
        self.busy = True
        self.bar.hide()
        self.progress.setRange(0, 0)
        self.progress.setFormat("Publishing…")
        self.progress.show()
        self._update_buttons()
        loop = asyncio.get_running_loop()

        def progress(what: str, done: int, total: int) -> None:  # worker thread
            loop.call_soon_threadsafe(self._on_progress, what, done, total)

        try:
            published = await self.work.run(
                core.publish, live.destination, chosen, channel=live.channel,
                project=live.project, key=None,  # the default key, or my one key allowed
                notes=self.notes.text().strip(), base=live,
                progress=progress)
            await self.writer.run(release_ops.record, self.workspace, published)
        except core.ChannelMovedError as exc:
            self.moved = exc.moved
            self._show_moved(exc.moved)
            return None
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc) + " Nothing was overwritten.")
            return None
        finally:
            self.busy = False
            self.progress.hide()
            self._update_buttons()
        kind = "info" if published.result.pending else "success"
        signed = f" Signed with {published.key.describe()}." if published.key else ""
        self.bar.show_message(kind, published.describe() + signed)
        self.published.emit(published)
        await self.read_live()
        return published

    def _on_progress(self, what: str, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{what}: {done} of {total}")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(what + "…")

    def _show_moved(self, moved: core.Moved) -> None:
        text, nothing_left = moved_html(moved)
        if nothing_left:
            self.bar.show_message("info", text, [("Show it", lambda: self._review_moved(moved))])
            return
        on_top = (f"Publish on top of release {moved.now.number}" if moved.now.number
                  else "Publish anyway")
        self.bar.show_message("warning", text, [
            (on_top, lambda: self.work.spawn(self.publish_on_top())),
            ("Review first", lambda: self._review_moved(moved)),
        ])

    def _review_moved(self, moved: core.Moved) -> None:
        """Show the channel as it is now; the user's choices stay ticked."""
        self.moved = None
        self.live = moved.now
        self._show_live()
        self._rebuild(moved.now)
        self.bar.show_message("info", f"The table now compares with release {moved.now.number}. "
                                      "Check your choices and publish again.")

    # -- closing ---------------------------------------------------------------------------
    def reject(self) -> None:  # noqa: D102 (Esc and Close)
        if self.busy:
            return  # the publish finishes first; it never leaves a half-written release
        super().reject()

