"""Channels from the author's side: two signatures before production moves, review with the
exact diff, approve and reject, promote, roll back; pulling a release into the history; the
gate of test results shown before publishing."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from desktop.core import releases as core
from desktop.core.releases import GateStatus
from storage.releases import NothingPending, Reader
from storage.workspace import prompts as repo
from storage.workspace.models import Release, Result, Run, TestSet
from storage.workspace.runs import FINISHED
from tests.core.test_releases_support import (  # noqa: F401  (fixtures)
    author_key, blank_workspace, new_workspace, reviewer_key, save, workspace)


@pytest.fixture
def reviewed(tmp_path, author_key, reviewer_key):
    """A repository whose production channel needs the author's and the reviewer's keys."""
    dest = tmp_path / "repo"
    created = core.create_repository(
        str(dest), "acme", channels=[("staging", 1), ("production", 2)],
        reviewers=[core.keys.read_public_key(reviewer_key.fingerprint)])
    return str(dest), created.root_bytes


def publish(workspace, dest, refs, channel):
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, refs))
    published = core.publish(dest, chosen, channel=channel, author="Ann")
    with workspace.session() as session:
        core.record(session, published)
    return published


def test_production_does_not_move_until_the_reviewer_co_signs(
        workspace, reviewed, author_key, reviewer_key, tmp_path):
    dest, root = reviewed
    save(workspace, "greet", "Hello {{ name }}")
    first = publish(workspace, dest, ["greet"], "production")
    assert first.result.pending and "goes live when a reviewer co-signs" in first.describe()
    reader = Reader(dest, root, channel="production", refresh=False, cache_dir=tmp_path / "c")
    with pytest.raises(Exception, match="no release"):
        reader.refresh()
    review = core.pending_review(dest, "production")
    assert review.signers == (author_key.describe(),) and (review.signed, review.needed) == (1, 2)
    assert "Nothing is live on production yet" in review.describe()
    # The author cannot approve with their own key again (it counts once).
    with pytest.raises(core.SigningKeyError, match="already signed"):
        core.approve(review)
    approved = core.approve(review, key=reviewer_key.fingerprint)
    assert not approved.result.pending and approved.result.signatures == 2
    reader.refresh()
    assert reader.release == 1 and reader.get("greet").render(name="x")[1]["content"] == "Hello x"

    # Release 2 changes greet: the reviewer sees exactly that, down to the word.
    save(workspace, "greet", "Hello {{ name }}, welcome")
    save(workspace, "faq", "Ask")
    publish(workspace, dest, ["greet", "faq"], "production")
    review = core.pending_review(dest, "production")
    assert [(c.name, c.kind.value) for c in core.changed_prompts(review)] == [
        ("greet", "changed"), ("faq", "added")]
    diff = review.changes[0].diff()
    assert diff.changed and ", welcome" in "".join(
        s.text for m in diff.messages for s in m.text.inline if s.kind.value == "insert")
    assert not reader.refresh() and reader.release == 1
    core.reject(review)
    with pytest.raises(NothingPending, match="Nothing waits for approval on production"):
        core.pending_review(dest, "production")
    assert Reader(dest, root, channel="production").release == 1


def test_approving_a_release_that_changed_since_review_signs_nothing(
        workspace, reviewed, reviewer_key):
    dest, _ = reviewed
    save(workspace, "greet", "v1")
    publish(workspace, dest, ["greet"], "production")
    seen = core.pending_review(dest, "production")
    save(workspace, "greet", "v2")
    publish(workspace, dest, ["greet"], "production")  # the author replaces the proposal
    with pytest.raises(core.ReleaseError, match="review it again. Nothing was signed"):
        core.approve(seen, key=reviewer_key.fingerprint)


def test_promote_and_rollback(workspace, tmp_path, author_key, new_workspace):
    dest = str(tmp_path / "repo")
    core.create_repository(dest, "acme")
    root = core.root_file(dest)
    save(workspace, "greet", "one")
    publish(workspace, dest, ["greet"], "staging")
    promoted = core.promote(dest)
    assert (promoted.channel, promoted.release) == ("production", 1)
    save(workspace, "greet", "two")
    publish(workspace, dest, ["greet"], "staging")
    core.promote(dest, from_channel="staging", to_channel="production")
    reader = Reader(dest, root)
    assert reader.release == 2
    rolled = core.rollback(dest, "production", 1)
    assert (rolled.release, rolled.result.pointer_version) == (1, 3)
    assert reader.refresh() and reader.release == 1
    assert reader.get("greet").render(name="")[1]["content"] == "one"
    with workspace.session() as session:
        core.record(session, rolled)
        row = session.query(Release).filter_by(number=1).one()
        assert row.channel == "staging, production"
    with pytest.raises(Exception, match="no release 9"):
        core.rollback(dest, "production", 9)


def test_pull_a_release_into_the_history(workspace, new_workspace, tmp_path, author_key):
    dest = str(tmp_path / "repo")
    core.create_repository(dest, "acme")
    vid = save(workspace, "support/greet", "Hello")
    save(workspace, "support/إغلاق", "وداعا")  # a right-to-left name travels too
    publish(workspace, dest, ["support/greet", "support/إغلاق"], "staging")
    colleague = new_workspace("colleague")
    release = core.fetch_release(dest, 1)
    with colleague.session() as session:
        outcome = core.pull(session, release, dest, author="Bo", channels=("staging",))
    assert outcome.describe() == "Pulled release 1 of acme: 2 versions added to your history."
    with colleague.session() as session:
        version = repo.resolve(session, "support/greet")
        assert version.version_id == vid
        assert version.message == "Pulled from release 1 of acme" and version.author == "Bo"
        assert session.query(Release).one().channel == "staging"
        again = core.pull(session, release, dest)
    assert again.added == () and len(again.present) == 2
    listing = core.list_releases(dest)
    assert [line.describe() for line in listing.channels] == [
        "production: no release yet", "staging: release 1"]
    assert "release 1: 2 prompts, by Ann" in core.describe_release(listing.releases[0])


def _run(session, test_set, versions, scores, *, gate):
    run = Run(test_set_id=test_set.id, status=FINISHED, settings={
        "versions": [{"pk": v.pk, "version_id": v.version_id, "prompt": v.prompt.name}
                     for v in versions],
        "providers": [{"name": "p", "model": "m"}], "case_ids": [1], "gate": gate},
        finished_at=datetime.now(timezone.utc))
    session.add(run)
    session.flush()
    for v, score in zip(versions, scores):
        session.add(Result(run_id=run.id, version_pk=v.pk, provider="p", score=score, row=0,
                           output="x"))
    session.flush()


def test_gate_per_version(workspace):
    save(workspace, "greet", "one")
    save(workspace, "greet", "two")
    save(workspace, "close", "bye")
    save(workspace, "untested", "x")
    with workspace.session() as session:
        greet = repo.version_history(session, repo.require_prompt(session, "greet"))
        new, old = greet[0], greet[1]
        close = repo.resolve(session, "close")
        smoke = TestSet(name="greet smoke", prompt_id=new.prompt_id, min_score=0.8)
        tone = TestSet(name="tone", prompt_id=new.prompt_id, min_score=None)
        close_set = TestSet(name="close set", prompt_id=close.prompt_id, min_score=0.5)
        session.add_all([smoke, tone, close_set])
        session.flush()
        _run(session, smoke, [old, new], [0.5, 0.9], gate=0.8)
        _run(session, tone, [new], [0.7], gate=None)
        choices = {c.name: c for c in core.choose(session, ["greet", "close", "untested"])}
        old_gate = core.gates(session, [old.pk])[old.pk]
    greet_gate = choices["greet"].gate
    assert greet_gate.status is GateStatus.PASSED and greet_gate.label == "Passed 1/1"
    assert "greet smoke: passed, score 0.90 ≥ 0.8" in greet_gate.describe()
    assert "tone: score 0.70 (no minimum set)" in greet_gate.describe()
    assert old_gate.status is GateStatus.FAILED and "score 0.50 < 0.8" in old_gate.describe()
    assert choices["close"].gate.status is GateStatus.NOT_RUN
    assert "close set: not run on this version" in choices["close"].gate.describe()
    assert choices["untested"].gate.status is GateStatus.NO_TESTS


def test_expiring_channels_warn_before_readers_refuse_the_release(workspace, tmp_path,
                                                                  author_key):
    import time

    DAY = 86_400
    dest = str(tmp_path / "repo")
    core.create_repository(dest, "acme")
    save(workspace, "greet", "one")
    publish(workspace, dest, ["greet"], "staging")
    assert core.channel_expiry(dest, "production") is None  # nothing live there yet
    core.promote(dest)
    start = int(time.time())
    production = core.channel_expiry(dest, "production")
    assert production.release == 1 and production.lifetime == 14 * DAY
    assert abs(production.expires - (start + 14 * DAY)) < 120  # production: 14 days
    assert abs(core.channel_expiry(dest, "staging").expires - (start + 90 * DAY)) < 120
    assert core.expiring_channels(dest, now=start) == []
    assert core.RENEW_WARNING_DAYS == 4
    soon = core.expiring_channels(dest, now=production.expires - 3 * DAY + 3600)
    assert [e.channel for e in soon] == ["production"]
    assert soon[0].within(4) and not soon[0].within(2) and not soon[0].expired
    text = soon[0].describe()
    assert "Release 1 on production of acme expires on" in text and "(in 2 days)" in text
    assert f"promptpress release renew --to {dest} --channel production" in text
    assert "for 14 more days" in text
    late = core.expiring_channels(dest, within_days=0, now=production.expires + 1)
    assert [e.channel for e in late] == ["production"] and late[0].expired
    assert "expired on" in late[0].describe() and "readers refuse it" in late[0].describe()
    everything = core.expiring_channels(dest, within_days=100, now=start)
    assert [e.channel for e in everything] == ["production", "staging"]  # soonest first
    # Renewing gives production another 14 days from now (the CLI's `release renew` too).
    renewed = core.renew(dest, "production")
    assert renewed.result.pointer_version == 2
    assert core.channel_expiry(dest, "production").expires >= production.expires
    with pytest.raises(core.ReleaseError, match="not 'other'"):
        core.expiring_channels(dest, project="other")
