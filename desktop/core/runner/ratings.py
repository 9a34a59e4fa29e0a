"""Human judgement on a run: rate a result (thumbs, score, comment), blind A/B preferences.

A rating becomes a Score (kind "human", one per rater and result) that counts in the result's
case score like any evaluator (weight 1 by default; weight 0 records it without counting). After
a rating the result's case score and the run's mean score and gate are recomputed.
"""

from __future__ import annotations

import random

from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace
from storage.workspace.runs import ScoreRecord

from desktop.core.evaluators import (BlindPair, CaseScore, HumanRating, Preference,
                                     PreferenceTally, Score, blind_pairs, case_score, tally)
from desktop.core.runner.plan import EvalError


def _as_score(record: ScoreRecord) -> Score:
    return Score(evaluator=record.evaluator, value=record.value, passed=record.passed,
                 reason=record.reason, error=record.error, details=dict(record.details),
                 weight=record.weight)


def _recombine(session, result_id: int) -> CaseScore:
    combined = case_score(_as_score(s) for s in run_repo.result_scores(session, result_id))
    run_repo.set_result_score(session, result_id, combined.value, combined.passed)
    return combined


def rate(workspace: Workspace, result_id: int, rating: HumanRating, *,
         weight: float = 1.0) -> CaseScore:
    """Store `rating` of a result (replacing the rater's previous one); returns the new case
    score. The run's mean score and gate are recomputed."""
    score = rating.to_score(weight=weight)
    record = ScoreRecord(evaluator=score.evaluator, value=score.value, passed=score.passed,
                         reason=score.reason, weight=score.weight, kind="human",
                         details=dict(score.details), rater=rating.rater)
    with workspace.session() as session:
        try:
            run_id = _run_of(session, result_id)
            run_repo.save_human_score(session, result_id, record)
        except run_repo.RunError as exc:
            raise EvalError(str(exc)) from None
        combined = _recombine(session, result_id)
        run_repo.refresh_figures(session, run_id)
    return combined


def clear_rating(workspace: Workspace, result_id: int, rater: str = "") -> CaseScore:
    """Remove a rater's rating of a result; returns the case score without it."""
    with workspace.session() as session:
        run_repo.delete_human_score(session, result_id, rater)
        combined = _recombine(session, result_id)
        run_repo.refresh_figures(session, _run_of(session, result_id))
    return combined


def _run_of(session, result_id: int) -> int:
    from storage.workspace.models import Result

    result = session.get(Result, result_id)
    if result is None:
        raise run_repo.RunError(f"There is no result {result_id}.")
    return result.run_id


def blind_session(workspace: Workspace, run_id: int, a: tuple[int, str], b: tuple[int, str], *,
                  rng: random.Random | None = None) -> list[BlindPair]:
    """Pairs to rate blind: for every row where both columns (version_pk, provider) have an
    output, the two result ids on random sides, rows shuffled. Pair ids are result ids (str)."""
    with workspace.session() as session:
        try:
            run = run_repo.get_run(session, run_id)
        except run_repo.RunError as exc:
            raise EvalError(str(exc)) from None
        rows = run_repo.load_rows(session, run, 0, run_repo.row_count(run), preview_chars=0)
    candidates = []
    for row in rows:
        left, right = row.cells.get(a), row.cells.get(b)
        if left and right and left.error_kind is None and right.error_kind is None:
            candidates.append((str(row.case_id), str(left.result_id), str(right.result_id)))
    return blind_pairs(candidates, rng)


def prefer(workspace: Workspace, run_id: int, pair: BlindPair, choice: str, *, rater: str = "",
           comment: str = "") -> run_repo.PreferenceRecord:
    """Record a blind choice ("left", "right", "tie", "neither"), unblinded for storage."""
    try:
        preference = pair.record(choice, rater=rater, comment=comment)  # type: ignore[arg-type]
    except ValueError as exc:
        raise EvalError(str(exc)) from None
    with workspace.session() as session:
        try:
            return run_repo.record_preference(
                session, run_id=run_id, result_a_id=int(pair.a), result_b_id=int(pair.b),
                a_on_left=pair.a_on_left, choice=choice, winner=preference.winner,
                rater=rater, comment=comment)
        except run_repo.RunError as exc:
            raise EvalError(str(exc)) from None


def preference_tally(workspace: Workspace, run_id: int) -> PreferenceTally:
    """A's wins, B's wins, ties and neither over the run's stored preferences."""
    with workspace.session() as session:
        records = run_repo.list_preferences(session, run_id)
    prefs = [Preference(BlindPair(str(r.case_id), str(r.result_a_id), str(r.result_b_id),
                                  r.a_on_left), r.choice, r.rater, r.comment)  # type: ignore[arg-type]
             for r in records]
    return tally(prefs)
