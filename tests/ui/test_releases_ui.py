"""The Release dialogs, driven as a user would: publish to a folder and to nginx (a fresh reader
renders the result), the channel moving under a publisher, failed tests, no key, creating a
repository; browsing and pulling; reviewing a two-signature release; signing keys with backup
and restore, and without a keychain. Uses tests/ui/conftest.py (aio loop, leak checks)."""

from __future__ import annotations


import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from desktop.core import releases as core
from desktop.core.releases import keys
from desktop.ui.releases.browser import ReleasesBrowser
from desktop.ui.releases.diffhtml import change_html, direction
from desktop.ui.releases.keys_dialog import KeysDialog, PassphraseDialog
from desktop.ui.releases.publish_dialog import PublishDialog
from desktop.ui.releases.publish_model import PublishTableModel
from desktop.ui.releases.review_dialog import ReviewDialog
from desktop.ui.tasks import TaskSet, Writer
from storage.releases import Reader
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.models import Release, Result, Run, TestSet
from tests.support.keyring_backend import MemoryKeyring
from tests.support.nginx import nginx  # noqa: F401  (fixture)
from tests.ui.conftest import answering

LONG = ("support/escalations/enterprise-customers-with-a-very-long-folder-name/"
        "draft-a-polite-but-firm-reply-to-an-angry-customer")
RTL = "دعم/تلخيص-المكالمة"


def save(workspace, name: str, text: str) -> str:
    content = PromptContent(messages=(Message("system", "Be brief.\n"), Message("user", text)),
                            model="openai/gpt-4o-mini")
    with workspace.session() as session:
        return repo.save_version(session, name, content, message="draft",
                                 author="Ann").version.version_id


class Harness:
    """Opens dialogs on the test loop and closes them cleanly (tasks, writer, widget)."""

    def __init__(self, aio, workspace) -> None:
        self.aio, self.workspace = aio, workspace
        self.writer, self.tasks = Writer(), TaskSet()
        self.dialogs = []

    def open(self, cls, *args, **kwargs):
        if cls is KeysDialog:
            dialog = cls(self.tasks)
        else:
            dialog = cls(self.workspace, self.writer, self.tasks, *args, **kwargs)
        dialog.show()
        self.dialogs.append(dialog)
        self.aio.run(dialog.load())
        self.settle()
        return dialog

    def settle(self) -> None:
        self.aio.run(self.tasks.wait())

    def close(self) -> None:
        for dialog in self.dialogs:
            dialog.busy = False
            dialog.done(0)
        self.settle()
        for dialog in self.dialogs:
            dialog.deleteLater()
        self.writer.close()


@pytest.fixture
def ui(aio, workspace):
    harness = Harness(aio, workspace)
    yield harness
    harness.close()


@pytest.fixture
def author_key():
    return keys.generate("Ann, laptop")


@pytest.fixture
def repo_dir(tmp_path, author_key):
    dest = tmp_path / "shared" / "acme"
    core.create_repository(str(dest), "acme")
    return dest


def plain(text: str) -> str:
    """Label text without the bidi isolates around names."""
    return text.replace("\u2068", "").replace("\u2069", "")


def rows(dialog):
    return {r.name: r for r in dialog.model.rows}


def tick(dialog, name: str, on: bool = True) -> None:
    row = rows(dialog)[name]
    index = dialog.model.index(dialog.model.rows.index(row), 0)
    state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert dialog.model.setData(index, state, Qt.ItemDataRole.CheckStateRole)


def open_publish(ui, destination, channel="staging", **kwargs):
    dialog = ui.open(PublishDialog, **kwargs)
    dialog.destination.set_text(str(destination), emit=False)
    ui.aio.run(dialog.open_destination(str(destination)))
    if dialog.channel.currentText() != channel:
        dialog.channel.setCurrentText(channel)
        ui.aio.run(dialog.read_live())
    ui.settle()
    return dialog


