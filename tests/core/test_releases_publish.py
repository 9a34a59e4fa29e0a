"""Publishing from the workspace: to a folder and to nginx, read back by a fresh reader;
idempotence; a second publisher is told the channel moved and can rebase; the workspace
remembers what it published; the gate."""

from __future__ import annotations

import pytest

from desktop.core import version_history
from desktop.core import releases as core
from storage.releases import Reader
from storage.releases.errors import WrongChannelError
from storage.workspace.models import Release
from tests.core.test_releases_support import (  # noqa: F401  (fixtures)
    author_key, blank_workspace, content, new_workspace, reviewer_key, save, workspace)
from tests.support.nginx import nginx  # noqa: F401


@pytest.fixture
def repo_dir(tmp_path, author_key):
    dest = tmp_path / "shared" / "acme-prompts"
    core.create_repository(str(dest), "acme")
    return dest


def publish_refs(workspace, dest, refs, channel="staging", **options):
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, refs))
    published = core.publish(str(dest), chosen, channel=channel, project="acme", author="Ann",
                             **options)
    with workspace.session() as session:
        core.record(session, published)
    return published


def test_publish_to_a_folder_and_a_fresh_reader_renders_it(workspace, repo_dir):
    v1 = save(workspace, "support/greet", "Hello {{ name }}")
    save(workspace, "support/close", "Bye {{ name }}")
    published = publish_refs(workspace, repo_dir, ["support/greet", "support/close"])
    assert (published.release, published.channel, published.result.pending) == (1, "staging",
                                                                                 False)
    assert "Staging now serves release 1" in published.describe()
    reader = Reader(repo_dir, (repo_dir / "root" / "1.root.json").read_bytes(), channel="staging")
    prompt = reader.get("support/greet")
    assert prompt.version_id == v1
    assert prompt.render(name="Ann") == [{"role": "system", "content": "Be brief.\r\n"},
                                         {"role": "user", "content": "Hello Ann"}]
    # The workspace remembers it, and the history panel shows it beside the version.
    with workspace.session() as session:
        row = session.query(Release).one()
        assert (row.project, row.number, row.channel) == ("acme", 1, "staging")
        assert row.destination == str(repo_dir) and row.prompts["support/greet"] == v1
        entry = version_history.version_history(session, "support/greet")[0]
        assert [(r.number, r.channel) for r in entry.releases] == [(1, "staging")]


def test_the_release_author_is_the_signing_keys_label_not_the_os_user(
        workspace, repo_dir, author_key, monkeypatch):
    from desktop.core.identity import author_name
    monkeypatch.setenv("PROMPTPRESS_AUTHOR", "ann.os-login")
    save(workspace, "greet", "Hello")
    with workspace.session() as session:
        chosen = core.contents(core.choose(session, ["greet"]))
    published = core.publish(str(repo_dir), chosen, channel="staging", author=author_name())
    assert published.author == author_key.label == "Ann, laptop"
    manifest = core.fetch_release(str(repo_dir), 1).manifest
    assert manifest.author == "Ann, laptop"  # signed into the manifest
    with workspace.session() as session:
        assert core.record(session, published).author == "Ann, laptop"
    assert "by Ann, laptop" in core.describe_release(core.list_releases(str(repo_dir)).releases[0])


def test_publishing_the_same_prompts_again_changes_nothing(workspace, repo_dir):
    save(workspace, "greet", "Hello")
    publish_refs(workspace, repo_dir, ["greet"])
    pointer = (repo_dir / "channels" / "staging.json").read_bytes()
    again = publish_refs(workspace, repo_dir, ["greet"])
    assert again.result.changed is False and again.release == 1
    assert (repo_dir / "channels" / "staging.json").read_bytes() == pointer


def test_publish_to_nginx_and_read_over_http(nginx, workspace, author_key, tmp_path):
    url = nginx.url + "acme"
    created = core.create_repository(url, "acme")
    assert created.root_location == nginx.url + "acme/root/1.root.json"
    save(workspace, "support/greet", "Hello {{ name }}")
    steps = []
    published = publish_refs(workspace, url, ["support/greet"], channel="production",
                             progress=lambda what, done, total: steps.append((what, done, total)))
    assert published.release == 1 and ("Writing the prompts", 1, 1) in steps
    reader = Reader(url, created.root_bytes, channel="production", cache_dir=tmp_path / "cache")
    assert reader.get("support/greet").render(name="Bo")[1]["content"] == "Hello Bo"
    listing = core.list_releases(url)
    assert listing.project == "acme" and listing.releases[0].channels == ("production",)


