"""Advice operations: propose suggestions for a prompt, run the search, open one as a draft.

The app runs these on its event loop (they await the model calls and run their workspace
reads and writes in threads), like the run panel drives the runner:

    changes = await ops.advice.propose(workspace, AdviceRequest("greet", "gold", budget=2))
    proposal = changes.value                       # candidates, diffs, estimates: show them
    search = ops.advice.prepare_search(workspace, proposal, chosen=keys, budget=2)
    changes = await ops.advice.run_search(search, on_progress=show)   # search.cancel() stops it
    advice = changes.value                         # verdicts, recommendation, chart points
    changes = ops.advice.open_as_draft(workspace, proposal, advice.recommended)
    tab = await view.open_seed(changes.value)      # a SuggestionDraft: content + provider

Nothing here changes a prompt: the search adds runs (and suggested versions kept out of the
history); a suggestion becomes a version only when the author saves the draft.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from storage.workspace.db import Workspace

from desktop.core import gateway as gw
from desktop.core.advisor import (Advice, AdviceProgress, AdviceRequest, Proposal, Search,
                                  draft_for, propose as propose_candidates)
from desktop.core.advisor.proposal import costs_text

from . import Changes


async def propose(workspace: Workspace, request: AdviceRequest, *,
                  gateway: gw.Gateway | None = None) -> Changes:
    """What the advisor would try and what the whole search would cost; nothing runs on any
    candidate. Asks the `rewrite_with` model for shorter instructions (answered from the
    response cache when asked before). Raises AdviceError for a request it cannot answer."""
    proposal = await propose_candidates(workspace, request, gateway=gateway)
    keys, skipped, total = proposal.plan(budget=request.budget)
    count = len(proposal.candidates)
    parts = [f"{count} suggestion{'s' if count != 1 else ''} to try on {proposal.test_set} "
             f"({proposal.cases} cases)"]
    if proposal.baseline.run_id is None:
        parts.append("a baseline run is needed first")
    cost = f"estimated {costs_text(total)} for the search"
    if request.budget is not None:
        cost += f" within the budget of {costs_text(request.budget)}" + \
            (f" ({len(skipped)} left out)" if skipped else "")
    parts.append(cost)
    return Changes("; ".join(parts) + ".", value=proposal)


def prepare_search(workspace: Workspace, proposal: Proposal, *,
                   chosen: Collection[str] | None = None, budget: float | None = None,
                   gateway: gw.Gateway | None = None, baseline_only: bool = False) -> Search:
    """The search for `chosen` suggestions (default all) within `budget` (default the
    request's), not started: keep it to `cancel()` it. `baseline_only` makes only the
    baseline run (then propose again: a lower max_tokens needs the baseline's outputs)."""
    return Search(workspace, proposal, chosen=chosen, budget=budget, gateway=gateway,
                  baseline_only=baseline_only)


async def run_search(search: Search, *,
                     on_progress: Callable[[AdviceProgress], None] | None = None) -> Changes:
    """Run the search (ordinary runs, each listed in `runs`); returns the Advice as `value`.
    `on_progress` is called on the event loop after each result; `search.cancel()` stops it,
    keeping every result so far (the advice then says it was cancelled)."""
    advice = await search.run(on_progress=on_progress)
    return Changes(_said(advice), runs=frozenset(advice.runs), value=advice)


def _said(advice: Advice) -> str:
    status = {"finished": "", "cancelled": " The search was cancelled; results so far are kept.",
              "budget": " The search stopped at the budget."}[advice.status]
    return f"{advice.headline()} Spent {costs_text(advice.spent)}.{status}"


def open_as_draft(workspace: Workspace, proposal: Proposal, key: str) -> Changes:
    """A suggestion as draft content (a SuggestionDraft: content and provider) for a new tab;
    nothing is saved until the author saves the draft."""
    del workspace  # the proposal holds everything; the signature is every op's
    draft = draft_for(proposal, key)
    return Changes(f"Opened {draft.label} as a draft of {draft.prompt_name}; save it to keep it.",
                   value=draft)


__all__ = ["open_as_draft", "prepare_search", "propose", "run_search"]
