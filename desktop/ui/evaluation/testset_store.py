"""Reading and saving a test set for the editor. Plain functions, no Qt: run them off the GUI
thread (they block on SQLite).

`sync_cases` saves the editor's rows *in place*: a case that still exists keeps its id, so the
runs that used it still show its variables and compare case by case. (`replace_cases` would
delete and re-create every case.) It belongs in `storage.workspace.testsets`; it lives here
until it moves there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from storage.workspace.models import Prompt, TestCase, TestSet, utcnow


@dataclass(slots=True)
class CaseRow:
    """One editable row. `uid` names it for undo (stable across delete + undo); `case_id` is
    its stored id, None until first saved."""

    uid: int
    variables: dict[str, str] = field(default_factory=dict)
    expected: str | None = None
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    case_id: int | None = None

    def copy(self) -> "CaseRow":
        return CaseRow(self.uid, dict(self.variables), self.expected, self.notes,
                       list(self.tags), self.case_id)

    def data(self) -> testsets.CaseData:
        return testsets.CaseData(dict(self.variables), self.expected, self.notes, tuple(self.tags))


@dataclass(frozen=True, slots=True)
class LoadedSet:
    id: int
    name: str
    prompt: str | None
    variables: tuple[str, ...]  # the prompt's variables first, then any other a case uses
    defaults: tuple[str, ...]  # variables with a default value (may have no column)
    min_score: float | None
    evaluators: tuple[str, ...]
    cases: tuple[tuple[int, dict[str, Any], str | None, str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class SavedSet:
    ids: dict[int, int]  # row uid -> case id
    count: int


def list_names(workspace: Workspace) -> list[tuple[str, int]]:
    with workspace.session() as session:
        return [(ts.name, n) for ts, n in testsets.list_test_sets(session)]


def prompt_variables(session, prompt: Prompt | None) -> tuple[list[str], list[str]]:
    from desktop.core.templates import find_variables

    if prompt is None:
        return [], []
    version = prompt_repo.latest_version(session, prompt)
    if version is None:
        return [], []
    content = prompt_repo.content_of(version)
    return list(find_variables(content)), [v.name for v in content.variables
                                             if v.default is not None]


def load(workspace: Workspace, name: str) -> LoadedSet:
    with workspace.session() as session:
        test_set = testsets.require_test_set(session, name)
        prompt = session.get(Prompt, test_set.prompt_id) if test_set.prompt_id else None
        names, defaults = prompt_variables(session, prompt)
        rows = session.execute(
            select(TestCase.id, TestCase.variables, TestCase.expected, TestCase.notes,
                   TestCase.tags).where(TestCase.test_set_id == test_set.id)
            .order_by(TestCase.position)).all()
        seen = dict.fromkeys(names)
        for row in rows:
            seen.update(dict.fromkeys(row[1] or {}))
        return LoadedSet(test_set.id, test_set.name, prompt.name if prompt else None,
                         tuple(seen), tuple(defaults), test_set.min_score,
                         tuple(test_set.evaluators or ()),
                         tuple((r[0], dict(r[1] or {}), r[2], r[3] or "", tuple(r[4] or ()))
                               for r in rows))


def create(workspace: Workspace, name: str, prompt: str | None = None) -> None:
    with workspace.session() as session:
        owner = prompt_repo.get_prompt(session, prompt) if prompt else None
        testsets.create_test_set(session, name, prompt=owner)


def sync_cases(workspace: Workspace, test_set_id: int, rows: Sequence[CaseRow]) -> SavedSet:
    """Make the stored cases exactly `rows`, in order, in one transaction."""
    with workspace.session() as session:
        test_set = session.get(TestSet, test_set_id)
        if test_set is None:
            raise testsets.TestSetError("This test set was deleted; nothing was saved.")
        existing = {c.id: c for c in session.scalars(
            select(TestCase).where(TestCase.test_set_id == test_set_id))}
        keep = {r.case_id for r in rows if r.case_id in existing}
        for case_id, case in existing.items():
            if case_id not in keep:
                session.delete(case)
        session.flush()
        ids: dict[int, int] = {}
        added: list[tuple[CaseRow, TestCase]] = []
        for position, row in enumerate(rows):
            case = existing.get(row.case_id) if row.case_id is not None else None
            values = dict(row.variables)
            if case is None:
                case = TestCase(test_set_id=test_set_id, position=position, variables=values,
                                expected=row.expected, notes=row.notes, tags=list(row.tags))
                session.add(case)
                added.append((row, case))
            else:
                if case.position != position:
                    case.position = position
                if case.variables != values:
                    case.variables = values
                if case.expected != row.expected:
                    case.expected = row.expected
                if case.notes != row.notes:
                    case.notes = row.notes
                if list(case.tags or ()) != list(row.tags):
                    case.tags = list(row.tags)
                ids[row.uid] = case.id
        session.flush()
        for row, case in added:
            ids[row.uid] = case.id
        test_set.updated_at = utcnow()
        return SavedSet(ids, len(rows))


def save_settings(workspace: Workspace, test_set_id: int, min_score: float | None,
                  evaluators: Sequence[str]) -> None:
    testsets.check_min_score(min_score)
    with workspace.session() as session:
        test_set = session.get(TestSet, test_set_id)
        if test_set is None:
            raise testsets.TestSetError("This test set was deleted; nothing was saved.")
        test_set.min_score = min_score
        test_set.evaluators = list(evaluators)
        test_set.updated_at = utcnow()


@dataclass(frozen=True)
class SetChoice:
    """A test set as the "add these values" question lists it."""

    name: str
    cases: int
    prompt: str | None


def choices_for(workspace: Workspace, prompt: str) -> list[SetChoice]:
    """Every test set, this prompt's first."""
    with workspace.session() as session:
        out = []
        for test_set, n in testsets.list_test_sets(session):
            owner = session.get(Prompt, test_set.prompt_id) if test_set.prompt_id else None
            out.append(SetChoice(test_set.name, n, owner.name if owner else None))
    return sorted(out, key=lambda c: (c.prompt != prompt, c.name.casefold()))


def add_case(workspace: Workspace, name: str, variables: dict[str, str], expected: str | None,
             *, create_for: str | None = None) -> int:
    """Append one case to the set `name` (made first, for the prompt `create_for`, if asked);
    returns how many cases the set has now."""
    with workspace.session() as session:
        if create_for is not None:
            owner = prompt_repo.get_prompt(session, create_for)
            test_set = testsets.create_test_set(session, name, prompt=owner)
        else:
            test_set = testsets.require_test_set(session, name)
        testsets.append_cases(session, test_set, [testsets.CaseData(dict(variables), expected)])
        return len(testsets.cases(session, test_set))