def test_publish_to_a_folder_and_a_fresh_reader_renders_it(ui, workspace, repo_dir):
    greet = save(workspace, "support/greet", "Hello {{ name }}")
    save(workspace, LONG, "Dear {{ name }}")
    rtl = save(workspace, RTL, "لخص المكالمة: {{ name }}")
    for i in range(40):
        save(workspace, f"misc/prompt-{i:02d}", f"p{i}")
    dialog = open_publish(ui, repo_dir, prompts=["support/greet"])
    assert dialog.project.text() == "acme"
    assert "staging has no release yet" in dialog.live_label.text()
    assert rows(dialog)["support/greet"].included and not rows(dialog)[LONG].included
    tick(dialog, RTL)
    tick(dialog, LONG)
    assert "The release will hold 3 prompts" in dialog.summary.text()
    assert "3 added" in dialog.summary.text()
    assert dialog.publish_button.isEnabled() and dialog.publish_button.text() == \
        "Publish to staging"
    assert dialog.proxy.index(0, 3).data() == "Added"  # the release's prompts come first
    published = ui.aio.run(dialog.publish())
    assert published.release == 1 and dialog.bar.kind == "success"
    assert "Staging now serves release 1" in dialog.bar.text()
    assert "release 1" in dialog.live_label.text()
    assert not dialog.publish_button.isEnabled()  # nothing left to publish
    assert "nothing to publish" in dialog.summary.text()
    reader = Reader(repo_dir, (repo_dir / "root" / "1.root.json").read_bytes(), channel="staging")
    assert reader.get("support/greet").version_id == greet
    assert reader.get(RTL).version_id == rtl
    assert reader.get(LONG).render(name="Bo")[1]["content"] == "Dear Bo"
    with workspace.session() as session:
        row = session.query(Release).one()
        assert row.channel == "staging" and len(row.prompts) == 3


def test_publish_from_the_dialog_to_nginx(ui, workspace, nginx, author_key):
    url = nginx.url + "acme/"
    created = core.create_repository(url, "acme")
    save(workspace, "support/greet", "Hello {{ name }}")
    dialog = open_publish(ui, url, channel="production", prompts=["support/greet"])
    published = ui.aio.run(dialog.publish())
    assert published is not None and published.channel == "production"
    reader = Reader(url, created.root_bytes)
    assert reader.get("support/greet").render(name="Al")[1]["content"] == "Hello Al"


def test_the_channel_moved_nothing_is_overwritten_and_the_user_publishes_on_top(
        ui, workspace, repo_dir):
    save(workspace, "greet", "Hello")
    save(workspace, "close", "Bye")
    with workspace.session() as session:
        first = core.contents(core.choose(session, ["greet", "close"]))
    core.publish(str(repo_dir), first, channel="staging")
    save(workspace, "greet", "Hello there")  # the user's change
    dialog = open_publish(ui, repo_dir)
    assert rows(dialog)["greet"].kind is core.Kind.CHANGED
    assert rows(dialog)["close"].kind is core.Kind.UNCHANGED
    # Meanwhile a colleague publishes a new "close" from their own workspace.
    theirs = dict(first, close=PromptContent(messages=(Message("user", "Goodbye"),)))
    core.publish(str(repo_dir), theirs, channel="staging")
    pointer = (repo_dir / "channels" / "staging.json").read_bytes()
    assert ui.aio.run(dialog.publish()) is None
    assert (repo_dir / "channels" / "staging.json").read_bytes() == pointer
    text = plain(dialog.bar.text())
    assert dialog.bar.kind == "warning" and "published release 2 to staging" in text
    assert "close (changed)" in text and "Nothing was overwritten" in text
    published = ui.aio.run(dialog.publish_on_top())
    assert published.release == 3
    reader = Reader(repo_dir, (repo_dir / "root" / "1.root.json").read_bytes(), channel="staging")
    assert reader.get("close").render()[0]["content"] == "Goodbye"  # theirs kept
    assert reader.get("greet").render()[1]["content"] == "Hello there"  # mine applied


def test_failed_tests_are_shown_and_asked_about(ui, workspace, repo_dir):
    save(workspace, "greet", "Hello")
    with workspace.session() as session:
        version = repo.resolve(session, "greet")
        test_set = TestSet(name="smoke", prompt_id=version.prompt_id, min_score=0.9)
        session.add(test_set)
        session.flush()
        run = Run(test_set_id=test_set.id, status="finished", gate_passed=False, settings={
            "versions": [{"pk": version.pk, "version_id": version.version_id, "prompt": "greet"}],
            "providers": [{"name": "p", "model": "m"}], "case_ids": [1], "gate": 0.9})
        session.add(run)
        session.flush()
        session.add(Result(run_id=run.id, version_pk=version.pk, provider="p", score=0.4, row=0))
    dialog = open_publish(ui, repo_dir, prompts=["greet"])
    assert dialog.proxy.index(0, 2).data() == "Failed 0/1"
    assert "smoke: failed, score 0.40 < 0.9" in dialog.detail.gate_text.text()
    assert "1 failed their tests: greet" in plain(dialog.summary.text())
    asked = []
    dialog.ask_publish_despite_tests = answering(lambda names: asked.append(names) or False)
    assert ui.aio.run(dialog.publish()) is None and asked == [["greet"]]
    assert not (repo_dir / "channels" / "staging.json").exists()


