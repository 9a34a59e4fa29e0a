"""Logs operations: pull logs, choose which sinks belong to a release repository, add logged
calls to a test set, open a logged call in the playground.

Reading (pages of calls, a call in full, rates, comparisons) is `desktop.core.logs.views`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from desktop.core.logs import views
from desktop.core.logs.errors import LogsError
from desktop.core.logs.pull import Progress, PullReport
from desktop.core.logs.pull import pull as pull_sink
from desktop.core.logs.sources import normalise as normalise_sink
from desktop.core.logs.testcases import to_cases
from storage.workspace import logs as repo
from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from storage.workspace.logs import CallFilter

from . import Changes


@dataclass(frozen=True)
class AddedToTestSet:
    """`to_testset`'s value."""

    test_set: str
    created: bool  # the test set is new
    added: int
    duplicates: int  # already in the set (same variables and expected output)
    without_correction: int  # left out by expected="corrected-only"
    log_ids: tuple[str, ...]  # the calls added, in order


def pull(workspace: Workspace, source: str, *, project: str | None = None,
         progress: Progress | None = None,
         should_stop: Callable[[], bool] | None = None) -> Changes:
    """Pull new logs from one sink (a folder or URL). Value: the PullReport, with a problem for
    each file or line skipped."""
    report = pull_sink(workspace, source, project=project, progress=progress,
                       should_stop=should_stop)
    return Changes(report.summary(), logs=True, value=report)


def pull_repository(workspace: Workspace, repository: str, *,
                    progress: Progress | None = None,
                    should_stop: Callable[[], bool] | None = None) -> Changes:
    """Pull every sink configured for a release repository. Value: one PullReport per sink."""
    sinks = views.sinks(workspace, repository)
    if not sinks:
        raise LogsError(f"No log sink is set for {repository}. Add the folder or address its "
                        "applications log to (their log_to=) first.")
    reports: list[PullReport] = []
    for sink in sinks:
        if should_stop is not None and should_stop():
            break
        reports.append(pull_sink(workspace, sink.location, project=sink.project,
                                 progress=progress, should_stop=should_stop))
    return Changes(" ".join(r.summary() for r in reports), logs=True, value=reports)


def add_sink(workspace: Workspace, repository: str, location: str, *,
             project: str | None = None) -> Changes:
    """Say that the applications reading `repository` log to `location`. Without `project`, it
    is the repository's project when this workspace knows it (from its releases)."""
    from desktop.core.releases.destinations import normalise as normalise_repository

    repository, location = normalise_repository(repository), normalise_sink(location)
    base = repository if repository.endswith("/") else repository + "/"
    if location == repository or location.startswith(base):
        raise LogsError(f"{location} is inside the release repository {repository}: logs go "
                        "beside it (e.g. a logs folder next to it), never inside the signed "
                        "release files.")
    with workspace.session() as session:
        if project is None:
            known = repo.repository_projects(session, repository)
            project = known[0] if len(known) == 1 else None
        sink, created = repo.add_sink(session, repository, location, project)
    what = "Added" if created else "Updated"
    return Changes(f"{what} the log sink {location} for {repository}"
                   + (f" (project {sink.project})." if sink.project else "."),
                   logs=True, value=sink)


def remove_sink(workspace: Workspace, repository: str, location: str) -> Changes:
    """Stop pulling `location` for `repository`; the logs already pulled stay."""
    from desktop.core.releases.destinations import normalise as normalise_repository

    repository, location = normalise_repository(repository), normalise_sink(location)
    with workspace.session() as session:
        removed = repo.remove_sink(session, repository, location)
    if not removed:
        raise LogsError(f"{location} is not a log sink of {repository}.")
    return Changes(f"Removed the log sink {location} of {repository}; the logs pulled from it "
                   "are kept.", logs=True)


def to_testset(workspace: Workspace, test_set: str, *, pks: Sequence[int] | None = None,
               filter: CallFilter | None = None, expected: str = "corrected",
               limit: int | None = None) -> Changes:
    """Add logged calls to a test set (created if needed): the calls `pks`, or those matching
    `filter` (newest first, at most `limit`). Each case holds the call's variables and, as
    expected output, the corrected output feedback gave, else the output (`expected`:
    "corrected", "output" or "corrected-only"). Cases the set already has are left out."""
    if pks is None and filter is None:
        raise LogsError("Choose the logged calls to add (select them, or give filters).")
    name = test_set.strip()
    if not name:
        raise LogsError("Name the test set to add the calls to.")
    with workspace.session() as session:
        sources = repo.calls_for_testset(session, filter or CallFilter(),
                                         pks=list(pks) if pks is not None else None,
                                         limit=limit)
        if not sources:
            raise LogsError("No logged call matches; nothing was added.")
        target = testsets.get_test_set(session, name)
        created = target is None
        if target is None:
            prompts = {s.prompt for s in sources}
            prompt = (prompt_repo.get_prompt(session, next(iter(prompts)))
                      if len(prompts) == 1 else None)
            try:
                target = testsets.create_test_set(session, name, prompt=prompt,
                                                  description="Cases from production logs.")
            except testsets.TestSetError as exc:
                raise LogsError(str(exc)) from None
            existing = []
        else:
            existing = [case for _, case in testsets.case_rows(session, target)]
        converted = to_cases(sources, expected=expected, existing=existing)
        testsets.append_cases(session, target, [case for _, case in converted.cases])
    added = AddedToTestSet(name, created, len(converted.cases), converted.duplicates,
                           converted.without_correction,
                           tuple(log_id for log_id, _ in converted.cases))
    message = (f"Added {added.added} logged call{'s' if added.added != 1 else ''} to the "
               f"{'new ' if created else ''}test set {name}.")
    if added.duplicates:
        message += f" {added.duplicates} already in it were left out."
    if added.without_correction:
        message += f" {added.without_correction} without a corrected output were left out."
    return Changes(message, test_sets=frozenset({name}), value=added)


def open_in_playground(workspace: Workspace, pk: int) -> Changes:
    """The logged version as a new draft with the logged variables (value: PlaygroundSeed)."""
    seed = views.playground_seed(workspace, pk)
    return Changes(f"Opened version {seed.draft.base_version_id[:12]} of "
                   f"{seed.draft.prompt_name} with the variables of call {seed.log_id}.",
                   value=seed)
