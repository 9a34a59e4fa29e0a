"""Draft operations: the working copy behind each tab, kept as the author types.

A draft's state is JSON owned by the editor; these functions store it as given.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.releases.content import PromptContent
from storage.workspace import drafts as draft_repo
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace


@dataclass(frozen=True)
class PromptDraft:
    """A prompt's draft to open in a tab: the one that survived, or a new one on its latest
    version (`fresh`, with `content` to start from; None for a prompt with no version yet)."""

    record: draft_repo.DraftRecord
    fresh: bool
    content: PromptContent | None
    description: str


def open_for_prompt(workspace: Workspace, name: str, position: int,
                    state_of_new=None) -> PromptDraft:
    """The prompt's surviving draft (reopened), else a new draft on its latest version, its
    state made by `state_of_new(content_or_None, description) -> json`."""
    with workspace.session() as session:
        prompt = repo.require_prompt(session, name)
        existing = draft_repo.draft_for_prompt(session, prompt.id)
        if existing is not None:
            draft_repo.set_open(session, existing.id, True)
            return PromptDraft(draft_repo.get_draft(session, existing.id), False, None,
                               prompt.description)
        version = repo.latest_version(session, prompt)
        content = repo.content_of(version) if version is not None else None
        state = state_of_new(content, prompt.description) if state_of_new else "{}"
        record = draft_repo.create_draft(
            session, title=name, state=state, prompt_id=prompt.id,
            base_version_pk=version.pk if version else None, tab_position=position)
        return PromptDraft(record, True, content, prompt.description)


def new(workspace: Workspace, title: str, state: str, position: int, *,
        on_version_pk: int | None = None) -> draft_repo.DraftRecord:
    """A draft for a new prompt, or (`on_version_pk`) one that starts from a saved version and
    is saved with it as parent."""
    with workspace.session() as session:
        prompt_id = None
        if on_version_pk is not None:
            prompt_id = repo.versions_by_pk(session, [on_version_pk])[on_version_pk].prompt_id
        return draft_repo.create_draft(session, title=title, state=state, prompt_id=prompt_id,
                                       base_version_pk=on_version_pk, tab_position=position)


def save_states(workspace: Workspace, items: list[tuple[int, str, str]]) -> None:
    """(draft id, state, title) for each changed tab, in one transaction."""
    with workspace.session() as session:
        for draft_id, state, title in items:
            draft_repo.save_state(session, draft_id, state, title=title)


def set_positions(workspace: Workspace, ids: list[int]) -> None:
    with workspace.session() as session:
        draft_repo.set_tab_positions(session, ids)


def discard(workspace: Workspace, draft_id: int) -> None:
    with workspace.session() as session:
        draft_repo.delete_draft(session, draft_id)
