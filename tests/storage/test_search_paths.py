"""The ways search reads versions give the same hits as the plain scan they replace: the
trigram index (three characters or more) and each version's distinct characters (shorter
queries), read newest first and stopped early, and both agree with Python's own reading."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from storage.releases.content import Message, PromptContent, from_canonical
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace

search_module = __import__("storage.workspace.prompts.search", fromlist=["search"])

WORDS = ["refund", "escalate", "שלום", "مرحبا", "warm", "tone", "🎉", "order", "late", "sorry"]
QUERIES = ["refund", "ref", "שלום", "🎉", "tone", "sorry order", "late", "رحب", "zzz-nowhere",
           "warm tone", "R", "ש", "Or", "y ", "zq", "🎉 "]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    rng = random.Random(14)
    path = tmp_path_factory.mktemp("search") / "w.promptpress"
    ws = Workspace.open(path)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with ws.session() as s:
        for p in range(40):
            for v in range(rng.randint(1, 12)):
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
                repo.save_version(s, f"team/p{p:02}", PromptContent(
                    messages=[Message("user", body)]),
                    message=" ".join(rng.choice(WORDS) for _ in range(2)))
        # Times that are not in insertion order (imported history), with ties.
        pks = [pk for (pk,) in s.execute(text("SELECT pk FROM versions"))]
        for pk in pks:
            at = start + timedelta(minutes=rng.randint(0, 300))
            s.execute(text("UPDATE versions SET created_at = :at WHERE pk = :pk"),
                      {"at": at.strftime("%Y-%m-%d %H:%M:%S.%f"), "pk": pk})
        for p in (3, 17):
            repo.delete_prompt(s, f"team/p{p:02}")
    yield ws
    ws.close()


def _hits(ws, query, limit):
    with ws.session() as s:
        return [(h.name, h.field, h.version_id, h.matching_versions, h.in_current, h.snippet)
                for h in repo.search(s, query, limit=limit)]


@pytest.mark.parametrize("limit", [3, 20, 200])
@pytest.mark.parametrize("query", QUERIES)
def test_index_walk_and_scan_agree(workspace, monkeypatch, query, limit):
    with monkeypatch.context() as m:  # the plain scan, as before the index
        m.setattr(search_module, "_streamed", lambda s, match, q, f, most: search_module._ranked(
            s, search_module._contains(q, f), most))
        scan = _hits(workspace, query, limit)
    with monkeypatch.context() as m:  # always the versions' characters
        m.setattr(search_module, "_indexed", search_module._by_chars)
        by_chars = _hits(workspace, query, limit)
    indexed = _hits(workspace, query, limit)  # the trigram index (when the query has 3+ chars)
    with monkeypatch.context() as m:  # the stream giving way to probing every prompt at once
        m.setattr(search_module, "BUDGET", 1)
        probed = _hits(workspace, query, limit)
    with monkeypatch.context() as m:  # the index, checking after every entry whether to stop
        m.setattr(search_module, "READ", 1)
        step_by_step = _hits(workspace, query, limit)
    assert by_chars == scan
    assert indexed == scan
    assert step_by_step == scan
    assert probed == scan
    if query not in ("zzz-nowhere", "zq"):
        assert scan, f"the sample should match {query!r}"
    assert not any(name in ("team/p03", "team/p17") for name, *_ in scan)  # deleted: not found


def _oracle(ws, query: str, field: str, limit: int):
    """The hits worked out in Python from each version's stored content, without SQL: per live
    prompt its newest version with the query in one message's text (or in its note)."""
    import re

    pattern = re.compile(re.escape(query), re.IGNORECASE | re.ASCII)  # SQLite's LIKE
    found = {}
    with ws.session() as s:
        rows = s.execute(text(
            "SELECT p.name, v.version_id, v.content, v.message, v.created_at, v.pk FROM versions v "
            "JOIN prompts p ON p.id = v.prompt_id WHERE p.deleted_at IS NULL")).all()
    for name, vid, content, note, at, pk in rows:
        places = ([m.content for m in from_canonical(content).messages]
                  if field == "text" else [note])
        if any(pattern.search(place) for place in places):
            newest, n = found.get(name, ((at, pk, vid), 0))
            found[name] = (max(newest, (at, pk, vid)), n + 1)
    ranked = sorted(found.items(), key=lambda item: item[1][0], reverse=True)[:limit]
    return [(name, vid, n) for name, ((_at, _pk, vid), n) in ranked]


def _versions_of(ws, query, field, limit):
    with ws.session() as s:
        return [(h.name, h.version_id, h.matching_versions)
                for h in repo.search(s, query, limit=limit) if h.field == field]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_python_finds_in_the_stored_content(workspace, query):
    for field in ("text", "note"):
        assert _versions_of(workspace, query, field, 15) == _oracle(workspace, query, field, 15)


