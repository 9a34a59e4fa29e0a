"""Operations: each user-visible action on a workspace as one function, used by the app and the
command line alike (after Anki's `aqt/operations`).

An op takes the workspace (and what it needs), does the whole step in one transaction, and
returns a `Changes` that says what it changed, so that a view refreshes only that and the CLI
can print it. Ops never touch Qt; the app runs them on its writer thread:

    changes = await view.writer.run(ops.prompts.rename, workspace, "old/name", "new/name")
    view.apply(changes)

Modules: `prompts` (save, rename, move, delete, undelete, restore, fork), `drafts`, `testsets`,
`runs`, `releases`, `workspace` (backup, restore, import, export). Errors a user can fix are
raised as the `desktop.core.errors.USER_ERRORS` they are; nothing is half done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Changes:
    """What an operation changed. `message` says it in a sentence; `value` is what it made."""

    message: str = ""
    prompts: frozenset[str] = frozenset()  # prompts whose versions or details changed
    renamed: tuple[tuple[str, str], ...] = ()  # (old, new) for each prompt that moved
    deleted: frozenset[str] = frozenset()
    test_sets: frozenset[str] = frozenset()
    runs: frozenset[int] = frozenset()
    releases: bool = False
    providers: bool = False
    logs: bool = False
    value: Any = field(default=None, compare=False)

    @property
    def prompt_list(self) -> bool:
        """Whether the list of prompts (names, folders, counts) changed."""
        return bool(self.prompts or self.renamed or self.deleted)

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(
            " ".join(m for m in (self.message, other.message) if m),
            self.prompts | other.prompts, self.renamed + other.renamed,
            self.deleted | other.deleted, self.test_sets | other.test_sets,
            self.runs | other.runs, self.releases or other.releases,
            self.providers or other.providers, self.logs or other.logs,
            other.value if other.value is not None else self.value)


__all__ = ["Changes"]
