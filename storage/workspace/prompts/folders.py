"""Organise prompts: rename and move them, and create, rename and delete folders.

A folder is a prefix of prompt names ("support/" in "support/greet"), or an explicit (possibly
empty) `Folder` row. Renaming a folder moves every prompt under it in one transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from ..models import Folder, Prompt
from .events import add_event
from .names import PromptError, validate_prompt_name
from .trash import delete_prompt
from .versions import ensure_folders, get_prompt, require_prompt


def _basename(name: str) -> str:
    return name.rpartition("/")[2]


def _join(folder: str, base: str) -> str:
    return f"{folder}/{base}" if folder else base


def rename_prompt(session: Session, old: str, new: str, *, author: str = "") -> Prompt:
    """Give a prompt a new name (with folders). Its versions, drafts and runs stay with it."""
    prompt = require_prompt(session, old)
    validate_prompt_name(new)
    if new == old:
        return prompt
    if get_prompt(session, new) is not None:
        raise PromptError(f"A prompt named {new!r} already exists; choose another name.")
    prompt.name = new
    ensure_folders(session, new)
    add_event(session, prompt, "renamed", author=author, message=f"Renamed from {old} to {new}",
              detail={"from": old, "to": new})
    session.flush()
    return prompt


def move_prompt(session: Session, name: str, folder: str, *, author: str = "") -> Prompt:
    """Move a prompt into a folder ("" is the top level), keeping its own name."""
    folder = folder.strip("/")
    if folder:
        validate_prompt_name(folder)
    return rename_prompt(session, name, _join(folder, _basename(name)), author=author)


def _under(column, folder: str):
    prefix = folder + "/"
    return func.substr(column, 1, len(prefix)) == prefix


def folder_exists(session: Session, path: str) -> bool:
    if session.scalar(select(Folder.id).where(Folder.path == path)) is not None:
        return True
    return session.scalar(
        select(Prompt.id).where(_under(Prompt.name, path), Prompt.deleted_at.is_(None)).limit(1)
    ) is not None


def explicit_folders(session: Session) -> list[str]:
    """The folders made on their own (they may be empty), by path; see also `list_folders`."""
    return list(session.scalars(select(Folder.path).order_by(Folder.path)))


def create_folder(session: Session, path: str) -> str:
    """An explicit (possibly empty) folder, with its parents."""
    path = path.strip("/")
    validate_prompt_name(path)
    ensure_folders(session, path + "/x")  # a prompt and a folder may share a path
    session.flush()
    return path


def list_folders(session: Session) -> list[str]:
    """Every folder: the explicit ones and those implied by live prompts' names."""
    paths = set(session.scalars(select(Folder.path)))
    for name in session.scalars(select(Prompt.name).where(Prompt.deleted_at.is_(None))):
        parts = name.split("/")[:-1]
        paths.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(paths)


def rename_folder(session: Session, old: str, new: str, *,
                  author: str = "") -> list[tuple[str, str]]:
    """Rename a folder: every prompt and folder under it moves, in this one transaction.

    Returns (old name, new name) for each prompt moved. Refuses, changing nothing, when a
    moved prompt would take the name of an existing one.
    """
    old, new = old.strip("/"), new.strip("/")
    validate_prompt_name(old)
    validate_prompt_name(new)
    if new == old:
        return []
    if new.startswith(old + "/"):
        raise PromptError(f"Cannot move the folder {old!r} into itself ({new!r}).")
    if not folder_exists(session, old):
        raise PromptError(f"There is no folder named {old!r}.")
    prompts = list(session.scalars(
        select(Prompt).where(_under(Prompt.name, old), Prompt.deleted_at.is_(None))
        .order_by(Prompt.name)
    ))
    moves = [(p, new + p.name[len(old):]) for p in prompts]
    taken = set(session.scalars(
        select(Prompt.name).where(Prompt.name.in_([n for _, n in moves]))
    )) if moves else set()
    if taken:
        listed = ", ".join(sorted(taken)[:5]) + ("..." if len(taken) > 5 else "")
        raise PromptError(f"Cannot rename {old!r} to {new!r}: prompts named {listed} already "
                          "exist there. Nothing was moved.")
    for prompt, new_name in moves:
        previous = prompt.name
        prompt.name = new_name
        add_event(session, prompt, "renamed", author=author,
                  message=f"Renamed from {previous} to {new_name} (folder {old} renamed to {new})",
                  detail={"from": previous, "to": new_name})
    for folder in list(session.scalars(
        select(Folder).where(or_(Folder.path == old, _under(Folder.path, old)))
    )):
        target = new + folder.path[len(old):]
        if session.scalar(select(Folder.id).where(Folder.path == target)) is not None:
            session.delete(folder)
        else:
            folder.path = target
    session.flush()
    ensure_folders(session, new + "/x")
    session.flush()
    return [(old + n[len(new):], n) for _, n in moves]


def delete_folder(session: Session, path: str, *, recursive: bool = False,
                  author: str = "") -> list[str]:
    """Remove a folder. With `recursive`, its prompts go to the trash first (each undeletable);
    without, a folder that still holds prompts is refused. Returns the prompts deleted."""
    path = path.strip("/")
    validate_prompt_name(path)
    if not folder_exists(session, path):
        raise PromptError(f"There is no folder named {path!r}.")
    names = list(session.scalars(
        select(Prompt.name).where(_under(Prompt.name, path), Prompt.deleted_at.is_(None))
        .order_by(Prompt.name)
    ))
    if names and not recursive:
        raise PromptError(f"The folder {path!r} holds {len(names)} prompt(s); delete or move "
                          "them first, or delete the folder with its prompts.")
    for name in names:
        delete_prompt(session, name, author=author)
    session.execute(delete(Folder).where(or_(Folder.path == path, _under(Folder.path, path))))
    session.flush()
    return names
