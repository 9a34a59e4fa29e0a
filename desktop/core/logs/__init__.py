"""Production logs on the author's side: pull them from sinks, read them, act on them. No Qt.

    sources     list and stream the segments of a log sink (a folder, or HTTP with an index)
    segments    read one segment: its records, and a problem for each file or line skipped
    pull        pull a sink into the workspace: incremental, idempotent, resumable
    views       pages of calls, a call in full with its rendered messages, rates per release
                over time, comparisons of two releases, the playground seed of a call
    testcases   logged calls as test cases (variables, and the output or corrected output)
    text        previews that show control characters, bidi marks and trailing spaces

The user's actions (pull, configure sinks, add to a test set, open in the playground) are ops:
`desktop.core.ops.logs`. The record format is storage.releases.logformat; the tables and
queries are storage.workspace.logs.
"""

from __future__ import annotations

from storage.workspace.logs import (FEEDBACK_FILTERS, CallDetail, CallFilter, CallRow,
                                    ComparePair, Comparison, FeedbackRow, LogFacets, RatePoint)

from .errors import LogsError, Problem

__all__ = [
    "FEEDBACK_FILTERS", "CallDetail", "CallFilter", "CallRow", "ComparePair", "Comparison",
    "FeedbackRow", "LogFacets", "LogsError", "Problem", "RatePoint",
]
