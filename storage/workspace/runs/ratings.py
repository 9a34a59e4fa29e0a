"""Human judgement stored with a run: ratings of one result and blind A/B preferences.

A rating is a Score with kind "human", one per rater and result (rating again replaces it).
Combining it with the automatic scores into the result's case score is desktop/core's job
(`desktop.core.runner.ratings`), which then calls `set_result_score`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from storage.workspace.models import Preference, Result, Score, utcnow
from storage.workspace.runs.records import RunError, ScoreRecord

HUMAN = "human"


def _result(session: Session, result_id: int) -> Result:
    result = session.get(Result, result_id)
    if result is None:
        raise RunError(f"There is no result {result_id}.")
    return result


def result_scores(session: Session, result_id: int) -> list[ScoreRecord]:
    """Every score of a result, oldest first, with details."""
    rows = session.execute(text(
        "SELECT evaluator, value, passed, reason, error, weight, kind, details, rater FROM scores "
        "WHERE result_id = :id ORDER BY id"), {"id": result_id}).all()
    return [ScoreRecord(evaluator=r[0], value=r[1], passed=None if r[2] is None else bool(r[2]),
                        reason=r[3] or "", error=r[4], weight=r[5], kind=r[6],
                        details=json.loads(r[7] or "{}"), rater=r[8] or "") for r in rows]


def save_human_score(session: Session, result_id: int, score: ScoreRecord) -> None:
    """Store a human rating, replacing the same rater's previous rating of this result."""
    result = _result(session, result_id)
    if result.output is None:
        raise RunError("This cell has no output to rate (its call failed).")
    session.execute(delete(Score).where(Score.result_id == result_id, Score.kind == HUMAN,
                                        Score.rater == score.rater))
    session.add(Score(result_id=result_id, evaluator=score.evaluator, kind=HUMAN,
                      value=score.value, passed=score.passed, reason=score.reason,
                      error=score.error, weight=score.weight, details=dict(score.details),
                      rater=score.rater, created_at=utcnow()))
    session.flush()


def delete_human_score(session: Session, result_id: int, rater: str = "") -> int:
    """Remove a rater's rating of a result; returns how many were removed (0 or 1)."""
    outcome = session.execute(delete(Score).where(Score.result_id == result_id,
                                                  Score.kind == HUMAN, Score.rater == rater))
    return outcome.rowcount or 0


def set_result_score(session: Session, result_id: int, score: float | None,
                     passed: bool | None) -> None:
    """Store a result's combined case score (after its scores changed)."""
    result = _result(session, result_id)
    result.score, result.passed = score, passed
    session.flush()


@dataclass(frozen=True, slots=True)
class PreferenceRecord:
    id: int
    run_id: int
    case_id: int | None
    result_a_id: int
    result_b_id: int
    a_on_left: bool
    choice: str
    winner: str
    rater: str
    comment: str
    created_at: datetime


def record_preference(session: Session, *, run_id: int, result_a_id: int, result_b_id: int,
                      a_on_left: bool, choice: str, winner: str, rater: str = "",
                      comment: str = "") -> PreferenceRecord:
    """Store one blind A/B choice (the caller unblinds it: see evaluators.human.Preference)."""
    a, b = _result(session, result_a_id), _result(session, result_b_id)
    if a.run_id != run_id or b.run_id != run_id:
        raise RunError("Both results of a preference must belong to the run.")
    if a.case_id != b.case_id or a.row != b.row:
        raise RunError("A preference compares two outputs for the same case.")
    pref = Preference(run_id=run_id, case_id=a.case_id, result_a_id=result_a_id,
                      result_b_id=result_b_id, a_on_left=a_on_left, choice=choice, winner=winner,
                      rater=rater, comment=comment, created_at=utcnow())
    session.add(pref)
    session.flush()
    return _record(pref)


def list_preferences(session: Session, run_id: int) -> list[PreferenceRecord]:
    """A run's preferences, oldest first."""
    prefs = session.scalars(select(Preference).where(Preference.run_id == run_id)
                            .order_by(Preference.id))
    return [_record(p) for p in prefs]


def _record(p: Preference) -> PreferenceRecord:
    return PreferenceRecord(p.id, p.run_id, p.case_id, p.result_a_id, p.result_b_id,
                            p.a_on_left, p.choice, p.winner, p.rater, p.comment, p.created_at)
