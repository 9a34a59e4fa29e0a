"""The advisor: a cheaper model or a shorter prompt that scores the same, with the proof.

    proposal = await propose(workspace, AdviceRequest("support/greet", "gold", budget=2.0))
    proposal.candidates          # models, rewrites (with diffs) and combinations, each estimated
    proposal.plan(budget=2.0)    # which fit, and the estimated cost of the whole search
    search = Search(workspace, proposal)
    advice = await search.run(on_progress=show)   # search.cancel() at any time
    advice.verdicts, advice.recommended, advice.sentences(), advice.chart()
    draft_for(proposal, advice.recommended)       # content + provider for a new draft tab

Every candidate runs as an ordinary run (`desktop.core.runner`, response cache on) that the
author can open; nothing is changed without the author. The statistics are in `stats`, the
verdict and its words in `verdict`, prices and estimates in `costs`, rewrites in `rewrites`.
"""

from desktop.core.advisor.proposal import (AdviceError, AdviceRequest, Baseline, Candidate,
                                           Proposal, propose)
from desktop.core.advisor.report import advice_json, proposal_json
from desktop.core.advisor.search import (Advice, AdviceProgress, Search, SuggestionDraft,
                                         draft_for, recommend)
from desktop.core.advisor.stats import DEFAULT_MARGIN, Interval
from desktop.core.advisor.verdict import ChartPoint, Figures, Verdict

__all__ = [
    "Advice", "AdviceError", "AdviceProgress", "AdviceRequest", "Baseline", "Candidate",
    "ChartPoint", "DEFAULT_MARGIN", "Figures", "Interval", "Proposal", "Search",
    "SuggestionDraft", "Verdict", "advice_json", "draft_for", "propose", "proposal_json",
    "recommend",
]
