"""Scores across runs: a prompt's score trend (the compare view's chart) and each version's
latest score (the version history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.workspace.models import Prompt, Result, Version


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """A version's mean score in one run on one provider (for the chart across versions)."""

    version_pk: int
    version_id: str
    version_created_at: datetime
    run_id: int
    provider: str
    mean_score: float | None
    pass_rate: float | None
    results: int


def score_trend(session: Session, prompt_name: str) -> list[ScorePoint]:
    """A prompt's score trend: every version that was run, per run and provider, oldest
    version first."""
    rows = session.execute(
        select(Version.pk, Version.version_id, Version.created_at, Result.run_id, Result.provider,
               func.avg(Result.score), func.count(case((Result.passed == True, 1))),  # noqa: E712
               func.count(Result.passed), func.count())
        .join(Result, Result.version_pk == Version.pk)
        .join(Prompt, Prompt.id == Version.prompt_id)
        .where(Prompt.name == prompt_name)
        .group_by(Version.pk, Result.run_id, Result.provider)
        .order_by(Version.created_at, Version.pk, Result.run_id)
    ).all()
    return [ScorePoint(pk, vid, created, run_id, provider, mean,
                         (passed or 0) / judged if judged else None, n)
            for pk, vid, created, run_id, provider, mean, passed, judged, n in rows]


def version_scores(session: Session, prompt_id: int) -> dict[int, tuple[float, int]]:
    """Per version pk: the mean score and scored cases of the most recent run that scored it."""
    rows = session.execute(
        select(Result.version_pk, Result.run_id, func.avg(Result.score), func.count(Result.id))
        .join(Version, Version.pk == Result.version_pk)
        .where(Version.prompt_id == prompt_id, Result.score.is_not(None))
        .group_by(Result.version_pk, Result.run_id)
    ).all()
    out: dict[int, tuple[int, float, int]] = {}
    for pk, run_id, mean, count in rows:
        if pk not in out or run_id > out[pk][0]:
            out[pk] = (run_id, float(mean), int(count))
    return {pk: (mean, count) for pk, (_, mean, count) in out.items()}

