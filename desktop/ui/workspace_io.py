"""The workspace reads and writes behind the workspace view, run on its writer thread.

Plain functions over a `Workspace`: no widgets here, so they can run off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from desktop.core import providers as core_providers
from storage.workspace import drafts as draft_repo
from storage.workspace import prompts as prompt_repo
from storage.workspace.db import Workspace
from storage.workspace.models import TestCase, TestSet

from .browser import PromptEntry, load_entries
from .playground.state import TabState

TEST_ROWS_SHOWN = 30


@dataclass(frozen=True)
class Loaded:
    entries: list[PromptEntry]
    folders: list[str]
    drafts: list[draft_repo.DraftRecord]
    providers: list
    test_sets: list[tuple[str, list[tuple[int, dict]]]]


def read_workspace(workspace: Workspace) -> Loaded:
    entries, folders = load_entries(workspace)
    with workspace.session() as session:
        drafts = draft_repo.open_drafts(session)
    providers = core_providers.list_providers(workspace)
    return Loaded(entries, folders, drafts, providers, read_test_sets(workspace))


def read_test_sets(workspace: Workspace) -> list[tuple[str, list[tuple[int, dict]]]]:
    with workspace.session() as session:
        out = []
        for test_set in session.scalars(select(TestSet).order_by(TestSet.name)):
            rows = session.execute(
                select(TestCase.position, TestCase.variables)
                .where(TestCase.test_set_id == test_set.id)
                .order_by(TestCase.position).limit(TEST_ROWS_SHOWN)).all()
            out.append((test_set.name, [(p, dict(v or {})) for p, v in rows]))
        return out


def open_draft_for(workspace: Workspace, name: str, position: int):
    """The prompt's draft if one survived, else a new one on its latest version.

    Returns (record, state, fresh); a fresh state has no provider picked yet.
    """
    with workspace.session() as session:
        prompt = prompt_repo.require_prompt(session, name)
        existing = draft_repo.draft_for_prompt(session, prompt.id)
        if existing is not None:
            draft_repo.set_open(session, existing.id, True)
            return draft_repo.get_draft(session, existing.id), TabState.from_json(existing.state), False
        version = prompt_repo.latest_version(session, prompt)
        if version is None:
            state = TabState(name=name, description=prompt.description,
                             messages=[("system", ""), ("user", "")])
        else:
            content = prompt_repo.content_of(version)
            state = TabState.from_content(content, name=name, description=prompt.description)
        record = draft_repo.create_draft(
            session, title=name, state=state.to_json(), prompt_id=prompt.id,
            base_version_pk=version.pk if version else None, tab_position=position)
        return record, state, True


def new_draft(workspace: Workspace, state: TabState, position: int):
    with workspace.session() as session:
        return draft_repo.create_draft(session, title=state.name, state=state.to_json(),
                                       tab_position=position)


def new_draft_on_version(workspace: Workspace, state: TabState, version_pk: int, position: int):
    """A draft that starts from a saved version and will be saved with it as parent."""
    from storage.workspace.models import Version

    with workspace.session() as session:
        version = session.get(Version, version_pk)
        return draft_repo.create_draft(
            session, title=state.name, state=state.to_json(), prompt_id=version.prompt_id,
            base_version_pk=version.pk, tab_position=position)


def save_drafts(workspace: Workspace, items: list[tuple[int, str, str]]) -> None:
    with workspace.session() as session:
        for draft_id, state, title in items:
            draft_repo.save_state(session, draft_id, state, title=title)


def set_positions(workspace: Workspace, ids: list[int]) -> None:
    with workspace.session() as session:
        draft_repo.set_tab_positions(session, ids)


def delete_draft(workspace: Workspace, draft_id: int) -> None:
    with workspace.session() as session:
        draft_repo.delete_draft(session, draft_id)
