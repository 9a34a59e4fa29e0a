"""Journey 5: Keys → create a key → Publish to a folder, past the test gate → Browse → promote
to a channel that needs two signatures → Review and approve with the second key → an engineer's
application reads the prompt through `promptpress_reader`."""

from __future__ import annotations

import json
import subprocess
import sys

from PySide6.QtWidgets import QDialog

from desktop.core import releases as core
from desktop.core.releases import keys
from storage.workspace import prompts as repo
from storage.workspace.models import Result, Run, TestSet
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, click_row, fill, snap

GREETING = "مرحبًا {{ name }}!  \n"  # right-to-left, two trailing spaces


def _populate(ws):
    save_prompt(ws, "support/greet", ("system", "Be kind.\r\n"), ("user", GREETING))
    with ws.session() as session:  # a finished run below its pass mark: the publish gate
        version = repo.resolve(session, "support/greet")
        test_set = TestSet(name="smoke", prompt_id=version.prompt_id, min_score=0.9)
        session.add(test_set)
        session.flush()
        run = Run(test_set_id=test_set.id, status="finished", gate_passed=False, settings={
            "versions": [{"pk": version.pk, "version_id": version.version_id,
                          "prompt": "support/greet"}],
            "providers": [{"name": "p", "model": "m"}], "case_ids": [1], "gate": 0.9})
        session.add(run)
        session.flush()
        session.add(Result(run_id=run.id, version_pk=version.pk, provider="p", score=0.5, row=0))


def _open_destination(app, dialog, picker, folder) -> None:
    fill(picker.combo.lineEdit(), str(folder))
    app.press("Return", picker.combo.lineEdit())


CONSUMER = """
import json, sys
from promptpress_reader import Reader
reader = Reader(sys.argv[1], open(sys.argv[2], "rb").read(), channel="production")
prompt = reader.get("support/greet")
print(json.dumps({"release": reader.release, "messages": prompt.render(name="Ann")}))
"""


def test_keys_publish_promote_review_and_read(open_app, tmp_path, test_keyring, reader_wheel):
    app = open_app(populate=_populate)
    app.aio.run(app.view.open_prompt_async("support/greet"))

    # 1. A signing key, made in the Keys dialog
    app.choose("Release", "Signing Keys…")
    dialog = app.wait_window(QDialog, "Signing keys")
    app.person.will_type("Ann, laptop", title="Create a signing key")
    click(dialog.new_button)
    app.person.wait_done()
    app.aio.wait(lambda: "Created “Ann, laptop”" in dialog.bar.text(), what="the new key",
                 state=dialog.bar.text)
    snap(dialog, "journey5-signing-keys")
    click_button(dialog, "Close")
    [ann] = keys.list_keys()

    # The repository's owner lists a reviewer: production needs two signatures.
    reviewer = keys.generate("Rami, reviewer")
    folder = tmp_path / "shared" / "acme"
    root = core.create_repository(str(folder), "acme", channels=[("staging", 1),
                                                                 ("production", 2)],
                                  reviewers=[keys.read_public_key(reviewer.fingerprint)],
                                  key=ann.fingerprint).root_bytes

    # 2. Publish to staging, past the failed test gate
    app.choose("Release", "Publish…")
    publish = app.wait_window(QDialog, "Publish a release")
    _open_destination(app, publish, publish.destination, folder)
    app.aio.wait(lambda: publish.project.text() == "acme", what="the repository",
                 state=publish.bar.text)
    app.aio.wait(lambda: publish.publish_button.isEnabled(), what="something to publish",
                 state=publish.summary.text)
    assert publish.channel.currentText() == "staging"
    assert "failed their tests" in publish.summary.text()
    snap(publish, "journey5-publish")
    app.person.will("Yes", title="Publish despite failed tests?")
    click(publish.publish_button)
    app.person.wait_done()
    app.aio.wait(lambda: "Staging now serves release 1" in publish.bar.text(),
                 what="the release", state=publish.bar.text)
    click(publish.close_button)

    # 3. Browse, and serve release 1 on production: it waits for the second signature
    app.choose("Release", "Browse Releases…")
    browser = app.wait_window(QDialog, "Releases")
    _open_destination(app, browser, browser.source, folder)
    app.aio.wait(lambda: browser.releases.rowCount() == 1, what="the release list")
    click_row(browser.release_table, 0)
    app.aio.wait(lambda: browser.serve_button.isEnabled(), what="the release to be shown")
    browser.serve_channel.setCurrentText("production")
    app.person.will("Yes", title="Serve release 1 on production?")
    click(browser.serve_button)
    app.person.wait_done()
    app.aio.wait(lambda: "approv" in browser.bar.text(), what="the pending promotion",
                 state=browser.bar.text)
    snap(browser, "journey5-browse-releases")
    click_button(browser, "Close")

    # 4. Review and approve with the reviewer's key
    app.choose("Release", "Review Pending Release…")
    review = app.wait_window(QDialog, "Review a pending release")
    _open_destination(app, review, review.destination, folder)
    app.aio.wait(lambda: "waits for your approval on production" in review.summary.text(),
                 what="the pending release", state=review.summary.text)
    app.aio.wait(lambda: review.key.currentData() == reviewer.fingerprint,
                 what="the reviewer's key picked to sign with",
                 state=lambda: [review.key.itemText(i) for i in range(review.key.count())])
    app.aio.wait(review.approve_button.isEnabled, what="the co-sign button",
                 state=review.summary.text)
    snap(review, "journey5-review")
    click(review.approve_button)
    app.aio.wait(lambda: "Production now serves release 1" in review.bar.text(),
                 what="the approval", state=review.bar.text)
    click_button(review, "Close")

    # 5. An engineer's application reads it through the reader library (built wheel)
    pinned = tmp_path / "acme-root.json"
    pinned.write_bytes(root)
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    done = subprocess.run([sys.executable, str(script), str(folder), str(pinned)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={"PYTHONPATH": str(reader_wheel), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["release"] == 1
    assert got["messages"] == [{"role": "system", "content": "Be kind.\r\n"},
                               {"role": "user", "content": "مرحبًا Ann!  \n"}]


def test_the_app_warns_before_a_live_release_expires_and_renews_it(open_app, tmp_path,
                                                                  monkeypatch):
    from desktop.core.releases import channels

    keys.generate("Ann, laptop")
    folder = tmp_path / "shared" / "acme"
    core.create_repository(str(folder), "acme")

    def populate(ws):
        _populate(ws)
        with ws.session() as session:
            chosen = core.contents(core.choose(session, ["support/greet"]))
        published = core.publish(str(folder), chosen, channel="staging")
        core.promote(str(folder))
        with ws.session() as session:
            core.record(session, published)

    before = core.channel_expiry(str(folder), "production") if folder.exists() else None
    monkeypatch.setattr(channels, "RENEW_WARNING_DAYS", 15)  # production lives 14 days
    app = open_app(populate=populate)
    notice = app.view.notice
    app.aio.wait(lambda: "production of acme expires on" in notice.text(),
                 what="the expiry warning", state=notice.text)
    assert "apps reading it will then refuse it" in notice.text()
    before = core.channel_expiry(str(folder), "production")
    snap(app.window, "journey5-expiry-warning")
    click_button(notice, "Renew now")
    app.aio.wait(lambda: "Renewed production of acme" in notice.text(), what="the renewal",
                 state=notice.text)
    after = core.channel_expiry(str(folder), "production")
    assert after.release == before.release and after.expires >= before.expires
