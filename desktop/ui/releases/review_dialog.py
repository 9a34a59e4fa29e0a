"""Review a release that waits for a second signature: exactly what it changes compared with the
live release, prompt by prompt, then co-sign it (it goes live) or reject it (it is withdrawn).

What is signed is exactly what was shown: if the proposal changed after it was loaded, nothing
is signed and the dialog asks to look again.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QHeaderView, QLabel,
                               QTableView, QTextBrowser, QWidget)

from desktop.core import releases as core
from desktop.core.ops import releases as release_ops
from desktop.core.releases import keys
from storage.releases.errors import NothingPending

from .. import asking
from ..tasks import TaskSet
from ..widgets import MessageBar, button, hbox, label, resize_within, vbox
from .common import DestinationPicker, ReleaseDialog, explain, panes, user_errors
from .diffhtml import change_html
from .messages import review_html
from .tables import ChangesModel


class ReviewDialog(ReleaseDialog):
    """Release > Review pending…: `ReviewDialog(workspace, writer, tasks, parent,
    destination=None, channel="production")`, then `open()` and spawn `load()`."""

    approved = Signal(object)  # core.Published
    rejected_release = Signal(int)

    def __init__(self, workspace, writer, tasks: TaskSet | None = None,
                 parent: QWidget | None = None, *, destination: str | None = None,
                 channel: str = "production") -> None:
        super().__init__("Review a pending release", "reviewDialog", workspace, writer, tasks,
                         parent)
        self.initial = destination
        self.wanted_channel = channel
        self.info: core.RepositoryInfo | None = None
        self.review: core.Review | None = None
        self.busy = False
        self._reading = 0  # the latest read wins: an earlier one that ends later is dropped

        self.destination = DestinationPicker()
        self.destination.chosen.connect(lambda d: self.work.spawn(self.open_destination(d)))
        self.channel = QComboBox()
        self.channel.setMinimumWidth(160)
        self.channel.activated.connect(lambda _i: self.work.spawn(self.load_pending()))
        form = QFormLayout()
        form.addRow("Repository", self.destination)
        form.addRow("Channel", self.channel)

        self.summary = label("Choose the repository and the channel to review.", "reviewSummary",
                             wrap=True, selectable=True)
        self.summary.setStyleSheet("QLabel#reviewSummary { background: #fffaeb; border: 1px solid "
                                   "#fedf89; border-radius: 6px; padding: 8px 10px; "
                                   "color: #1f2937; }")

        self.changes = ChangesModel(self)
        self.change_table = QTableView()
        self.change_table.setObjectName("changeTable")
        self.change_table.setModel(self.changes)
        self.change_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.change_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.change_table.verticalHeader().hide()
        self.change_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.change_table.setWordWrap(False)
        header = self.change_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.change_table.selectionModel().currentRowChanged.connect(lambda *_: self._show_change())
        self.diff_view = QTextBrowser()
        self.diff_view.setObjectName("changeView")
        body = panes(("PROMPTS", self.change_table),
                     ("EXACTLY WHAT CHANGES FOR APPS READING THIS CHANNEL", self.diff_view),
                     stretch=(1, 2))

        self.key = QComboBox()
        self.key.setObjectName("reviewKey")
        self.key.currentIndexChanged.connect(lambda _i: self._update_buttons())
        self.bar = MessageBar()
        self.approve_button = button("Co-sign and publish", name="runButton")
        self.spawn_on_click(self.approve_button, self.approve)
        self.reject_button = button("Reject…")
        self.spawn_on_click(self.reject_button, self.reject_pending)
        self.close_button = button("Close", self.accept)
        vbox(form, self.summary, (body, 1), self.bar,
             hbox(QLabel("Sign with"), (self.key, 1), self.reject_button, self.approve_button,
                  self.close_button), parent=self)
        resize_within(self, 1100, 720)
        self._update_buttons()

    # -- questions (tests replace these) -----------------------------------------------------
    async def ask_reject(self, review: core.Review) -> bool:
        return await asking.confirm(
            self, "Reject this release?",
            f"Withdraw release {review.release} from {review.channel}? The channel keeps "
            "serving what it serves now, and the author can publish again.")

    # -- loading ---------------------------------------------------------------------------
    async def load(self) -> None:
        recent = await self.writer.run(release_ops.recent_destinations, self.workspace)
        self.destination.set_recent(recent)
        await self._load_keys()
        start = self.initial or (recent[0] if recent else None)
        if start:
            self.destination.set_text(start, emit=False)
            await self.open_destination(start)

    async def _load_keys(self) -> None:
        self.key.clear()
        try:
            problem = await self.work.run(keys.keychain_problem)
            found = [] if problem else await self.work.run(keys.list_keys)
        except user_errors() as exc:
            problem, found = explain(exc), []
        for info in found:
            if not info.missing:
                self.key.addItem(f"{info.label or 'key'} ({info.short}…)", info.fingerprint)
        if problem:
            self.bar.show_message("warning", problem)
        elif not self.key.count():
            self.bar.show_message("warning", "You have no signing key on this computer, so you "
                                             "cannot co-sign. Create or restore one in Release > "
                                             "Signing keys….")

    async def open_destination(self, destination: str) -> None:
        token = self._start_reading()
        self.summary.setText("Reading the repository…")
        try:
            info = await self.work.run(core.repository_info, destination)
        except user_errors() as exc:
            if token != self._reading:
                return
            self.info = None
            self.channel.clear()
            self.summary.setText(explain(exc))
            return
        if token != self._reading:
            return
        self.info = info
        current = self.channel.currentText() or self.wanted_channel
        self.channel.clear()
        self.channel.addItems(list(info.channels))
        if current in info.channels:
            self.channel.setCurrentText(current)
        await self.load_pending()

    def _start_reading(self) -> int:
        """A new read of the repository begins: what was shown is gone (so nothing can be
        co-signed until this read ends) and any read still under way will be dropped."""
        self._reading += 1
        self.review = None
        self.bar.hide()
        self._show_review()
        return self._reading

    async def load_pending(self) -> core.Review | None:
        token = self._start_reading()
        if self.info is None or not self.channel.currentText():
            return None
        channel = self.channel.currentText()
        self.summary.setText(f"Looking for a release waiting on {channel}…")
        try:
            review = await self.work.run(core.pending_review, self.info.destination, channel,
                                         project=self.info.project)
        except NothingPending:
            if token == self._reading:
                self.summary.setText(f"Nothing waits for approval on {channel}. When an author "
                                     "publishes there, the release waits here for your "
                                     "signature.")
            return None
        except user_errors() as exc:
            if token == self._reading:
                self.summary.setText(explain(exc))
            return None
        if token != self._reading:
            return None
        self.review = review
        self._show_review()
        return review

    def _show_review(self) -> None:
        review = self.review
        if review is None:
            self.changes.set_rows([])
            self.diff_view.setHtml("")
            self._update_buttons()
            return
        self.summary.setText(review_html(review))
        changed = core.changed_prompts(review)
        unchanged = [c for c in review.changes if c not in changed]
        self.changes.set_rows(changed + unchanged)
        if changed:
            self.change_table.selectRow(0)
        else:
            self.diff_view.setHtml("<p>Every prompt is the same version as the live release; "
                                   "only which release is served changes.</p>")
        mine = {self.key.itemData(i) for i in range(self.key.count())}
        for fp in review.pending.signed_by:
            if fp in mine and self.key.currentData() == fp:
                others = [i for i in range(self.key.count()) if self.key.itemData(i) != fp]
                if others:
                    self.key.setCurrentIndex(others[0])
        self._update_buttons()

    def _show_change(self) -> None:
        change = self.changes.row(self.change_table.currentIndex())
        self.diff_view.setHtml(change_html(change) if change else "")

    def _update_buttons(self) -> None:
        ready = self.review is not None and not self.busy
        signed = self.review is not None and self.key.currentData() in self.review.pending.signed_by
        self.approve_button.setEnabled(ready and self.key.count() > 0 and not signed)
        self.approve_button.setToolTip(
            "You signed this release already: a second person must co-sign it." if signed else
            "Add your signature; the release goes live when enough people have signed")
        self.reject_button.setEnabled(ready)
        self.close_button.setEnabled(not self.busy)

    # -- deciding ----------------------------------------------------------------------------
    async def approve(self) -> core.Published | None:
        review = self.review
        if review is None or self.busy:
            return None
        self.busy = True
        self._update_buttons()
        try:
            published = await self.work.run(core.approve, review, key=self.key.currentData())
            await self.writer.run(release_ops.record, self.workspace, published)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc), [
                ("Look again", lambda: self.work.spawn(self.load_pending()))])
            return None
        finally:
            self.busy = False
            self._update_buttons()
        await self.load_pending()
        self.bar.show_message("info" if published.result.pending else "success",
                              published.describe())
        self.approved.emit(published)
        return published

    async def reject_pending(self) -> bool:
        review = self.review
        if review is None or self.busy or not await self.ask_reject(review):
            return False
        self.busy = True
        self._update_buttons()
        try:
            await self.work.run(core.reject, review)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return False
        finally:
            self.busy = False
            self._update_buttons()
        await self.load_pending()
        self.bar.show_message("success", f"Rejected release {review.release}: {review.channel} "
                                         "keeps serving what it served.")
        self.rejected_release.emit(review.release)
        return True

    def reject(self) -> None:  # noqa: D102 (Esc closes, unless a signature is being written)
        if not self.busy:
            super().reject()


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=False)
