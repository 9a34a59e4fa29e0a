"""The three ways search finds versions give the same hits: the trigram index (a rare word),
the newest-first walk (a word many versions contain) and the plain scan they both replace."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text, true

from storage.releases.content import Message, PromptContent, from_canonical
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace

search_module = __import__("storage.workspace.prompts.search", fromlist=["search"])

WORDS = ["refund", "escalate", "שלום", "مرحبا", "warm", "tone", "🎉", "order", "late", "sorry"]
QUERIES = ["refund", "ref", "שלום", "🎉", "tone", "sorry order", "late", "رحب", "zzz-nowhere",
           "warm tone"]


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
        m.setattr(search_module, "_indexed", lambda s, q, f: true())
        scan = _hits(workspace, query, limit)
    with monkeypatch.context() as m:  # always the newest-first walk
        m.setattr(search_module, "_indexed", lambda s, q, f: None)
        walk = _hits(workspace, query, limit)
    with monkeypatch.context() as m:  # always the trigram index (when the query has 3+ chars)
        m.setattr(search_module, "SELECTIVE", 10**9)
        indexed = _hits(workspace, query, limit)
    assert walk == scan
    assert indexed == scan
    if query not in ("zzz-nowhere",):
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
