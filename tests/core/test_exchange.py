"""Export and import of Promptpress files: every version comes back with the same id, parent,
author, message and time; edits become versions; import never overwrites."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core import promptfile
from desktop.core.exchange import ExchangeError, export_prompts, import_paths
from desktop.core.exchange.native import decode_part, encode_part
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace
from tests.storage.test_content import contents, text


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    """An empty workspace at head, copied for each use (migrations take a while)."""
    path = tmp_path_factory.mktemp("blank") / "blank.promptpress"
    Workspace.open(path).close()
    return path


class Fresh:
    def __init__(self, blank, folder):
        self.blank, self.folder, self.n = blank, folder, 0

    def __call__(self) -> Workspace:
        self.n += 1
        path = self.folder / f"w{self.n}.promptpress"
        shutil.copy(self.blank, path)
        return Workspace.open(path)


@pytest.fixture
def fresh(blank, tmp_path):
    return Fresh(blank, tmp_path)


def c(text_: str) -> PromptContent:
    return promptfile.with_detected_variables(
        PromptContent(messages=[Message("system", "Be brief."), Message("user", text_)]))


def snapshot(ws: Workspace) -> dict:
    """Everything import must reproduce, per prompt."""
    out = {}
    with ws.session() as s:
        for summary in repo.list_prompts(s):
            prompt = repo.require_prompt(s, summary.name)
            rows = repo.history_rows(s, prompt)
            out[summary.name] = {
                "description": prompt.description,
                "current": summary.latest_id,
                "versions": sorted((r.version_id, r.parent_id, r.author, r.message, r.created_at)
                                   for r in rows if r.kind == "saved"),
                "events": sorted((r.kind, r.version_id, r.author, r.message, r.created_at)
                                 for r in rows if r.kind != "saved"),
            }
    return out


def seed(ws: Workspace, name: str, versions: list[PromptContent], *, start: datetime,
         authors, messages, parents, description: str = "") -> list[str]:
    ids = []
    with ws.session() as s:
        prompt = repo.get_prompt(s, name) or repo.create_prompt(s, name, description=description)
        saved = []
        for i, content in enumerate(versions):
            parent = saved[parents[i] % len(saved)] if saved and parents[i] >= 0 else None
            outcome = repo.import_version(
                s, prompt, content, parent=parent, author=authors[i % len(authors)],
                message=messages[i % len(messages)],
                created_at=start + timedelta(seconds=i * 7, microseconds=i * 13))
            if outcome.created:
                saved.append(outcome.version)
            ids.append(outcome.version.version_id)
    return ids


names = st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._%:?*-]{0,8}", fullmatch=True)
                 .filter(lambda p: p.strip() == p and p not in (".", "..")),
                 min_size=1, max_size=3).map("/".join)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    prompts=st.dictionaries(names, st.lists(contents, min_size=1, max_size=5),
                            min_size=1, max_size=3).filter(
        lambda d: len({k.casefold() for k in d}) == len(d)
        and not any(a != b and b.startswith(a + "/") for a in d for b in d)),
    authors=st.lists(text, min_size=1, max_size=3),
    messages=st.lists(text, min_size=1, max_size=3),
    parents=st.lists(st.integers(-1, 5), min_size=5, max_size=5),
    description=text,
    restore=st.booleans(),
)
def test_export_then_import_into_a_fresh_workspace_gives_identical_versions(
        fresh, tmp_path_factory, prompts, authors, messages, parents, description, restore):
    source = fresh()
    start = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
    for name, versions in prompts.items():
        ids = seed(source, name, versions, start=start, authors=authors, messages=messages,
                   parents=parents, description=description)
        if restore and len(set(ids)) > 1:
            with source.session() as s:
                repo.restore_version(s, repo.resolve(s, f"{name}@{ids[0]}"), author="r")
    folder = tmp_path_factory.mktemp("export")
    with source.session() as s:
        report = export_prompts(s, folder)
    assert len(report.prompts) == len(prompts)
    target = fresh()
    result = import_paths(target, [folder], author="importer")
    assert not result.failed, [f.lines() for f in result.failed]
    assert snapshot(target) == snapshot(source)
    # Importing the same files again adds nothing.
    again = import_paths(target, [folder], author="importer")
    assert again.added == 0 and {f.status for f in again.files} == {"unchanged"}
    source.close()
    target.close()


def test_export_layout_and_a_hand_edit_becomes_a_new_version(fresh, tmp_path):
    ws = fresh()
    seed(ws, "support/greet", [c("Hello {{ name }}"), c("Hi {{ name }}")],
         start=datetime(2026, 1, 1, tzinfo=timezone.utc), authors=["ann"], messages=["m"],
         parents=[-1, 0], description="Greets")
    seed(ws, "solo", [c("x")], start=datetime(2026, 1, 2, tzinfo=timezone.utc),
         authors=["bob"], messages=["n"], parents=[-1])
    out = tmp_path / "out"
    with ws.session() as s:
        report = export_prompts(s, out, ["support"])
    assert [p.name for p in report.prompts] == ["support/greet"]
    prompt_file = out / "support" / "greet.prompt"
    history_file = out / "support" / "greet.history.json"
    assert promptfile.load(prompt_file).content == c("Hi {{ name }}")
    doc = json.loads(history_file.read_text("utf-8"))
    assert doc["format"] == "promptpress.history/1" and len(doc["versions"]) == 2

    prompt_file.write_text(prompt_file.read_text("utf-8").replace("Hi {{ name }}",
                                                                  "Hi {{ name }}! "), "utf-8")
    result = import_paths(ws, [out], author="carol")
    (item,) = result.files
    assert (item.status, item.added, item.present) == ("imported", 1, 2)
    with ws.session() as s:
        current = repo.resolve(s, "support/greet")
        assert repo.content_of(current) == c("Hi {{ name }}! ")
        assert current.parent.message == "m" and current.author == "carol"
        assert current.message.startswith("Edited in")


def test_export_refuses_to_overwrite_other_content_and_case_clashes(fresh, tmp_path):
    ws = fresh()
    seed(ws, "a", [c("1")], start=datetime(2026, 1, 1, tzinfo=timezone.utc), authors=["x"],
         messages=["m"], parents=[-1])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.prompt").write_text("mine")
    with ws.session() as s, pytest.raises(ExchangeError, match="Nothing was written"):
        export_prompts(s, out)
    assert (out / "a.prompt").read_text() == "mine" and not (out / "a.history.json").exists()
    with ws.session() as s:
        assert export_prompts(s, out, overwrite=True).prompts[0].written
        assert not export_prompts(s, out).prompts[0].written  # identical: left alone
    seed(ws, "A", [c("2")], start=datetime(2026, 1, 1, tzinfo=timezone.utc), authors=["x"],
         messages=["m"], parents=[-1])
    with ws.session() as s, pytest.raises(ExchangeError, match="upper/lower case"):
        export_prompts(s, tmp_path / "other")
    with ws.session() as s, pytest.raises(repo.PromptError, match="no prompt or folder"):
        export_prompts(s, tmp_path / "x", ["nope"])


def test_import_keeps_the_current_version_when_histories_diverge(fresh, tmp_path):
    base = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ours = fresh()
    seed(ours, "p", [c("one"), c("two")], start=base, authors=["a"], messages=["m"],
         parents=[-1, 0])
    out = tmp_path / "out"
    with ours.session() as s:
        export_prompts(s, out)
    # A colleague continues from the export: importing it back fast-forwards.
    theirs = fresh()
    import_paths(theirs, [out])
    later = tmp_path / "later"
    with theirs.session() as s:
        repo.save_version(s, "p", c("three"), author="b")
        export_prompts(s, later)
    report = import_paths(ours, [later])
    with ours.session() as s:
        assert repo.content_of(repo.resolve(s, "p")) == c("three")
    # Meanwhile we saved something else: their newer history does not replace our current one.
    with ours.session() as s:
        repo.save_version(s, "p", c("ours"), parent=repo.resolve(s, "p@latest").parent)
    with theirs.session() as s:
        repo.save_version(s, "p", c("four"))
        export_prompts(s, later, overwrite=True)
    report = import_paths(ours, [later])
    (item,) = report.files
    assert item.added == 1 and any("stays the current version" in n for n in item.notes.changed)
    with ours.session() as s:
        assert repo.content_of(repo.resolve(s, "p")) == c("ours")


def test_import_into_an_existing_prompt_only_adds(fresh, tmp_path):
    ws = fresh()
    seed(ws, "p", [c("mine")], start=datetime(2026, 1, 1, tzinfo=timezone.utc), authors=["a"],
         messages=["m"], parents=[-1])
    f = tmp_path / "p.prompt"
    f.write_text(promptfile.dumps(c("from a file")))
    report = import_paths(ws, [f], author="z")
    assert report.files[0].added == 1
    with ws.session() as s:
        rows = repo.history_rows(s, repo.require_prompt(s, "p"))
        assert [r.author for r in rows] == ["z", "a"]
        assert rows[0].parent_id == rows[1].version_id and rows[0].is_current
    again = import_paths(ws, [f])
    assert again.files[0].status == "unchanged"


def test_dry_run_changes_nothing(fresh, tmp_path):
    ws = fresh()
    f = tmp_path / "new.prompt"
    f.write_text(promptfile.dumps(c("x")))
    report = import_paths(ws, [f], dry_run=True)
    assert report.dry_run and report.added == 1
    with ws.session() as s:
        assert repo.list_prompts(s) == []


def test_discovery_names_skips_and_failures(fresh, tmp_path):
    root = tmp_path / "lib"
    (root / "support").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.prompt").write_text("hidden")
    (root / "support" / "greet.prompt").write_text(promptfile.dumps(c("hi")))
    (root / "README.md").write_text("# prompts")
    (root / "broken.prompt").write_text('---\nmodel: [\n---\n{{role "user"}}\nx\n')
    (root / "bad%40name.prompt").write_text(promptfile.dumps(c("y")))
    ws = fresh()
    report = import_paths(ws, [root, tmp_path / "missing"], into="imported")
    by_label = {f.label.replace(str(tmp_path), ""): f for f in report.files}
    assert by_label["/lib/support/greet.prompt"].name == "imported/support/greet"
    assert by_label["/lib/README.md"].status == "skipped"
    assert by_label["/lib/broken.prompt"].status == "failed"
    assert "line" in by_label["/lib/broken.prompt"].error
    assert by_label["/lib/bad%40name.prompt"].status == "failed"  # '@' is not allowed in names
    assert by_label["/missing"].status == "failed"
    assert not any("HEAD" in k for k in by_label)
    with ws.session() as s:
        assert [p.name for p in repo.list_prompts(s)] == ["imported/support/greet"]


def test_a_tampered_history_is_imported_under_its_real_id_and_reported(fresh, tmp_path):
    ws = fresh()
    seed(ws, "p", [c("one")], start=datetime(2026, 1, 1, tzinfo=timezone.utc), authors=["a"],
         messages=["m"], parents=[-1])
    out = tmp_path / "out"
    with ws.session() as s:
        export_prompts(s, out)
    history = out / "p.history.json"
    history.write_text(history.read_text("utf-8").replace('"one"', '"uno"'), "utf-8")
    (out / "p.prompt").unlink()
    target = fresh()
    report = import_paths(target, [out])
    (item,) = report.files
    assert item.added == 1
    assert any("does not match its id" in n for n in item.notes.changed)


@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
               min_size=1))
def test_file_name_encoding_round_trips(part):
    encoded = encode_part(part)
    assert decode_part(encoded) == part
    assert not set('<>:"|?*\\') & set(encoded)
    assert not encoded.endswith((".", " "))


def test_a_broken_edit_still_imports_the_history_and_says_so(fresh, tmp_path):
    ws = fresh()
    seed(ws, "p", [c("one"), c("two")], start=datetime(2026, 1, 1, tzinfo=timezone.utc),
         authors=["a"], messages=["m"], parents=[-1, 0])
    out = tmp_path / "out"
    with ws.session() as s:
        export_prompts(s, out)
    (out / "p.prompt").write_text('---\n---\n{{role "user"}}\nHello {{ name \n')
    target = fresh()
    (item,) = import_paths(target, [out]).files
    assert item.status == "imported" and item.added == 2
    assert any("the edit in" in n for n in item.notes.skipped)


def test_line_endings_changed_by_git_are_a_new_version_and_named(fresh, tmp_path):
    ws = fresh()
    seed(ws, "p", [c("one\ntwo")], start=datetime(2026, 1, 1, tzinfo=timezone.utc),
         authors=["a"], messages=["m"], parents=[-1])
    out = tmp_path / "out"
    with ws.session() as s:
        export_prompts(s, out)
    f = out / "p.prompt"
    f.write_bytes(f.read_bytes().replace(b"\n", b"\r\n"))
    (item,) = import_paths(ws, [out]).files
    assert item.added == 1 and any("line endings" in n for n in item.notes.changed)
    with ws.session() as s:
        assert repo.content_of(repo.resolve(s, "p")).messages[1].content == "one\r\ntwo"
