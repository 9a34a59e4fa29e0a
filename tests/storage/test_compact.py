"""Compacting a workspace (VACUUM): frees the pages deleted rows left, keeps every row, and a
cancelled compaction changes nothing."""

from __future__ import annotations

import pytest

from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.compact import CompactError, compact_workspace, workspace_size
from storage.workspace.db import Workspace

BIG = "Réponds poliment. مرحبا 🎉\n" * 3000


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(tmp_path / "compact.promptpress")
    with workspace.session() as s:
        for k in range(10):
            repo.save_version(s, f"bulk/p{k}", PromptContent(messages=[Message("system",
                                                                               BIG + str(k))]))
        repo.save_version(s, "kept", PromptContent(messages=[Message("user", "  שלום \r\n")]))
    with workspace.session() as s:
        for k in range(10):
            repo.delete_prompt(s, f"bulk/p{k}")
        repo.purge_deleted(s)
    yield workspace
    workspace.close()


def test_compact_frees_space_and_keeps_the_rest(ws):
    info = compact_workspace(ws)
    assert info.before > info.after and info.freed == info.before - info.after
    assert info.after == workspace_size(ws.path)
    with ws.session() as s:
        assert repo.content_of(repo.resolve(s, "kept")).messages[0].content == "  שלום \r\n"
        assert repo.search(s, "שלום")  # the search index survives the VACUUM
        assert [p.name for p in repo.list_prompts(s)] == ["kept"]


def test_a_cancelled_compaction_changes_nothing(ws):
    before = workspace_size(ws.path)
    with pytest.raises(CompactError, match="cancelled"):
        compact_workspace(ws, cancelled=lambda: True)
    assert workspace_size(ws.path) == before
    with ws.session() as s:
        assert [p.name for p in repo.list_prompts(s)] == ["kept"]
    assert compact_workspace(ws).freed > 0  # and it can be done afterwards
