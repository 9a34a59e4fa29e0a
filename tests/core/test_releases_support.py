"""Shared fixtures for the release workflow tests (imported by tests/core/test_releases_*.py).

Keys are generated into the test keyring (tests/conftest.py: in memory, never the real one);
workspaces are copies of one migrated blank file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.releases import keys
from storage.releases.content import Message, PromptContent, Variable
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace


@pytest.fixture(scope="session")
def blank_workspace(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("blank") / "blank.promptpress"
    Workspace.open(path).close()
    return path


@pytest.fixture
def new_workspace(blank_workspace, tmp_path):
    """new_workspace("name") -> an open Workspace (closed after the test)."""
    opened = []

    def make(name: str = "ws") -> Workspace:
        path = tmp_path / f"{name}.promptpress"
        shutil.copy(blank_workspace, path)
        ws = Workspace.open(path)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture
def workspace(new_workspace) -> Workspace:
    return new_workspace("author")


@pytest.fixture
def author_key() -> keys.KeyInfo:
    return keys.generate("Ann, laptop")  # the first key: the default


@pytest.fixture
def reviewer_key(author_key) -> keys.KeyInfo:
    return keys.generate("Rami, reviewer")


def content(text: str, model: str = "openai/gpt-4o-mini") -> PromptContent:
    return PromptContent(messages=(Message("system", "Be brief.\r\n"),
                                   Message("user", text)),
                         model=model, parameters={"temperature": 0.2},
                         variables=(Variable("name", "who"),))


def save(workspace: Workspace, name: str, text: str, message: str = "") -> str:
    with workspace.session() as session:
        return repo.save_version(session, name, content(text), message=message,
                                 author="Ann").version.version_id