def test_a_query_never_matches_across_two_messages_and_may_hold_the_separator(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        with ws.session() as s:
            repo.save_version(s, "two", PromptContent(messages=[
                Message("system", "Be kind.\r\n"), Message("user", "مرحبًا\x1fend 🎉  ")]))
            repo.save_version(s, "model-only", PromptContent(
                messages=[Message("user", "hi")], model="openai/refund-model"))
        for query in ("kind.\r\nمرحبًا", "\r\nمر", "model", "refund"):
            assert _versions_of(ws, query, "text", 10) == [], query
        for query in ("مرحبًا\x1fend", "\x1f", "end 🎉  ", "KIND.\r\n"):
            assert [h[0] for h in _versions_of(ws, query, "text", 10)] == ["two"], query
            assert _versions_of(ws, query, "text", 10) == _oracle(ws, query, "text", 10)
        with ws.session() as s:
            [hit] = repo.search(s, "end 🎉")
        assert hit.snippet == "مرحبًا end 🎉"  # the whole message, its spaces shown as one


@pytest.fixture(scope="module")
def saved_in_order(tmp_path_factory):
    """Versions saved one after another across prompts, in time order (as the app saves them),
    then a history imported last with older times, so the index stream stops early and then
    has to go on past the imported versions."""
    rng = random.Random(41)
    ws = Workspace.open(tmp_path_factory.mktemp("search") / "w.promptpress")
    with ws.session() as s:
        for _ in range(160):
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))
            repo.save_version(s, f"team/p{rng.randrange(30):02}",
                              PromptContent(messages=[Message("user", body)]),
                              message=" ".join(rng.choice(WORDS) for _ in range(2)))
        for v in range(6):  # imported: saved last, dated in the middle of the history above
            repo.save_version(s, "imported", PromptContent(
                messages=[Message("user", f"refund sorry order {v}")]), message="warm tone")
        middle = s.execute(text("SELECT created_at FROM versions ORDER BY pk LIMIT 1 OFFSET 80"))
        s.execute(text("UPDATE versions SET created_at = :at WHERE prompt_id = "
                       "(SELECT id FROM prompts WHERE name = 'imported')"),
                  {"at": middle.scalar()})
    yield ws
    ws.close()


@pytest.mark.parametrize("limit", [1, 5, 12, 40])
@pytest.mark.parametrize("query", ["refund", "sorry order", "warm tone", "שלום", "🎉", "L", "ו"])
def test_the_index_stream_stops_early_and_counts_every_match(saved_in_order, monkeypatch,
                                                             query, limit):
    with monkeypatch.context() as m:
        m.setattr(search_module, "_streamed", lambda s, match, q, f, most: search_module._ranked(
            s, search_module._contains(q, f), most))
        scan = _hits(saved_in_order, query, limit)
    for read, budget in ((1, 4096), (3, 4096), (256, 4096), (1, 1), (3, 5)):
        with monkeypatch.context() as m:
            m.setattr(search_module, "READ", read)
            m.setattr(search_module, "BUDGET", budget)  # small: probing takes over
            assert _hits(saved_in_order, query, limit) == scan, (read, budget)
    for field in ("text", "note"):
        assert _versions_of(saved_in_order, query, field, limit) == _oracle(
            saved_in_order, query, field, limit)
    if limit > 1:
        assert any(n > 1 for *_, n, _current, _snippet in scan)  # counts past the first match


def test_a_long_history_is_counted_in_its_newest_versions_and_said_to_be_at_least(tmp_path,
                                                                                   monkeypatch):
    """The matches of a prompt beyond what search read are counted in its newest 50 versions
    (testing every one of 10,000 would cost more than all the rest of a search): a prompt of
    130 versions, each with the word, counts "at least 50" then; one of 12 exactly."""
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        with ws.session() as s:
            for name, n in (("long", 130), ("short", 12)):
                for v in range(n):
                    repo.save_version(s, name, PromptContent(
                        messages=[Message("user", f"refund {v} 🎉")]))
        for query in ("refund", "🎉"):
            for budget in (4096, 1):  # read from the stream, and probed
                with monkeypatch.context() as m, ws.session() as s:
                    m.setattr(search_module, "BUDGET", budget)
                    m.setattr(search_module, "READ", 8)
                    hits = {h.name: h for h in repo.search(s, query, limit=1) if h.field == "text"}
                    two = {h.name: h for h in repo.search(s, query, limit=2) if h.field == "text"}
                assert (hits["short"].matching_versions, hits["short"].more_versions) == (12, False)
                long = two["long"]  # counted beyond what was read: at least 50, at most all 130
                assert long.more_versions and search_module.WALKED == 50
                assert 50 <= long.matching_versions < 130, (query, budget)
            with ws.session() as s:  # read to the end (no more prompts than asked for): exact
                hits = {h.name: h for h in repo.search(s, query) if h.field == "text"}
            assert (hits["long"].matching_versions, hits["long"].more_versions) == (130, False)
