"""Test-set operations: list, open, create, edit in place, settings, add one case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.templates import find_variables
from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace

from . import Changes


FIRST_PAGE = 200  # cases whose variables `load` looks at


@dataclass(frozen=True, slots=True)
class SetChoice:
    """A test set as lists show it."""

    name: str
    cases: int
    prompt: str | None  # the prompt it belongs to, if any


@dataclass(frozen=True, slots=True)
class LoadedSet:
    """A test set opened for editing."""

    id: int
    name: str
    prompt: str | None
    # The prompt's variables first, then any other the first page of cases uses (the editor
    # asks `variable_names` for the rest after showing the set).
    variables: tuple[str, ...]
    defaults: tuple[str, ...]  # variables with a default value (may have no column)
    min_score: float | None
    evaluators: tuple[str, ...]
    case_count: int  # the editor reads the cases a page at a time


def read_page(workspace: Workspace, test_set_id: int, start: int,
              count: int) -> list[tuple[int, testsets.CaseData]]:
    """(case id, data) of `count` cases from the `start`th in order: a page of the editor
    right after opening, a few milliseconds for 200 wherever it is."""
    with workspace.session() as session:
        return testsets.case_page(session, test_set_id, start, count)


def case_ids(workspace: Workspace, test_set_id: int) -> list[int]:
    """Every case's id in order (the editor asks right after opening, off the GUI thread)."""
    with workspace.session() as session:
        return testsets.case_ids(session, test_set_id)


def read_cases(workspace: Workspace, test_set_id: int,
               ids: Sequence[int]) -> dict[int, testsets.CaseData]:
    """The data of these cases, by id: a page of the editor, a few milliseconds for 200
    wherever they are, fine on the GUI thread. A case deleted meanwhile is missing."""
    with workspace.session() as session:
        return testsets.cases_data(session, test_set_id, ids)


def choices(workspace: Workspace, prompt: str = "") -> list[SetChoice]:
    """Every test set, `prompt`'s first, then by name."""
    with workspace.session() as session:
        found = [SetChoice(ts.name, n, testsets.owner_name(session, ts))
                 for ts, n in testsets.list_test_sets(session)]
    return sorted(found, key=lambda c: (c.prompt != prompt, c.name.casefold()))


def _prompt_variables(session, prompt) -> tuple[list[str], list[str]]:
    version = prompt_repo.latest_version(session, prompt) if prompt is not None else None
    if version is None:
        return [], []
    content = prompt_repo.content_of(version)
    return list(find_variables(content)), [v.name for v in content.variables
                                             if v.default is not None]


def load(workspace: Workspace, name: str) -> LoadedSet:
    with workspace.session() as session:
        test_set = testsets.require_test_set(session, name)
        owner = testsets.owner_name(session, test_set)
        prompt = prompt_repo.get_prompt(session, owner) if owner else None
        names, defaults = _prompt_variables(session, prompt)
        seen = dict.fromkeys(names)
        for _id, data in testsets.case_page(session, test_set.id, 0, FIRST_PAGE):
            seen.update(dict.fromkeys(data.variables))
        return LoadedSet(test_set.id, test_set.name, prompt.name if prompt else None,
                         tuple(seen), tuple(defaults), test_set.min_score,
                         tuple(test_set.evaluators or ()),
                         testsets.case_count(session, test_set.id))


def variable_names(workspace: Workspace, test_set_id: int) -> list[str]:
    """Every variable any case of the set uses, in order of first appearance."""
    with workspace.session() as session:
        return testsets.variable_names(session, test_set_id)


def create(workspace: Workspace, name: str, prompt: str | None = None) -> Changes:
    with workspace.session() as session:
        owner = prompt_repo.get_prompt(session, prompt) if prompt else None
        testsets.create_test_set(session, name, prompt=owner)
    return Changes(f"Created the test set “{name}”.", test_sets=frozenset({name}))


def save_cases(workspace: Workspace, test_set_id: int,
               rows: Sequence[tuple[int | None, testsets.CaseData]]) -> Changes:
    """Make the stored cases exactly `rows` (case id or None, data), in order, in place: a case
    that still exists keeps its id, so earlier runs still show it. `value`: the case ids."""
    with workspace.session() as session:
        ids = testsets.sync_cases(session, test_set_id, rows)
        name = testsets.name_of(session, test_set_id)
    return Changes(test_sets=frozenset({name}), value=ids)


def arrange_cases(workspace: Workspace, test_set_id: int,
                  order: Sequence[testsets.Arranged]) -> Changes:
    """Make the stored cases `order` without reading them: a stored case's id where it only
    kept or changed its place, (id or None, data) where its data is to be written (edited,
    new, or put back). Cases left out are deleted. `value`: the written entries' ids."""
    with workspace.session() as session:
        ids = testsets.arrange_cases(session, test_set_id, order)
        name = testsets.name_of(session, test_set_id)
    return Changes(test_sets=frozenset({name}), value=ids)


def save_edited_cases(workspace: Workspace, test_set_id: int,
                      rows: Sequence[tuple[int, testsets.CaseData]], *,
                      appended: Sequence[testsets.CaseData] = ()) -> Changes:
    """Write only the cases that were edited (case id, data) and add the `appended` ones after
    the last; the others are not read. One transaction. `value`: the appended cases' ids."""
    with workspace.session() as session:
        if rows:
            testsets.update_cases(session, test_set_id, rows)
        ids = testsets.append_at_end(session, test_set_id, appended) if appended else []
        name = testsets.name_of(session, test_set_id)
    return Changes(test_sets=frozenset({name}), value=ids)


def save_settings(workspace: Workspace, test_set_id: int, min_score: float | None,
                  evaluators: Sequence[str]) -> Changes:
    """The pass mark and the default evaluators."""
    with workspace.session() as session:
        name = testsets.set_settings(session, test_set_id, min_score, evaluators)
    return Changes(test_sets=frozenset({name}))


def add_case(workspace: Workspace, name: str, variables: dict[str, str], expected: str | None,
             *, create_for: str | None = None) -> Changes:
    """Append one case to the set `name` (made first, for the prompt `create_for`, if asked).
    `value`: how many cases the set has now."""
    with workspace.session() as session:
        if create_for is not None:
            owner = prompt_repo.get_prompt(session, create_for)
            test_set = testsets.create_test_set(session, name, prompt=owner)
        else:
            test_set = testsets.require_test_set(session, name)
        testsets.append_cases(session, test_set, [testsets.CaseData(dict(variables), expected)])
        count = testsets.case_count(session, test_set.id)
    return Changes(f"Added case {count} to the test set “{name}”"
                   + (" with the answer as expected output." if expected is not None else "."),
                   test_sets=frozenset({name}), value=count)


def first_rows(workspace: Workspace, limit: int = 30) -> list[tuple[str, list[tuple[int, dict]]]]:
    """Each set's first cases: the playground's "fill values from a test set" menu."""
    with workspace.session() as session:
        return testsets.first_rows(session, limit)
