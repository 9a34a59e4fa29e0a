"""Browse a repository's releases (who, when, which channel, which versions), pull one into the
local history so a colleague can continue from it, serve one on a channel (promote it, or roll a
channel back to it), and hand engineers the root file their reader pins."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHeaderView, QLabel,
                               QTableView, QWidget)

from desktop.core import releases as core
from desktop.core.ops import releases as release_ops

from .. import asking
from ..tasks import TaskSet
from ..widgets import MessageBar, button, hbox, label, resize_within, vbox
from .common import DestinationPicker, ReleaseDialog, explain, hint, isolate, panes, user_errors
from .tables import ReleasePrompt, ReleasePromptsModel, ReleasesModel


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    return view


class ReleasesBrowser(ReleaseDialog):
    """Release > Browse releases…: `ReleasesBrowser(workspace, writer, tasks, parent,
    source=None)`, then `open()` and spawn `load()`."""

    pulled = Signal(object)  # core.PullOutcome: versions were added to the history

    def __init__(self, workspace, writer, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, source: str | None = None) -> None:
        super().__init__("Releases", "releasesBrowser", workspace, writer, tasks, parent)
        self.initial = source
        self.listing: core.Listing | None = None
        self.release: object | None = None  # the selected release, loaded (storage Release)
        self._reading = 0

        self.source = DestinationPicker()
        self.source.chosen.connect(lambda s: self.work.spawn(self.open_source(s)))
        form = QFormLayout()
        form.addRow("Repository", hbox((self.source, 1), button("Refresh", self.source.refresh)))
        self.channels = label("Choose a shared folder or a server address to see its releases.",
                              "channelsSummary", wrap=True, selectable=True)

        self.releases = ReleasesModel(self)
        self.release_table = _table(self.releases)
        self.release_table.setObjectName("releaseTable")
        header = self.release_table.horizontalHeader()
        for column in range(5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.release_table.selectionModel().currentRowChanged.connect(
            lambda *_: self.work.spawn(self.show_release()))

        self.prompts = ReleasePromptsModel(self)
        self.prompt_table = _table(self.prompts)
        self.prompt_table.setObjectName("releasePrompts")
        header = self.prompt_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.release_title = QLabel()
        self.release_title.setObjectName("tabTitle")
        self.release_notes = hint()
        self.pull_button = button("Pull into my history", name="runButton",
                                  tip="Save each prompt of this release as a version in this "
                                      "workspace, to continue from it")
        self.spawn_on_click(self.pull_button, self.pull)
        self.pull_button.setEnabled(False)
        self.serve_channel = QComboBox()
        self.serve_channel.setObjectName("serveChannel")
        self.serve_channel.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.serve_channel.setMinimumWidth(140)
        self.serve_button = button("Serve on", tip="Promote this release to a channel, or roll a "
                                   "channel back to it: apps reading that channel get exactly "
                                   "this release")
        self.spawn_on_click(self.serve_button, self.serve)
        self.serve_button.setEnabled(False)

        body = panes(("RELEASES, NEWEST FIRST", self.release_table), vbox(
            self.release_title, self.release_notes, (self.prompt_table, 1),
            hbox(self.serve_button, self.serve_channel, None, self.pull_button), margins=0),
            stretch=(3, 2))

        self.bar = MessageBar()
        self.root_button = button("Save root file for engineers…",
                                  tip="The file engineers pin in their application so that its "
                                      "reader trusts only releases signed by your keys")
        self.spawn_on_click(self.root_button, self.save_root)
        self.root_button.setEnabled(False)
        vbox(form, self.channels, (body, 1), self.bar,
             hbox(self.root_button, None, button("Close", self.accept)), parent=self)
        resize_within(self, 1100, 680)

    # -- questions (tests replace these) -----------------------------------------------------
    async def ask_serve(self, release: int, channel: str, now: int | None) -> bool:
        what = (f"{channel} serves release {now} now." if now is not None
                else f"{channel} serves nothing yet.")
        return await asking.confirm(
            self, f"Serve release {release} on {channel}?",
            f"{what} Apps reading {channel} will get release {release} instead.")

    async def ask_save_path(self, suggested: str) -> str | None:
        return await asking.save_file(self, "Save the root file", "releases", suggested,
                                      "Root files (*.json)")

    # -- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        recent = await self.writer.run(release_ops.recent_destinations, self.workspace)
        self.source.set_recent(recent)
        start = self.initial or (recent[0] if recent else None)
        if start:
            self.source.set_text(start, emit=False)
            await self.open_source(start)

    async def open_source(self, source: str) -> None:
        self._reading += 1
        token = self._reading
        self.bar.hide()
        self.channels.setText("Reading the repository…")
        try:
            listing = await self.work.run(core.list_releases, source)
        except user_errors() as exc:
            if token == self._reading:
                self.listing = None
                self.releases.set_rows([])
                self.prompts.set_rows([])
                self.channels.setText("")
                self.root_button.setEnabled(False)
                self.bar.show_message("error", explain(exc))
            return
        if token != self._reading:
            return
        self.listing = listing
        lines = " · ".join(_escape(line.describe()) for line in listing.channels)
        self.channels.setText(f"Project <b>{_escape(listing.project)}</b> — {lines}"
                              if lines else f"<b>{_escape(listing.project)}</b>")
        self.releases.set_rows(listing.releases)
        self.root_button.setEnabled(True)
        current = self.serve_channel.currentText()
        self.serve_channel.clear()
        self.serve_channel.addItems([line.channel for line in listing.channels])
        if current:
            self.serve_channel.setCurrentText(current)
        if listing.releases:
            self.release_table.selectRow(0)
        else:
            self.release_title.setText("No releases yet")
            self.release_notes.setText("Publish one with Release > Publish….")
            self.prompts.set_rows([])

    async def show_release(self) -> None:
        info = self.releases.row(self.release_table.currentIndex())
        self.release = None
        self.pull_button.setEnabled(False)
        self.serve_button.setEnabled(info is not None and self.serve_channel.count() > 0)
        if info is None or self.listing is None:
            return
        self.release_title.setText(f"Release {info.release}")
        self.release_notes.setText("Loading its prompts…")
        source = self.listing.source
        try:
            release = await self.work.run(core.fetch_release, source, info.release)
        except user_errors() as exc:
            self.release_notes.setText(explain(exc))
            self.prompts.set_rows([])
            return
        current = self.releases.row(self.release_table.currentIndex())
        if current is None or current.release != info.release:
            return  # the user moved on
        self.release = release
        m = release.manifest
        self.prompts.set_rows([ReleasePrompt(name, m.prompts[name].sha256,
                                             release.prompts[name].model)
                               for name in sorted(release.prompts)])
        text = (f"By {isolate(m.author or 'unknown')}, {len(m.prompts)} prompt"
                f"{'s' if len(m.prompts) != 1 else ''}.")
        if m.notes:
            text += f" Notes: {isolate(m.notes)}"
        self.release_notes.setText(text)
        self.pull_button.setEnabled(True)

    async def pull(self) -> core.PullOutcome | None:
        release, listing = self.release, self.listing
        if release is None or listing is None:
            return None
        info = self.releases.row(self.release_table.currentIndex())
        self.pull_button.setEnabled(False)
        try:
            changes = await self.writer.run(release_ops.pull, self.workspace, release,
                                            listing.source, info.channels if info else ())
            outcome = changes.value
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc) + " Nothing was added.")
            return None
        finally:
            self.pull_button.setEnabled(self.release is not None)
        self.bar.show_message("success", outcome.describe() + (
            " Open a prompt to continue from it: its history shows where it came from."
            if outcome.added else ""))
        self.pulled.emit(outcome)
        return outcome

    async def serve(self) -> core.Published | None:
        """Point a channel at the selected release (promote, or roll back)."""
        info = self.releases.row(self.release_table.currentIndex())
        listing = self.listing
        channel = self.serve_channel.currentText()
        if info is None or listing is None or not channel:
            return None
        line = next((c for c in listing.channels if c.channel == channel), None)
        if not await self.ask_serve(info.release, channel, line.release if line else None):
            return None
        self.serve_button.setEnabled(False)
        try:
            published = await self.work.run(core.rollback, listing.source, channel, info.release)
            await self.writer.run(release_ops.record, self.workspace, published)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return None
        finally:
            self.serve_button.setEnabled(True)
        selected = info.release
        await self.open_source(listing.source)
        for row, item in enumerate(self.releases.rows):
            if item.release == selected:
                self.release_table.selectRow(row)
        self.bar.show_message("info" if published.result.pending else "success",
                              published.describe())
        return published

    async def save_root(self) -> str | None:
        if self.listing is None:
            return None
        path = await self.ask_save_path(f"{self.listing.project}-root.json")
        if not path:
            return None
        return await self.write_file(
            path, core.root_file, self.listing.source,
            saved=f"Saved the root file to {path}. Engineers commit it to their application and "
                  "give its path to the reader.")


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)
