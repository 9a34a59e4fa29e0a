"""How a hit in an earlier version or a note is described under the prompt list."""

from __future__ import annotations

from datetime import datetime

from desktop.ui.older_hits import describe, where, worth_showing
from storage.workspace.prompts import SearchHit


def hit(field="text", n=1, more=False, current=False) -> SearchHit:
    return SearchHit("support/refund-reply", field, "…offer the refund…", "ab" * 32,
                     datetime(2026, 1, 2), current, n, more)


def test_where_says_how_many_older_versions_match_and_when_there_are_more_than_counted():
    assert where(hit(n=1)) == "in an earlier version, 02 Jan 2026"
    assert where(hit(n=12)) == "in an earlier version, 02 Jan 2026 and 11 older"
    assert where(hit(n=51, more=True)) == "in an earlier version, 02 Jan 2026 and 50+ older"
    assert where(hit("note", n=51, more=True)) == "in a version note, 02 Jan 2026"
    assert describe(hit(n=3)) == ("support/refund-reply\nin an earlier version, 02 Jan 2026 and "
                                  "2 older\n…offer the refund…")


def test_only_what_the_list_does_not_show_already_is_worth_showing():
    assert worth_showing(hit("note", current=True)) and worth_showing(hit("text"))
    assert not worth_showing(hit("text", current=True)) and not worth_showing(hit("name"))
