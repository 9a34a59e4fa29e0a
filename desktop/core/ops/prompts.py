"""Prompt operations: save a version, rename or move, delete and undelete, restore, fork."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core import version_history as history_of_versions
from desktop.core.identity import author_name
from storage.releases.content import PromptContent
from storage.workspace import drafts as draft_repo
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace

from . import Changes


@dataclass(frozen=True)
class Saved:
    """`save_version`'s value: the version as saved (or found: same content, same id)."""

    version_id: str
    created: bool
    saved_at: object
    prompt_id: int
    version_pk: int
    name: str


def save_version(workspace: Workspace, name: str, content: PromptContent, *, message: str = "",
                 description: str | None = None, draft_id: int | None = None,
                 prompt_id: int | None = None, author: str | None = None) -> Changes:
    """Save `content` as a version of `name`. From a draft (`draft_id`), the version the draft
    started from is the parent, even if someone saved another version meanwhile; a draft of a
    new prompt (`prompt_id` None) refuses a name that is taken. The draft then points at it."""
    with workspace.session() as session:
        if draft_id is not None and prompt_id is None and repo.get_prompt(session, name):
            raise repo.PromptError(f"A prompt named {name!r} exists already. Save under another "
                                   "name, or open that prompt from the list.")
        parent = None
        if draft_id is not None and prompt_id is not None:
            parent = draft_repo.base_version(session, draft_id, prompt_id)
        outcome = repo.save_version(session, name, content, message=message,
                                    author=author or author_name(), parent=parent,
                                    description=description or None)
        version = outcome.version
        if draft_id is not None:
            draft_repo.set_base(session, draft_id, prompt_id=version.prompt_id,
                                base_version_pk=version.pk, title=name)
        saved = Saved(version.version_id, outcome.created, version.created_at,
                      version.prompt_id, version.pk, name)
    what = (f"Saved version {saved.version_id[:12]} of {name}." if saved.created else
            f"Unchanged: identical to version {saved.version_id[:12]} of {name}.")
    return Changes(what, prompts=frozenset({name}), value=saved)


def rename(workspace: Workspace, old: str, new: str, *, author: str | None = None) -> Changes:
    """Rename a prompt, or a folder with everything in it; the history goes with it."""
    author = author or author_name()
    with workspace.session() as session:
        if repo.get_prompt(session, old) is not None:
            repo.rename_prompt(session, old, new, author=author)
            return Changes(f"Renamed {old} to {new}; its history is kept.",
                           renamed=((old, new),))
        if repo.folder_exists(session, old.strip("/")):
            moved = tuple(repo.rename_folder(session, old, new, author=author))
            return Changes(f"Renamed the folder {old.strip('/')} to {new.strip('/')} "
                           f"({len(moved)} prompt{'s' if len(moved) != 1 else ''} moved).",
                           renamed=moved)
    raise repo.PromptError(f"There is no prompt or folder named {old!r}. "
                           "`promptpress prompt list` shows them.")


def move(workspace: Workspace, names: list[str], folder: str, *,
         author: str | None = None) -> Changes:
    """Move prompts into `folder` (all of them or none)."""
    author = author or author_name()
    with workspace.session() as session:
        moved = tuple((name, repo.move_prompt(session, name, folder.strip("/"),
                                              author=author).name) for name in names)
    return Changes("\n".join(f"Moved {old} to {new}." for old, new in moved), renamed=moved)


def delete(workspace: Workspace, name: str, *, author: str | None = None) -> Changes:
    """Move a prompt and its versions to the trash (undelete brings it back)."""
    with workspace.session() as session:
        deleted = repo.delete_prompt(session, name, author=author or author_name())
    versions = f"{deleted.versions} version{'s' if deleted.versions != 1 else ''}"
    return Changes(f"Deleted {deleted.name} ({versions} kept in the trash).",
                   deleted=frozenset({deleted.name}), value=deleted)


def undelete(workspace: Workspace, name: str, *, new_name: str | None = None,
             author: str | None = None) -> Changes:
    with workspace.session() as session:
        prompt = repo.undelete_prompt(session, name, new_name=new_name,
                                      author=author or author_name())
        back = prompt.name
    return Changes(f"{back} is back, with its history" + (f" (was {name})" if back != name
                                                            else "") + ".",
                   prompts=frozenset({back}), value=back)


def restore(workspace: Workspace, ref: str, *, message: str = "",
            author: str | None = None) -> Changes:
    """Make an old version (`name@id`) the current one again; the history records it."""
    with workspace.session() as session:
        outcome = history_of_versions.restore(session, ref, author=author or author_name(),
                                          message=message)
        name = outcome.version.prompt.name
        vid = outcome.version.version_id
        previous = outcome.previous.version_id if outcome.previous else None
    if not outcome.changed:
        return Changes(f"{vid[:12]} already is the current version of {name}; nothing changed.",
                       value=(vid, previous, False))
    return Changes(f"Version {vid[:12]} is the current version of {name} again (was "
                   f"{previous[:12] if previous else '-'}).", prompts=frozenset({name}),
                   value=(vid, previous, True))


def fork(workspace: Workspace, version_pk: int) -> Changes:
    """The content of an old version and its base, for a new draft on it ("open as draft")."""
    with workspace.session() as session:
        ref = repo.ref_of(session, version_pk)
        seed = history_of_versions.fork(session, ref)
    return Changes(value=seed)


def content(workspace: Workspace, ref: str) -> PromptContent:
    """The content of `name@version` (or the current version of `name`)."""
    with workspace.session() as session:
        return repo.content_of(repo.resolve(session, ref))


def version_history(workspace: Workspace, name: str, *,
                    limit: int | None = None) -> list[history_of_versions.HistoryEntry]:
    """The prompt's versions, restores and renames, newest first (the history panel); with
    `limit`, only the first rows of that list, for showing something at once."""
    with workspace.session() as session:
        return history_of_versions.version_history(session, name, limit=limit)


@dataclass(frozen=True)
class Comparison:
    old: PromptContent | None
    new: PromptContent
    diff: object  # desktop.core.diff.ContentDiff


def compare(workspace: Workspace, name: str, old_id: str | None,
            new: str | PromptContent) -> Comparison:
    """Two versions of `name` (or a version and a draft's content) and what changed."""
    from desktop.core.diff import diff_contents, nothing

    with workspace.session() as session:
        prompt = repo.require_prompt(session, name)
        old = _content(session, prompt, old_id) if old_id else None
        new_content = new if isinstance(new, PromptContent) else _content(session, prompt, new)
    return Comparison(old, new_content, diff_contents(old or nothing(), new_content))


def version_pk(workspace: Workspace, name: str, version_id: str) -> int:
    with workspace.session() as session:
        prompt = repo.require_prompt(session, name)
        version = repo.find_version(session, prompt, version_id)
        if version is None:
            raise repo.PromptError(f"The version {version_id[:12]} of {name!r} is gone.")
        return version.pk


def _content(session, prompt, version_id: str) -> PromptContent:
    version = repo.find_version(session, prompt, version_id)
    if version is None:
        raise repo.PromptError(f"The version {version_id[:12]} of {prompt.name!r} is gone.")
    return repo.content_of(version)


def search(workspace: Workspace, query: str, *, limit: int = 200) -> list[repo.SearchHit]:
    """Prompts whose name, description, message text of any version, or version notes contain
    `query`: one hit per prompt and place, newest first. A read: safe in any thread."""
    with workspace.session() as session:
        return repo.search(session, query, limit=limit)
