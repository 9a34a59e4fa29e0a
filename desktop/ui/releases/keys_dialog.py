"""Signing keys: create one, see its fingerprint, back it up and restore it with a passphrase,
share its public part. Private keys live only in the system keychain; when there is none, the
dialog says why nothing can be created and what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)

from desktop.core.identity import author_name
from desktop.core.releases import keys
from storage.releases.keys import MIN_PASSPHRASE

from .. import asking
from ..tasks import TaskSet
from ..widgets import MessageBar, button, hbox, label, resize_within, rows_table
from .common import ReleaseDialog, explain, heading, hint, user_errors
from .tables import KeysModel


class PassphraseDialog(QDialog):
    """A passphrase, typed twice when choosing one (backups), once when opening a backup."""

    def __init__(self, title: str, text: str, *, confirm: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.confirm = confirm
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Passphrase", self.first)
        if confirm:
            form.addRow("Again", self.second)
        else:
            self.second.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for field in (self.first, self.second):
            field.textChanged.connect(self._check)
        box = QVBoxLayout(self)
        box.addWidget(hint(text))
        box.addLayout(form)
        box.addWidget(self.problem)
        box.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self._check()

    def _check(self) -> None:
        problem = ""
        if self.confirm:
            if len(self.first.text()) < MIN_PASSPHRASE:
                problem = f"At least {MIN_PASSPHRASE} characters. A few unrelated words are " \
                          "easy to remember and hard to guess."
            elif self.second.text() and self.second.text() != self.first.text():
                problem = "The two passphrases differ."
            elif not self.second.text():
                problem = "Type it again to be sure."
        self.problem.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            not problem and bool(self.first.text()))

    def passphrase(self) -> str:
        return self.first.text()


class KeysDialog(ReleaseDialog):
    """Release > Signing keys…: `KeysDialog(tasks, parent)`, then `open()` and spawn `load()`."""

    keys_changed = Signal(object)  # list[keys.KeyInfo]

    def __init__(self, tasks: TaskSet | None = None, parent: QWidget | None = None) -> None:
        super().__init__("Signing keys", "keysDialog", None, None, tasks, parent)
        self.problem: str | None = None

        intro = hint("Your signing key proves that a release comes from you: apps reading your "
                     "releases refuse anything not signed by a key the repository lists. The "
                     "private key stays in this computer's keychain. Keep an encrypted backup to "
                     "move it to another computer or to recover it. Read the fingerprint aloud "
                     "to compare it with what a colleague sees.")
        self.notice = label(name="keychainNotice", wrap=True)
        self.notice.hide()
        self.model = KeysModel(self)
        self.table = rows_table(self.model, "keyTable", wrap=True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_key())
        self.table.setMaximumHeight(180)

        self.fingerprint = QLabel()
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setStyleSheet(
            "QLabel#fingerprint { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; "
            "font-size: 17px; letter-spacing: 1px; background: white; border: 1px solid "
            "#e3e6ea; border-radius: 6px; padding: 10px 14px; color: #111827; }")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setToolTip("Compare these digits aloud with what your colleague sees")
        self.key_title = QLabel()
        self.key_title.setObjectName("tabTitle")
        self.empty = hint()
        self.empty.setObjectName("emptyState")

        self.new_button = button("Create a key…", lambda: self.work.spawn(self.create()))
        self.restore_button = button("Restore from backup…",
                                     lambda: self.work.spawn(self.restore()))
        self.backup_button = button("Back up…", lambda: self.work.spawn(self.back_up()))
        self.public_button = button("Save public key…",
                                    lambda: self.work.spawn(self.save_public()),
                                    tip="The file a repository's owner needs to let you publish "
                                        "or review; it holds nothing secret")
        self.copy_button = button("Copy fingerprint", self._copy)
        self.default_button = button("Make default", lambda: self.work.spawn(self.make_default()),
                                     tip="The key used to sign when you publish")
        key_buttons = hbox(self.backup_button, self.public_button, self.copy_button,
                           self.default_button, None)

        self.bar = MessageBar()
        bottom = hbox(self.new_button, self.restore_button, None, button("Close", self.accept))

        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addWidget(self.notice)
        box.addWidget(heading("YOUR KEYS"))
        box.addWidget(self.table)
        box.addWidget(self.empty)
        self.detail = QWidget()
        detail = QVBoxLayout(self.detail)
        detail.setContentsMargins(0, 0, 0, 0)
        detail.addWidget(self.key_title)
        detail.addWidget(QLabel("Fingerprint"))
        detail.addWidget(self.fingerprint, 0, Qt.AlignmentFlag.AlignLeft)
        detail.addLayout(key_buttons)
        box.addWidget(self.detail)
        box.addStretch(1)
        box.addWidget(self.bar)
        box.addLayout(bottom)
        resize_within(self, 780, 560)
        self._show_key()

    # -- questions (tests replace these) -----------------------------------------------------
    async def ask_label(self) -> str | None:
        label = await asking.text(self, "Create a signing key",
                                  "A name for the key, so you recognise it later:",
                                  f"{author_name()}")
        return label.strip() if label is not None else None

    async def ask_passphrase(self, *, confirm: bool, text: str) -> str | None:
        dialog = PassphraseDialog("Passphrase", text, confirm=confirm, parent=self)
        try:
            accepted = await asking.run_dialog(dialog) == QDialog.DialogCode.Accepted
            return dialog.passphrase() if accepted else None
        finally:
            dialog.deleteLater()

    async def ask_save_path(self, title: str, suggested: str) -> str | None:
        return await asking.save_file(self, title, "keys", suggested)

    async def ask_open_path(self) -> str | None:
        return await asking.open_file(self, "Open a key backup", "keys",
                                      "Key backups (*.key *.pem);;All files (*)")

    # -- state -------------------------------------------------------------------------------
    async def load(self, select: str | None = None) -> None:
        try:
            self.problem = await self.work.run(keys.keychain_problem)
            found = [] if self.problem else await self.work.run(keys.list_keys)
        except user_errors() as exc:
            self.problem, found = explain(exc), []
        self.notice.setText(self.problem or "")
        self.notice.setVisible(bool(self.problem))
        self.model.set_rows(found)
        self.new_button.setEnabled(not self.problem)
        self.restore_button.setEnabled(not self.problem)
        if found:
            at = next((i for i, k in enumerate(found) if k.fingerprint == select), 0)
            self.table.selectRow(at)
        self._show_key()
        self.keys_changed.emit(found)

    def current(self) -> keys.KeyInfo | None:
        return self.model.row(self.table.currentIndex())

    def _show_key(self) -> None:
        info = self.current()
        for button in (self.backup_button, self.public_button, self.copy_button,
                       self.default_button):
            button.setEnabled(info is not None and not info.missing)
        self.detail.setVisible(info is not None)
        self.empty.setVisible(info is None)
        if info is None:
            self.empty.setText("" if self.problem else
                               "No signing key yet. Create one to sign releases, or restore "
                               "yours from its backup file.")
            return
        self.default_button.setEnabled(not info.default and not info.missing)
        self.key_title.setText(info.label + ("  (default)" if info.default else ""))
        groups = info.grouped.split()
        self.fingerprint.setText(" ".join(groups[:8]) + "\n" + " ".join(groups[8:]))
        if info.missing:
            self.bar.show_message("warning", f"The keychain no longer holds “{info.label}”. "
                                             "Restore it from its backup file.")

    def _copy(self) -> None:
        info = self.current()
        if info is not None:
            QGuiApplication.clipboard().setText(info.grouped)

    # -- actions ---------------------------------------------------------------------------
    async def create(self) -> keys.KeyInfo | None:
        label = await self.ask_label()
        if label is None:
            return None
        try:
            info = await self.work.run(keys.generate, label)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return None
        await self.load(select=info.fingerprint)
        self.bar.show_message("success", f"Created “{info.label}”. Back it up now: without the "
                                         "backup, a lost computer means a lost key.",
                              [("Back up…", lambda: self.work.spawn(self.back_up()))])
        return info

    async def back_up(self) -> str | None:
        info = self.current()
        if info is None:
            return None
        passphrase = await self.ask_passphrase(
            confirm=True, text="Choose a passphrase for the backup. You need it to restore the "
                               "key; nobody can recover it for you.")
        if passphrase is None:
            return None
        path = await self.ask_save_path("Save the key backup",
                                  f"{_file_name(info.label)}-signing-key.key")
        if path is None:
            return None
        return await self.write_file(
            path, keys.backup, info.fingerprint, passphrase,
            saved=f"Saved an encrypted backup of “{info.label}” to {path}. "
                  "Keep it apart from the passphrase.")

    async def restore(self) -> keys.KeyInfo | None:
        path = await self.ask_open_path()
        if path is None:
            return None
        passphrase = await self.ask_passphrase(confirm=False,
                                         text="The passphrase chosen when the backup was made.")
        if passphrase is None:
            return None
        try:
            data = await self.work.run(_read, path)
            info = await self.work.run(keys.restore_backup, data, passphrase)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc) + " Nothing was changed.")
            return None
        await self.load(select=info.fingerprint)
        self.bar.show_message("success",
                              f"Restored “{info.label}” into this computer's keychain.")
        return info

    async def save_public(self) -> str | None:
        info = self.current()
        if info is None:
            return None
        path = await self.ask_save_path("Save the public key", f"{_file_name(info.label)}.pub")
        if path is None:
            return None
        return await self.write_file(
            path, keys.public_key_file, info.fingerprint,
            saved=f"Saved the public key to {path}. Send it to the repository's owner; it holds "
                  "nothing secret.")

    async def make_default(self) -> None:
        info = self.current()
        if info is None:
            return
        try:
            await self.work.run(keys.set_default, info.fingerprint)
        except user_errors() as exc:
            self.bar.show_message("error", explain(exc))
            return
        await self.load(select=info.fingerprint)


def _file_name(label: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in label).strip("-")
    return safe or "my"


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()
