"""What the Logs view and `promptpress logs list` read: pages of calls, a call in full, rates.

Each function takes the workspace, opens its own read session and returns plain values, so the
app can call it from any worker thread. Logged text comes back exactly as logged; `text.py`
makes previews safe to show in one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from desktop.core.version_history import DraftSeed
from storage.releases.content import PromptContent
from storage.releases.template import TemplateProblem, render_messages
from storage.workspace import logs as repo
from storage.workspace import prompts as prompt_repo
from storage.workspace.db import Workspace
from storage.workspace.logs import (CallDetail, CallFilter, CallRow, Comparison, LogFacets,
                                    RatePoint, search_query)

from .errors import LogsError

COUNT_AT_MOST = 1000  # a text search counts this many matches, then says "or more"


@dataclass(frozen=True)
class CallPage:
    rows: list[CallRow]
    total: int  # calls matching the filter, on every page (at least this many if not exact)
    offset: int
    exact: bool = True  # False: a text search matched more calls than it counted (COUNT_AT_MOST)

    @property
    def total_text(self) -> str:
        return f"{self.total:,}" if self.exact else f"{self.total:,} or more"


@dataclass(frozen=True)
class CallView:
    """One call in full, with the messages its version renders from the logged variables (when
    that version is in this workspace)."""

    call: CallDetail
    messages: list[dict[str, str]] | None  # role, content: byte-exact
    note: str | None  # why there are no messages, or what went wrong rendering them


@dataclass(frozen=True)
class PlaygroundSeed:
    """What "open in playground" needs: the logged version as a draft, the logged variables,
    and the logged output to compare with."""

    draft: DraftSeed
    variables: dict[str, object]
    output: str | None
    model: str | None
    log_id: str
    release: int | None


def calls(workspace: Workspace, f: CallFilter = CallFilter(), *, limit: int = 200,
          offset: int = 0, count: bool = True) -> CallPage:
    """A page of the table of calls, newest first, and how many match in all (-1 when
    `count` is False: the next page of a table that counted already). A text search counts up
    to COUNT_AT_MOST: counting every call that holds a common word costs more than the page."""
    with workspace.session() as session:
        rows = repo.list_calls(session, f, limit=limit, offset=offset)
        if not count:
            return CallPage(rows, -1, offset)
        if search_query(f.text or "") is None:
            return CallPage(rows, repo.count_calls(session, f), offset)
        total = repo.count_calls(session, f, at_most=COUNT_AT_MOST + 1)
        if total > COUNT_AT_MOST:
            return CallPage(rows, COUNT_AT_MOST, offset, exact=False)
        return CallPage(rows, total, offset)


def facets(workspace: Workspace, prompt: str | None = None) -> LogFacets:
    with workspace.session() as session:
        return repo.facets(session, prompt)


def rates(workspace: Workspace, f: CallFilter = CallFilter(), *,
          bucket: str | None = None) -> list[RatePoint]:
    """Feedback and error rates per release over time: per hour over three days or less,
    else per day (or as `bucket` says)."""
    with workspace.session() as session:
        if bucket is None:
            first, last = repo.time_span(session, f)
            span = (last - first) if first and last else timedelta(0)
            bucket = "hour" if span <= timedelta(days=3) else "day"
        return repo.rate_series(session, f, bucket=bucket)


def compare(workspace: Workspace, prompt: str, release_a: int, release_b: int, *,
            limit: int = 200) -> Comparison:
    """Outputs of two releases for the same variables, side by side."""
    with workspace.session() as session:
        return repo.compare_releases(session, prompt, release_a, release_b, limit=limit)


def _version(session, prompt: str, version_id: str):  # type: ignore[no-untyped-def]
    """The logged version in this workspace: under the logged prompt's name, else any prompt
    holding that content (it may have been renamed since)."""
    found = prompt_repo.get_prompt(session, prompt)
    if found is not None:
        version = prompt_repo.find_version(session, found, version_id)
        if version is not None:
            return version
    return repo.version_with_id(session, version_id)


def _logged_call(session, pk: int):  # type: ignore[no-untyped-def]
    """The logged call at row `pk` and its version here (None when not in this workspace)."""
    detail = repo.call_detail(session, pk)
    if detail is None:
        raise LogsError("This logged call is no longer in the workspace.")
    return detail, _version(session, detail.prompt, detail.version_id)


def call(workspace: Workspace, pk: int) -> CallView:
    """A call in full (by its row), with its rendered messages when its version is here."""
    with workspace.session() as session:
        detail, version = _logged_call(session, pk)
        content = prompt_repo.content_of(version) if version is not None else None
    if content is None:
        return CallView(detail, None, _missing_version(detail))
    messages, note = render(content, detail.variables)
    return CallView(detail, messages, note)


def render(content: PromptContent, variables: dict[str, object]
           ) -> tuple[list[dict[str, str]] | None, str | None]:
    """The messages `content` renders with logged `variables` (values are data: they are
    filled into the version's template, never read as templates themselves)."""
    try:
        return [{"role": m.role, "content": m.content}
                for m in render_messages(content, variables)], None
    except TemplateProblem as exc:
        return None, f"The logged variables do not render this version: {exc}"


def _missing_version(detail: CallDetail) -> str:
    release = f" (release {detail.release})" if detail.release is not None else ""
    return (f"Version {detail.version_id[:12]} of {detail.prompt}{release} is not in this "
            "workspace; pull that release to see the messages it sent.")


def playground_seed(workspace: Workspace, pk: int) -> PlaygroundSeed:
    """The logged version and variables of a call, to open in the playground."""
    with workspace.session() as session:
        detail, version = _logged_call(session, pk)
        if version is None:
            raise LogsError(_missing_version(detail).replace("to see the messages it sent",
                                                             "to open it in the playground"))
        seed = DraftSeed(version.prompt.name, version.prompt.description,
                         prompt_repo.content_of(version), version.version_id, version.pk)
    return PlaygroundSeed(seed, dict(detail.variables), detail.output, detail.model,
                          detail.log_id, detail.release)


def sinks(workspace: Workspace, repository: str | None = None) -> list[repo.SinkRow]:
    """The log sinks configured (for one release repository, or all)."""
    from desktop.core.releases.destinations import normalise as normalise_repository

    with workspace.session() as session:
        return repo.list_sinks(session, normalise_repository(repository)
                               if repository is not None else None)
