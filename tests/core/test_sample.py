"""The sample workspace, built without Qt: what it holds, that the guide's counts leave it out,
that its releases verify, and that building never touches anything but its own folder."""

from __future__ import annotations

from desktop.core import providers as core_providers
from desktop.core import releases as core
from desktop.core.ops import sample
from desktop.core.ops import workspace as workspace_ops
from storage.workspace import prompts as repo
from storage.workspace import runs as run_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace


def test_the_sample_holds_history_runs_ratings_and_two_signed_releases(tmp_path, test_keyring):
    path = workspace_ops.copy_sample(tmp_path / "sample")
    assert path == tmp_path / "sample" / sample.WORKSPACE_NAME and sample.is_sample(path)
    assert not test_keyring.secrets, "the sample's signing key never goes to the keychain"
    with Workspace.open(path) as ws:
        with ws.session() as session:
            names = {p.name: p.versions for p in repo.list_prompts(session)}
            assert names == {"support/summarize-call": 3, "marketing/product-launch-email": 2,
                             "legal/contract-clause-review": 2,
                             "translation/reply-to-arabic": 2}
            arabic = repo.content_of(repo.resolve(session, "translation/reply-to-arabic"))
            assert arabic.messages[0].content.startswith("ترجم ردّ خدمة العملاء")
            runs = run_repo.list_runs(session)
            assert len(runs) == 5 and all(r.status == "finished" for r in runs)
            assert {ts.name for ts, _ in testsets.list_test_sets(session)} == {
                "support-calls", "launch-emails", "contract-clauses", "arabic-replies"}
            assert all(r.mean_score is not None for r in runs)
            prefs = [p for r in runs for p in run_repo.list_preferences(session, r.id)]
            assert {p.winner for p in prefs} == {"a", "b"}
        # Scores come from the real evaluators: the older version's summaries do not name the
        # product, so its run scores below the newer version's.
        first, second = sorted(runs, key=lambda r: r.id)[:2]
        assert first.mean_score < second.mean_score
        assert workspace_ops.progress(ws) == workspace_ops.Progress(0, 0, 0)
        core_providers.add_provider(ws, "mine", "openai/gpt-4o")
        assert workspace_ops.progress(ws).providers == 1
    listing = core.list_releases(str(tmp_path / "sample" / sample.RELEASES))
    assert [(r.release, r.prompts, r.author) for r in listing.releases] == [
        (2, 3, "Sample release key"), (1, 2, "Sample release key")]
    assert listing.releases[0].channels == ("production",)
    # Fetching verifies every signature and hash, as an engineer's reader does.
    fetched = core.fetch_release(str(tmp_path / "sample" / sample.RELEASES), 2)
    assert "legal/contract-clause-review" in fetched.prompts
    assert listing.project == "acme-help-centre"


def test_a_second_copy_reuses_the_first_and_an_unfinished_one_is_rebuilt(tmp_path):
    folder = tmp_path / "sample"
    path = workspace_ops.copy_sample(folder)
    with Workspace.open(path) as ws:  # what the person did in the sample is kept
        core_providers.add_provider(ws, "mine", "openai/gpt-4o")
    assert workspace_ops.copy_sample(folder) == path
    with Workspace.open(path) as ws:
        assert "mine" in {p.name for p in core_providers.list_providers(ws)}
    (folder / sample.MARKER).unlink()  # as if the app died while building it
    assert not sample.is_sample(path)
    workspace_ops.copy_sample(folder)
    with Workspace.open(path) as ws:
        assert "mine" not in {p.name for p in core_providers.list_providers(ws)}
    assert sample.is_sample(path)


def test_another_workspace_is_no_sample(tmp_path):
    with Workspace.open(tmp_path / "sample.promptpress") as ws:  # the same name, elsewhere
        assert not sample.is_sample(ws.path)
        assert sample.premade(ws.path) == sample.Premade()


def test_a_folder_with_other_files_is_never_cleared(tmp_path):
    import pytest

    folder = tmp_path / "sample"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(sample.SampleError, match="notes.txt"):
        workspace_ops.copy_sample(folder)
    assert (folder / "notes.txt").read_text() == "mine"
    (tmp_path / "file").write_text("mine")
    with pytest.raises(sample.SampleError, match="not a folder"):
        workspace_ops.copy_sample(tmp_path / "file")
    assert (tmp_path / "file").read_text() == "mine"
