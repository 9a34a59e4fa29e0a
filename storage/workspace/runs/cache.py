"""The response cache's table: model answers by request hash (see desktop/core/runner/cache.py).

Entries are written by the ResultWriter in the same transaction as the result that used them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, text
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from storage.workspace.models import ResponseCache, utcnow


def cache_get_many(session: Session, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored answers for whichever of `keys` are in the cache."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, dict[str, Any]] = {}
    statement = text("SELECT key, response FROM response_cache WHERE key IN :keys").bindparams(
        bindparam("keys", expanding=True))
    for i in range(0, len(wanted), 500):
        for key, response in session.execute(statement, {"keys": wanted[i:i + 500]}):
            found[key] = json.loads(response)
    return found


def cache_put_many(session: Session, entries: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Store (key, model, response) entries; an existing key keeps its first answer."""
    rows = [{"key": k, "model": m, "response": dict(r), "created_at": utcnow()}
            for k, m, r in entries]
    if rows:
        session.execute(insert(ResponseCache.__table__).on_conflict_do_nothing(), rows)


def clear_cache(session: Session, *, older_than: datetime | None = None) -> int:
    """Forget cached answers (all, or those stored before `older_than`); returns how many."""
    statement = delete(ResponseCache)
    if older_than is not None:
        statement = statement.where(ResponseCache.created_at < older_than)
    return session.execute(statement).rowcount or 0
