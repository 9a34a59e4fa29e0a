"""The logs tables: each record once, filters, FTS5 search kept in step, rates, comparisons."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.workspace import logs as repo
from storage.workspace.db import Workspace
from storage.workspace.logs import CallFilter
from tests.support import log_segments as seg

DAY1, DAY2 = "2026-12-01", "2026-12-02"


@pytest.fixture
def workspace(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        yield ws


def store(workspace, calls=(), feedback=(), path="acme/x.jsonl"):
    with workspace.session() as session:
        return repo.store_segment(session, source="/logs", path=path, status="done", size=1,
                                  calls=[repo.call_row(c) for c in calls],
                                  feedback=[repo.feedback_row(f) for f in feedback])


@pytest.fixture
def logged(workspace):
    """Eight calls of two releases on two days, with errors and feedback."""
    calls = [
        seg.call(1, release=1, time=f"{DAY1}T09:00:00.000000Z", variables={"q": "refund please"},
                 output="No refunds.  "),
        seg.call(2, release=1, time=f"{DAY1}T10:30:00.000000Z", variables={"q": "מה המצב"},
                 output=None, error="RateLimited: slow down"),
        seg.call(3, release=2, version="cd" * 32, time=f"{DAY2}T08:00:00.000000Z",
                 variables={"q": "refund please"}, output="Refund sent ✅"),
        seg.call(4, release=2, version="cd" * 32, time=f"{DAY2}T09:00:00.000000Z",
                 variables={"q": "مرحبا"}, output="أهلا\r\n"),
        seg.call(5, release=2, version="cd" * 32, time=f"{DAY2}T09:30:00.000000Z",
                 prompt="support/other", variables={"q": "x"}, model="anthropic/claude"),
        seg.call(6, release=2, version="cd" * 32, time=f"{DAY2}T10:00:00.000000Z",
                 channel="staging"),
    ]
    feedback = [
        seg.feedback(20, seg.call_id(1), rating=False, comment="too blunt",
                     corrected="We are sorry: no refunds.\n"),
        seg.feedback(21, seg.call_id(3), rating="👍"),
        seg.feedback(22, seg.call_id(4), rating=0),
        seg.feedback(23, seg.call_id(4), rating=None, comment="just a note"),
    ]
    store(workspace, calls, feedback)
    return workspace


def count(workspace, **filters) -> int:
    with workspace.session() as session:
        return repo.count_calls(session, CallFilter(**filters))


def test_a_record_is_stored_once_however_often_it_arrives(workspace):
    calls, fb = [seg.call(1), seg.call(2)], [seg.feedback(3, seg.call_id(1))]
    assert store(workspace, calls, fb) == repo.Stored(2, 1, 0)
    assert store(workspace, calls, fb, path="acme/y.jsonl") == repo.Stored(0, 0, 3)
    assert store(workspace, calls, fb) == repo.Stored(0, 0, 3)  # the same segment again
    with workspace.session() as session:
        assert repo.count_calls(session) == 2
        assert set(repo.known_segments(session, "/logs")) == {"acme/x.jsonl", "acme/y.jsonl"}
        repo.integrity_check(session)


def test_filters(logged):
    assert count(logged) == 6
    assert count(logged, prompt="support/greet") == 5
    assert count(logged, release=1) == 2 and count(logged, version="cdcd") == 4
    assert count(logged, since=datetime(2026, 12, 2, tzinfo=timezone.utc)) == 4
    assert count(logged, until=datetime(2026, 12, 1, 10, tzinfo=timezone.utc)) == 1
    assert count(logged, errors=True) == 1 and count(logged, errors=False) == 5
    assert count(logged, feedback="negative") == 1 and count(logged, feedback="positive") == 1
    assert count(logged, feedback="neutral") == 1 and count(logged, feedback="any") == 3
    assert count(logged, feedback="none") == 3 and count(logged, feedback="corrected") == 1
    assert count(logged, model="anthropic/claude") == 1 and count(logged, channel="staging") == 1
    with logged.session() as session:
        pks = [r.pk for r in repo.list_calls(session, CallFilter(release=2))]
    assert count(logged, pks=tuple(pks[:2])) == 2 and count(logged, pks=()) == 0
    assert count(logged, pks=tuple(pks), errors=True) == 0  # with the other filters, not instead
    with pytest.raises(ValueError, match="feedback filter"):
        CallFilter(feedback="angry")
    with pytest.raises(ValueError, match="not a version id"):
        CallFilter(version="x' OR 1=1 --")


@pytest.mark.parametrize("words, expected", [
    ("refund", 2), ("REFUND please", 2), ("refu", 2), ("sorry", 1), ("blunt", 1),
    ("מה", 1), ("مرحبا", 1), ("أهلا", 1), ("ratelimited", 1), ("other", 0),  # names: a filter
    ('"', 0), ("refund OR x", 0), ("NEAR(a b)", 0), ("*", 0), ("", 6), ("   ", 6),
])
def test_text_search_reads_words_never_query_syntax(logged, words, expected):
    assert count(logged, text=words) == expected


def test_any_search_text_is_a_valid_query(logged):
    @settings(max_examples=150, deadline=None)
    @given(st.text(max_size=30))
    def check(words):
        with logged.session() as session:
            assert 0 <= repo.count_calls(session, CallFilter(text=words)) <= 6

    check()


def test_the_table_reads_previews_and_feedback_counts(logged):
    with logged.session() as session:
        rows = repo.list_calls(session, CallFilter(prompt="support/greet"), limit=3)
        assert [r.log_id for r in rows] == [seg.call_id(6), seg.call_id(4), seg.call_id(3)]
        four = rows[1]
        assert four.variables_preview == {"q": "مرحبا"} and four.output_preview == "أهلا\r\n"
        assert (four.positive, four.negative, four.feedback, four.corrected) == (0, 0, 2, False)
        page2 = repo.list_calls(session, CallFilter(prompt="support/greet"), limit=3, offset=3)
        assert [r.log_id for r in page2] == [seg.call_id(2), seg.call_id(1)]
        assert page2[1].corrected and page2[0].error_preview == "RateLimited: slow down"
        detail = repo.call_detail(session, log_id=seg.call_id(1))
        assert detail.output == "No refunds.  " and detail.metadata == {"seq": 1}
        assert [f.corrected_output for f in detail.feedback] == ["We are sorry: no refunds.\n"]
        long = seg.call(30, variables={"q": "y" * 5000}, output="z" * 5000)
        repo.store_segment(session, source="/logs", path="acme/z", status="done", size=1,
                           calls=[repo.call_row(long)])
        (row,) = repo.list_calls(session, CallFilter(text="yyyy"))
        assert len(row.variables_preview["q"]) == 200 and len(row.output_preview) == 200


def test_rates_per_release_over_time(logged):
    with logged.session() as session:
        days = repo.rate_series(session, CallFilter(prompt="support/greet"))
        assert [(p.release, p.start.day, p.calls, p.errors, p.rated, p.negative, p.positive)
                for p in days] == [(1, 1, 2, 1, 1, 1, 0), (2, 2, 3, 0, 1, 0, 1)]
        assert days[0].error_rate == 0.5 and days[0].negative_rate == 1.0
        hours = repo.rate_series(session, CallFilter(release=2), bucket="hour")
        assert [(p.start.hour, p.calls) for p in hours] == [(8, 1), (9, 2), (10, 1)]


def test_calls_for_a_test_set_and_compared_releases(logged):
    with logged.session() as session:
        sources = repo.calls_for_testset(session, pks=[3, 1, 99])
        assert [s.log_id for s in sources] == [seg.call_id(3), seg.call_id(1)]
        assert sources[1].corrected_output == "We are sorry: no refunds.\n"
        comparison = repo.compare_releases(session, "support/greet", 1, 2)
        assert (comparison.calls_a, comparison.calls_b) == (2, 3)
        (pair,) = comparison.pairs
        assert pair.variables == {"q": "refund please"}
        assert (pair.a.output_preview, pair.b.output_preview) == ("No refunds.  ",
                                                                  "Refund sent ✅")
        facets = repo.facets(session, "support/greet")
        assert facets.releases == [1, 2] and facets.calls == 5
        assert facets.first.day == 1 and facets.last - facets.first > timedelta(days=1)