def test_without_a_key_the_dialog_says_what_to_do(ui, workspace, tmp_path, author_key):
    dest = tmp_path / "repo"
    core.create_repository(str(dest), "acme")
    keys.remove(author_key.fingerprint)
    save(workspace, "greet", "Hello")
    dialog = open_publish(ui, dest, prompts=["greet"])
    assert "no signing key" in dialog.key_label.text() and "Signing keys" in dialog.key_label.text()
    assert not dialog.publish_button.isEnabled()


def test_a_folder_without_a_repository_can_become_one(ui, workspace, tmp_path, author_key):
    save(workspace, "greet", "Hello")
    empty = tmp_path / "new-share"
    dialog = open_publish(ui, empty, prompts=["greet"])
    assert dialog.bar.kind == "error" and "does not exist yet" in dialog.bar.text()
    empty.mkdir()
    ui.aio.run(dialog.open_destination(str(empty)))
    assert "has no release repository yet" in dialog.bar.text()
    dialog.ask_project_name = answering(lambda destination: "acme")
    ui.aio.run(dialog.create_repository(str(empty)))
    ui.settle()
    assert (empty / "root" / "1.root.json").exists() and dialog.project.text() == "acme"
    assert dialog.publish_button.isEnabled()


def test_publish_model_is_a_well_behaved_model(qtmodeltester):
    from desktop.ui.releases.publish_model import PublishRow

    model = PublishTableModel()
    model.set_rows([PublishRow("a", included=True), PublishRow(RTL), PublishRow(LONG)])
    qtmodeltester.check(model)


def test_browse_releases_pull_one_and_save_the_root_file(ui, workspace, repo_dir, tmp_path):
    # A colleague published from their own workspace; this (empty) one pulls release 1.
    chosen = {"support/greet": PromptContent(messages=(Message("user", "Hello"),)),
              RTL: PromptContent(messages=(Message("user", "مرحبا"),))}
    core.publish(str(repo_dir), chosen, channel="staging", author="Bob", notes="first cut")
    core.promote(str(repo_dir))
    browser = ui.open(ReleasesBrowser, source=str(repo_dir))
    assert "production: release 1" in browser.channels.text()
    assert browser.releases.rowCount() == 1
    assert browser.releases.index(0, 1).data() == "production, staging"
    ui.aio.run(browser.show_release())
    assert browser.prompts.rowCount() == 2 and "first cut" in browser.release_notes.text()
    outcome = ui.aio.run(browser.pull())
    assert len(outcome.added) == 2 and browser.bar.kind == "success"
    with workspace.session() as session:
        assert repo.resolve(session, RTL).message == "Pulled from release 1 of acme"
        assert session.query(Release).one().channel == "production, staging"
    target = tmp_path / "for-engineers.json"
    browser.ask_save_path = answering(lambda suggested: str(target))
    assert ui.aio.run(browser.save_root()) == str(target)
    assert target.read_bytes() == (repo_dir / "root" / "1.root.json").read_bytes()
    assert browser.bar.kind == "success" and browser.bar.text() == (
        f"Saved the root file to {target}. Engineers commit it to their application and give its "
        "path to the reader.")
    # Roll production back to release 1 after release 2 went live there.
    chosen["support/greet"] = PromptContent(messages=(Message("user", "Hello again"),))
    core.publish(str(repo_dir), chosen, channel="production")
    ui.aio.run(browser.open_source(str(repo_dir)))
    assert [r.release for r in browser.releases.rows] == [2, 1]
    browser.release_table.selectRow(1)
    ui.settle()
    browser.serve_channel.setCurrentText("production")
    asked = []
    browser.ask_serve = answering(
        lambda release, channel, now: asked.append((release, channel, now)) or True)
    published = ui.aio.run(browser.serve())
    assert asked == [(1, "production", 2)] and published.release == 1
    assert "Production now serves release 1" in browser.bar.text()
    assert Reader(repo_dir, (repo_dir / "root" / "1.root.json").read_bytes()).release == 1
    assert browser.releases.rows[1].channels == ("production", "staging")
    (tmp_path / "empty").mkdir()
    ui.aio.run(browser.open_source(str(tmp_path / "empty")))
    assert browser.bar.kind == "error" and "not a release repository" in browser.bar.text()
    assert browser.releases.rowCount() == 0