def test_a_second_publisher_is_told_the_channel_moved_and_can_rebase(
        new_workspace, repo_dir, author_key):
    ann, bob = new_workspace("ann"), new_workspace("bob")
    save(ann, "greet", "Hello")
    save(ann, "close", "Bye")
    publish_refs(ann, repo_dir, ["greet", "close"])  # release 1
    # Bob starts from release 1 and pulls it.
    live = core.read_channel(str(repo_dir), "staging", project="acme")
    with bob.session() as session:
        core.pull(session, core.fetch_release(str(repo_dir), 1), str(repo_dir), author="Bob")
    save(bob, "greet", "Hello there")
    # Meanwhile Ann publishes release 2: she changes "close" and adds "faq".
    save(ann, "close", "Goodbye")
    save(ann, "faq", "Ask me")
    publish_refs(ann, repo_dir, ["greet", "close", "faq"])
    pointer = (repo_dir / "channels" / "staging.json").read_bytes()
    with bob.session() as session:
        mine = core.contents(core.choose(session, ["greet", "close"]))
    with pytest.raises(core.ChannelMovedError) as caught:
        core.publish(str(repo_dir), mine, channel="staging", project="acme", base=live)
    assert (repo_dir / "channels" / "staging.json").read_bytes() == pointer  # not overwritten
    moved = caught.value.moved
    assert "published release 2 to staging while you prepared yours" in str(caught.value)
    assert {(c.name, c.kind.value) for c in moved.theirs} == {("close", "changed"),
                                                             ("faq", "added")}
    # On top of release 2: Ann's close and faq stay, Bob's greet goes in.
    assert {n: c.messages[1].content for n, c in moved.rebased.items()} == {
        "greet": "Hello there", "close": "Goodbye", "faq": "Ask me"}
    assert moved.conflicts == ()
    published = core.publish(str(repo_dir), dict(moved.rebased), channel="staging",
                             project="acme", base=moved.now)
    assert published.release == 3


def test_rebase_three_ways():
    a, b, c = content("a"), content("b"), content("c")
    seen = {"x": a, "y": a, "z": a}
    mine = {"x": b, "y": a, "new": c}  # changed x, removed z, added new
    now = {"x": c, "y": b, "z": a, "theirs": a}  # they changed x and y, added theirs
    merged, conflicts = core.rebase(seen, mine, now)
    assert merged == {"x": b, "y": b, "new": c, "theirs": a}
    assert conflicts == ("x",)


def test_compare_and_summary():
    a, b = content("a"), content("b")
    changes = core.compare({"same": a, "edited": a, "gone": a}, {"same": a, "edited": b, "new": b})
    assert [(c.name, c.kind.value) for c in changes] == [
        ("edited", "changed"), ("new", "added"), ("gone", "removed"), ("same", "unchanged")]
    assert core.summary(changes) == "1 changed, 1 added, 1 removed, 1 unchanged"
    assert changes[0].diff().changed and changes[1].diff() is None


def test_wrong_project_channel_or_name_are_explained(workspace, repo_dir):
    save(workspace, "greet", "Hello")
    with pytest.raises(core.ReleaseError, match="holds the releases of project 'acme'"):
        core.read_channel(str(repo_dir), "staging", project="other")
    with pytest.raises(WrongChannelError, match="defines no channel 'qa'"):
        core.read_channel(str(repo_dir), "qa")
    with pytest.raises(core.ReleaseError, match="at least one prompt"):
        core.publish(str(repo_dir), {}, channel="staging")
    with pytest.raises(core.ReleaseError, match="cannot be published"):
        core.publish(str(repo_dir), {"a:b": content("x")}, channel="staging")
    second = save(workspace, "greet", "Hello again")
    with pytest.raises(core.ReleaseError, match="listed twice, at two versions"):
        with workspace.session() as session:
            core.choose(session, ["greet@latest", f"greet@{_first(session)[:8]}"])
    with workspace.session() as session:
        assert [c.version_id for c in core.choose(session, ["greet", f"greet@{second}"])] == \
            [second]


def _first(session):
    from storage.workspace import prompts as repo

    return repo.version_history(session, repo.require_prompt(session, "greet"))[-1].version_id


def test_create_repository_checks_its_channels(tmp_path, author_key, reviewer_key):
    with pytest.raises(core.ReleaseError, match="needs 2 signatures but only 1 key"):
        core.create_repository(str(tmp_path / "r1"), "acme", channels=[("production", 2)])
    with pytest.raises(core.ReleaseError, match="production:2"):
        core.create_repository(str(tmp_path / "r2"), "acme", reviewers=[
            core.keys.read_public_key(reviewer_key.fingerprint)])
    with pytest.raises(core.ReleaseError, match="1 to 9"):
        core.parse_channel("production:x")
    created = core.create_repository(
        str(tmp_path / "r3"), "acme", channels=[("staging", 1), ("production", 2)],
        reviewers=[core.keys.read_public_key(reviewer_key.fingerprint)])
    root = created.root
    assert root.channels["production"].threshold == 2
    assert reviewer_key.fingerprint in root.channels["production"].keyids
    assert reviewer_key.fingerprint not in root.channels["staging"].keyids
    assert reviewer_key.fingerprint not in root.release.keyids
    assert "Engineers pin" in created.describe()
