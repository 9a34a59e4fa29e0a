"""Production logs in the workspace: calls and feedback pulled from log sinks, and queries.

    store      pull bookkeeping (which segments were read) and storing a segment's records,
               each record once however often it is pulled
    queries    the table of calls with filters and text search, a call's detail, feedback and
               error rates per release over time, calls to turn into test cases, comparisons
    sinks      which log sinks belong to a release repository

The records were checked by the caller (desktop.core.logs) against the log format of
storage.releases.logformat; text is stored exactly as logged.
"""

from .queries import (FEEDBACK_FILTERS, CallDetail, CallFilter, CallRow, ComparePair,
                      Comparison, FeedbackRow, LogFacets, RatePoint, TestCaseSource, call_detail,
                      calls_for_testset, compare_releases, count_calls, facets, list_calls,
                      rate_series, search_query, time_span,
                      version_with_id)
from .sinks import (SinkRow, add_sink, list_sinks, mark_pulled, remove_sink,
                    repository_projects)
from .store import (SegmentState, Stored, call_row, feedback_row, integrity_check,
                    known_segments, store_segment, variables_hash)

__all__ = [
    "FEEDBACK_FILTERS", "CallDetail", "CallFilter", "CallRow", "ComparePair", "Comparison",
    "FeedbackRow", "LogFacets", "RatePoint", "SegmentState", "SinkRow", "Stored",
    "TestCaseSource", "add_sink", "call_detail", "call_row", "calls_for_testset",
    "compare_releases", "count_calls", "facets", "feedback_row", "integrity_check",
    "known_segments", "list_calls", "list_sinks", "mark_pulled", "rate_series", "remove_sink", "repository_projects",
    "search_query", "store_segment", "time_span", "variables_hash", "version_with_id",
]