def test_review_a_two_signature_release_then_co_sign_or_reject(ui, workspace, tmp_path,
                                                              author_key):
    reviewer = keys.generate("Rami, reviewer")
    dest = str(tmp_path / "reviewed")
    root = core.create_repository(dest, "acme", channels=[("staging", 1), ("production", 2)],
                                  reviewers=[keys.read_public_key(reviewer.fingerprint)]).root_bytes
    save(workspace, "greet", "Hello {{ name }}")
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, ["greet"]))
    assert core.publish(dest, chosen, channel="production").result.pending
    dialog = ui.open(ReviewDialog, destination=dest)
    assert "waits for your approval on production" in dialog.summary.text()
    assert "signed by 1 of 2" in dialog.summary.text()
    assert dialog.changes.rowCount() == 1 and dialog.changes.index(0, 0).data() == "Added"
    assert "New in this release" in dialog.diff_view.toPlainText()
    # The author's own key cannot co-sign; the dialog picks the reviewer's.
    assert dialog.key.currentData() == reviewer.fingerprint
    dialog.key.setCurrentIndex(dialog.key.findData(author_key.fingerprint))
    assert not dialog.approve_button.isEnabled()
    dialog.key.setCurrentIndex(dialog.key.findData(reviewer.fingerprint))
    assert dialog.approve_button.isEnabled()
    published = ui.aio.run(dialog.approve())
    assert published.release == 1 and "Production now serves release 1" in dialog.bar.text()
    assert Reader(dest, root).release == 1
    assert "Nothing waits for approval" in dialog.summary.text()

    save(workspace, "greet", "Hello {{ name }}\twelcome")
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, ["greet"]))
    core.publish(dest, chosen, channel="production")
    ui.aio.run(dialog.load_pending())
    text = dialog.diff_view.toPlainText()
    assert "Changed" in text and "→welcome" in text  # the tab is drawn
    dialog.ask_reject = answering(lambda review: True)
    assert ui.aio.run(dialog.reject_pending())
    assert "Rejected release 2" in dialog.bar.text()
    assert Reader(dest, root).release == 1


def test_review_shows_the_repository_read_last_even_when_an_earlier_read_ends_later(
        ui, workspace, tmp_path, author_key, monkeypatch):
    """The dialog opens its recent repository while the person types another and presses
    Enter: the earlier read, ending later, must not replace what the later one shows, and
    nothing can be co-signed while a read is under way."""
    import threading

    from desktop.ui.releases import review_dialog

    reviewer = keys.generate("Rami, reviewer")
    wanted, other = str(tmp_path / "wanted"), str(tmp_path / "other")
    for dest in (wanted, other):
        core.create_repository(dest, "acme", channels=[("staging", 1), ("production", 2)],
                               reviewers=[keys.read_public_key(reviewer.fingerprint)])
    save(workspace, "greet", "Hello {{ name }}")
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, ["greet"]))
    assert core.publish(wanted, chosen, channel="production").result.pending
    dialog = ui.open(ReviewDialog)
    release = threading.Event()
    real = core.repository_info

    def slow_for_other(destination):
        if destination == other:
            assert release.wait(10)
        return real(destination)

    monkeypatch.setattr(review_dialog.core, "repository_info", slow_for_other)
    first = dialog.work.spawn(dialog.open_destination(other))
    ui.aio.run(dialog.open_destination(wanted))
    assert "waits for your approval on production" in dialog.summary.text()
    assert dialog.approve_button.isEnabled()
    release.set()
    ui.aio.run(first)
    assert dialog.info.destination == wanted
    assert "waits for your approval on production" in dialog.summary.text()
    assert dialog.review is not None and dialog.approve_button.isEnabled()
    # Reading again empties the dialog until the read ends: no co-signing what is not shown.
    # (The read is held until the test has looked: a quick read could end before it looks.)
    held = threading.Event()

    def held_back(destination):
        assert held.wait(10)
        return real(destination)

    monkeypatch.setattr(review_dialog.core, "repository_info", held_back)
    again = dialog.work.spawn(dialog.open_destination(wanted))
    ui.aio.wait(lambda: dialog.summary.text() == "Reading the repository…",
                what="the read under way")
    assert dialog.review is None and not dialog.approve_button.isEnabled()
    held.set()
    ui.aio.run(again)
    assert dialog.approve_button.isEnabled()


