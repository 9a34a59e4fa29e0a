"""Each version's distinct characters (`version_chars`, migration 0013_search_chars), worked out
in Python when a transaction that wrote to the workspace commits.

The table's triggers give a new or changed version NULL; `fill_pending` works those rows out
from `version_texts` (the note, and the message texts joined by U+001F). Search reads a NULL
row as "may contain anything", so a row nobody has filled yet is still found."""

from __future__ import annotations

import sqlite3

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def distinct_chars(value: str) -> str:
    """The distinct characters of `value`, sorted, ASCII letters in lower case (SQLite's LIKE
    folds those and nothing else)."""
    return "".join(sorted(set(value.translate(_ASCII_LOWER))))


def fill_pending(connection: sqlite3.Connection) -> int:
    """Work out the rows of `version_chars` that are NULL; returns how many there were. Cheap
    when there are none: one look at a partial index that holds only the pending rows. A
    pending row whose `version_texts` row is missing stays NULL (found by every search)."""
    done = 0
    while rows := connection.execute(
            "SELECT c.pk, t.texts, t.note FROM version_chars AS c "
            "INDEXED BY ix_version_chars_pending JOIN version_texts AS t ON t.pk = c.pk "
            "WHERE c.texts IS NULL LIMIT ?", (BATCH,)).fetchall():
        connection.executemany(
            "UPDATE version_chars SET texts = ?, note = ? WHERE pk = ?",
            [(distinct_chars(texts), distinct_chars(note), pk) for pk, texts, note in rows])
        done += len(rows)
    return done


BATCH = 2_000  # rows read at a time: a bulk insert of many versions is not held in memory
