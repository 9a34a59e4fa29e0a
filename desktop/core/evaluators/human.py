"""Human evaluation as data: ratings of one output, and blind A/B preferences between two.

Pure data and logic; storing them and showing them belong to the workspace and the UI.

A rating has a thumb (up/down), a score in [0, 1], a comment, or any mix. As a Score: the value
is the score if given, else 1 for up and 0 for down; the pass is the thumb if given, else
score >= threshold. A rating with only a comment has no value and no pass, so it does not count
toward the case score.

Blind A/B: `blind_pairs` puts the two candidates of each case on random sides and shuffles the
cases. The rater sees only "left" and "right"; the pair keeps the mapping, and `Preference.winner`
unblinds the choice to "a", "b", "tie" or "neither".
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .base import Score, is_number

Thumb = Literal["up", "down"]
Choice = Literal["left", "right", "tie", "neither"]
Winner = Literal["a", "b", "tie", "neither"]
CHOICES: tuple[Choice, ...] = ("left", "right", "tie", "neither")


@dataclass(frozen=True, slots=True)
class HumanRating:
    thumb: Thumb | None = None
    score: float | None = None
    comment: str = ""
    rater: str = ""

    def __post_init__(self) -> None:
        if self.thumb not in (None, "up", "down"):
            raise ValueError(f"thumb must be 'up', 'down' or None, got {self.thumb!r}")
        if self.score is not None and (not is_number(self.score) or not 0 <= self.score <= 1):
            raise ValueError(f"a human score must be between 0 and 1, got {self.score!r}")

    def to_score(self, *, name: str = "human", threshold: float = 0.5,
                 weight: float = 1.0) -> Score:
        """This rating as a Score that combines with the automatic ones."""
        value = float(self.score) if self.score is not None else (
            None if self.thumb is None else (1.0 if self.thumb == "up" else 0.0))
        if self.thumb is not None:
            passed: bool | None = self.thumb == "up"
        else:
            passed = None if value is None else value >= threshold
        marks = [f"thumbs {self.thumb}" if self.thumb else "",
                 f"score {self.score:g}" if self.score is not None else ""]
        head = ", ".join(mark for mark in marks if mark)
        reason = f"{head}: {self.comment}" if head and self.comment else (
            head or self.comment or "not rated")
        if self.rater:
            reason = f"{self.rater}: {reason}"
        return Score(evaluator=name, value=value, passed=passed, reason=reason, weight=weight,
                     details={"thumb": self.thumb, "score": self.score, "comment": self.comment,
                              "rater": self.rater})


@dataclass(frozen=True, slots=True)
class BlindPair:
    """Two candidate outputs for one case; `a` and `b` are the caller's ids (e.g. result ids)."""

    case_id: str
    a: str
    b: str
    a_on_left: bool

    @property
    def left(self) -> str:
        return self.a if self.a_on_left else self.b

    @property
    def right(self) -> str:
        return self.b if self.a_on_left else self.a

    def record(self, choice: Choice, *, rater: str = "", comment: str = "") -> Preference:
        return Preference(pair=self, choice=choice, rater=rater, comment=comment)


@dataclass(frozen=True, slots=True)
class Preference:
    """What the rater chose, as seen (left/right), with the pair that unblinds it."""

    pair: BlindPair
    choice: Choice
    rater: str = ""
    comment: str = ""

    def __post_init__(self) -> None:
        if self.choice not in CHOICES:
            raise ValueError(f"choice must be one of {', '.join(CHOICES)}, got {self.choice!r}")

    @property
    def winner(self) -> Winner:
        if self.choice in ("tie", "neither"):
            return self.choice  # type: ignore[return-value]
        left_won = self.choice == "left"
        return "a" if left_won == self.pair.a_on_left else "b"


def blind_pairs(candidates: Iterable[tuple[str, str, str]],
                rng: random.Random | None = None) -> list[BlindPair]:
    """Pairs for (case_id, a, b) triples, each with a random side for `a`, in shuffled order.

    Pass a seeded `random.Random` for a reproducible session; the default is the OS's randomness.
    """
    rng = rng or random.SystemRandom()
    pairs = [BlindPair(case_id=case_id, a=a, b=b, a_on_left=rng.random() < 0.5)
             for case_id, a, b in candidates]
    rng.shuffle(pairs)
    return pairs


@dataclass(frozen=True, slots=True)
class PreferenceTally:
    a: int
    b: int
    tie: int
    neither: int

    @property
    def total(self) -> int:
        return self.a + self.b + self.tie + self.neither

    @property
    def a_win_rate(self) -> float | None:
        """A's share of the decided comparisons (ties and neither left out); None if none."""
        decided = self.a + self.b
        return self.a / decided if decided else None


def tally(preferences: Iterable[Preference]) -> PreferenceTally:
    counts = {"a": 0, "b": 0, "tie": 0, "neither": 0}
    for preference in preferences:
        counts[preference.winner] += 1
    return PreferenceTally(**counts)