def test_keys_create_back_up_restore_and_share(ui, tmp_path, test_keyring):
    dialog = ui.open(KeysDialog)
    assert dialog.model.rowCount() == 0 and "No signing key yet" in dialog.empty.text()
    dialog.ask_label = answering(lambda: "Ann — laptop")
    info = ui.aio.run(dialog.create())
    assert dialog.model.rowCount() == 1 and dialog.key_title.text().startswith("Ann — laptop")
    lines = dialog.fingerprint.text().split("\n")
    assert [len(line.split()) for line in lines] == [8, 8]
    assert "".join(lines).replace(" ", "") == info.fingerprint
    assert "Back it up now" in dialog.bar.text()

    backup = tmp_path / "ann.key"
    dialog.ask_passphrase = answering(lambda confirm, text: "a good long passphrase")
    dialog.ask_save_path = answering(lambda title, suggested: str(backup if "backup" in title else
                                                                  tmp_path / suggested))
    assert ui.aio.run(dialog.back_up()) == str(backup)
    assert dialog.bar.kind == "success" and dialog.bar.text() == (
        f"Saved an encrypted backup of “Ann — laptop” to {backup}. Keep it apart from the "
        "passphrase.")
    public = ui.aio.run(dialog.save_public())
    assert keys.read_public_key(public) is not None
    assert dialog.bar.text() == (f"Saved the public key to {public}. Send it to the repository's "
                                 "owner; it holds nothing secret.")
    gone = tmp_path / "gone"  # a folder removed meanwhile: said, and nothing written
    dialog.ask_save_path = answering(lambda title, suggested: str(gone / suggested))
    assert ui.aio.run(dialog.save_public()) is None
    assert dialog.bar.kind == "error" and dialog.bar.text().startswith("No such file or directory")
    assert not gone.exists()

    keyring.set_keyring(MemoryKeyring())  # a new computer
    ui.aio.run(dialog.load())
    assert dialog.model.rowCount() == 0
    dialog.ask_open_path = answering(lambda: str(backup))
    dialog.ask_passphrase = answering(lambda confirm, text: "the wrong passphrase")
    assert ui.aio.run(dialog.restore()) is None
    assert "Wrong passphrase" in dialog.bar.text() and "Nothing was changed" in dialog.bar.text()
    dialog.ask_passphrase = answering(lambda confirm, text: "a good long passphrase")
    restored = ui.aio.run(dialog.restore())
    assert restored.fingerprint == info.fingerprint and dialog.model.rowCount() == 1


def test_without_a_keychain_the_keys_dialog_explains(ui):
    keyring.set_keyring(fail.Keyring())
    dialog = ui.open(KeysDialog)
    assert not dialog.notice.isHidden() and "has no keychain" in dialog.notice.text() and "keyring.backends" not in dialog.notice.text()
    assert not dialog.new_button.isEnabled() and not dialog.restore_button.isEnabled()


def test_passphrase_dialog_checks_length_and_match(qtbot):
    dialog = PassphraseDialog("Passphrase", "Choose one", confirm=True)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    dialog.first.setText("short")
    assert "At least 8" in dialog.problem.text() and not ok.isEnabled()
    dialog.first.setText("long enough")
    dialog.second.setText("long enougX")
    assert "differ" in dialog.problem.text()
    dialog.second.setText("long enough")
    assert dialog.problem.text() == "" and ok.isEnabled()


def test_change_html_draws_invisible_changes_and_keeps_rtl():
    old = PromptContent(messages=(Message("user", "Hello there"),))
    new = PromptContent(messages=(Message("user", "Hello\tthere "),))
    html = change_html(core.PromptChange("greet", core.Kind.CHANGED, old, new))
    assert "→" in html and "·" in html and "line-through" in html
    assert direction(RTL) == "rtl" and direction("hello") == "ltr"
    added = change_html(core.PromptChange(RTL, core.Kind.ADDED, None, old))
    assert 'dir="rtl"' in added and "New in this release" in added
