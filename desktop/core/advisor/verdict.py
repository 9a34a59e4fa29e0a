"""The verdict on one candidate against the baseline, on the same cases, in numbers and words.

`compare(...)` pairs the candidate's results with the baseline's by test case and computes the
mean score and pass rate of each, the paired difference of both with its 95% interval (see
stats.py), cost per 1,000 calls and p50/p95 latency. A cell whose call failed scores 0 and
fails, and a judge that could not give a verdict fails its check, as in every run. `sentence`
says it in plain words; `points` are the same figures for a cost-versus-score chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.workspace.runs import CaseFigures

from desktop.core.advisor import costs
from desktop.core.advisor.stats import (DEFAULT_MARGIN, MIN_BOOTSTRAP_CASES, Decision, Interval,
                                        cases_to_decide, decide, paired_interval)


@dataclass(frozen=True, slots=True)
class Figures:
    """One column's figures over the cases it shares with the other column."""

    cases: int
    mean_score: float | None
    pass_rate: float | None
    cost_per_1k: float | None  # USD per 1,000 calls at the model's price; None when unknown
    p50_ms: float | None
    p95_ms: float | None
    errors: int
    judge_errors: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """A candidate against the baseline. Differences are candidate − baseline on a 0..1 scale
    (×100 for points). `decision`: better / same (non-inferior within the margin) / worse /
    undecided (not enough cases: `cases_needed` in all would decide it, None if no number
    would)."""

    key: str
    label: str
    kind: str
    provider: str
    model: str
    run_id: int
    version_id: str
    baseline_label: str
    baseline: Figures
    candidate: Figures
    score: Interval
    pass_rate: Interval | None
    decision: Decision
    margin: float
    cases_needed: int | None
    planned_cases: int  # cases in the test set: fewer were compared when the run stopped early

    @property
    def complete(self) -> bool:
        return self.score.n >= self.planned_cases

    @property
    def more_cases(self) -> int | None:
        """How many cases beyond these would decide it (0 once decided)."""
        if self.cases_needed is None:
            return None
        return max(0, self.cases_needed - self.score.n)

    @property
    def cheaper(self) -> bool:
        a, b = self.candidate.cost_per_1k, self.baseline.cost_per_1k
        return a is not None and b is not None and a < b

    @property
    def faster(self) -> bool:
        a, b = self.candidate.p50_ms, self.baseline.p50_ms
        return a is not None and b is not None and a < b

    def sentence(self) -> str:
        return sentence(self)

    def summary(self) -> str:
        return summary(self)


def _percentile(values: list[float], percent: int) -> float | None:
    """Nearest rank, as the run's column totals compute it."""
    if not values:
        return None
    values = sorted(values)
    return values[max(1, (len(values) * percent + 99) // 100) - 1]


def figures(cells: Sequence[CaseFigures], model_id: str, base_url: str | None) -> Figures:
    """A column's figures over `cells`. Cost per call is the model's price for the tokens each
    call used (so cached cells count at what they would cost)."""
    scores = [_score(c) for c in cells]
    scored = [s for s in scores if s is not None]
    passes = [c.passed for c in cells if c.passed is not None]
    price = costs.price_of(model_id, base_url)
    priced = [price.cost(c.tokens_in, c.tokens_out) for c in cells
              if price is not None and c.tokens_in is not None and c.tokens_out is not None]
    if priced:
        per_1k: float | None = 1000 * sum(priced) / len(priced)
    elif price is not None and price.input == price.output == 0:
        per_1k = 0.0
    else:
        per_1k = None
    latencies = [c.latency_ms for c in cells if c.error_kind is None and c.latency_ms is not None]
    return Figures(
        cases=len(cells), mean_score=sum(scored) / len(scored) if scored else None,
        pass_rate=sum(passes) / len(passes) if passes else None, cost_per_1k=per_1k,
        p50_ms=_percentile(latencies, 50), p95_ms=_percentile(latencies, 95),
        errors=sum(1 for c in cells if c.error_kind is not None),
        judge_errors=sum(c.judge_errors for c in cells))


def _score(cell: CaseFigures) -> float | None:
    if cell.score is not None:
        return cell.score
    return 0.0 if cell.error_kind is not None else None


def compare(*, key: str, label: str, kind: str, provider: str, model: str, base_url: str | None,
            run_id: int, version_id: str, baseline_label: str,
            baseline_cells: Sequence[CaseFigures], baseline_model: str,
            baseline_base_url: str | None, cells: Sequence[CaseFigures], planned_cases: int,
            margin: float = DEFAULT_MARGIN) -> Verdict:
    """The verdict on `cells` against `baseline_cells`, paired by test case."""
    base_by_case = {c.case_id: c for c in baseline_cells if c.case_id is not None}
    pairs = [(base_by_case[c.case_id], c) for c in cells if c.case_id in base_by_case]
    scored = [(_score(b), _score(c)) for b, c in pairs]
    scored = [(b, c) for b, c in scored if b is not None and c is not None]
    score = paired_interval([b for b, _ in scored], [c for _, c in scored])
    passed = [(b.passed, c.passed) for b, c in pairs if b.passed is not None and c.passed is not None]
    pass_rate = paired_interval([float(b) for b, _ in passed],
                                [float(c) for _, c in passed]) if passed else None
    decision = decide(score, margin)
    return Verdict(
        key=key, label=label, kind=kind, provider=provider, model=model, run_id=run_id,
        version_id=version_id, baseline_label=baseline_label,
        baseline=figures([b for b, _ in pairs], baseline_model, baseline_base_url),
        candidate=figures([c for _, c in pairs], model, base_url),
        score=score, pass_rate=pass_rate, decision=decision, margin=margin,
        cases_needed=cases_to_decide(score, margin), planned_cases=planned_cases)


# ---- words ---------------------------------------------------------------------------------

def points(value: float) -> str:
    """A 0..1 difference as signed points: +1.5, −2.0 (a real minus sign)."""
    shown = f"{abs(value) * 100:.1f}"
    if shown == "0.0":
        return "0.0"
    return ("+" if value > 0 else "\u2212") + shown


def money(value: float | None) -> str:
    if value is None:
        return "price unknown"
    if value == 0:
        return "free"
    return f"${value:,.2f}" if value >= 0.1 else f"${value:.4f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _mean(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def cost_words(candidate: float | None, baseline: float | None) -> str:
    if candidate is None:
        return "its price is unknown"
    if candidate == 0:
        return "free" + ("" if not baseline else f" (now {money(baseline)} per 1,000 calls)")
    text = f"{money(candidate)} vs {money(baseline)} per 1,000 calls"
    if baseline:
        change = candidate / baseline - 1
        if abs(change) >= 0.005:
            text += f" ({abs(change):.0%} {'less' if change < 0 else 'more'})"
    return text


def speed_words(candidate: float | None, baseline: float | None) -> str:
    if candidate is None or baseline is None or candidate <= 0 or baseline <= 0:
        return "speed not measured"
    ratio = baseline / candidate
    figures_text = f"p50 {candidate:.0f} ms vs {baseline:.0f} ms"
    if 0.9 <= ratio <= 1.1:
        return f"as fast ({figures_text})"
    if ratio > 1:
        return f"{ratio:.1f}\u00d7 faster ({figures_text})"
    return f"{1 / ratio:.1f}\u00d7 slower ({figures_text})"


def sentence(v: Verdict) -> str:
    """The verdict in one or two plain sentences."""
    s = v.score
    interval = f"95% interval {points(s.low)} to {points(s.high)}"
    margin = f"{v.margin * 100:g}-point margin"
    what = {"better": "scores better than", "same": "scores the same as",
            "worse": "scores worse than", "undecided": "cannot yet be compared with"}[v.decision]
    head = f"{v.label}: {what} {v.baseline_label} on {s.n} case{'s' if s.n != 1 else ''}"
    scores = (f"mean score {_mean(v.candidate.mean_score)} vs {_mean(v.baseline.mean_score)} "
              f"(difference {points(s.estimate)} points, {interval}")
    if v.decision in ("same", "better"):
        scores += f", within the {margin})"
    elif v.decision == "worse":
        scores += f", beyond the {margin})"
    else:
        scores += ")"
    parts = [scores]
    if v.candidate.pass_rate is not None:
        parts.append(f"pass rate {_percent(v.candidate.pass_rate)} vs "
                     f"{_percent(v.baseline.pass_rate)}")
    parts.append(cost_words(v.candidate.cost_per_1k, v.baseline.cost_per_1k))
    parts.append(speed_words(v.candidate.p50_ms, v.baseline.p50_ms))
    text = f"{head}: " + "; ".join(parts) + "."
    if v.decision == "undecided":
        text += " " + _not_enough(v)
    counted = []
    if v.candidate.errors:
        counted.append(f"{v.candidate.errors} failed call{'s' if v.candidate.errors != 1 else ''}")
    if v.candidate.judge_errors:
        counted.append(f"{v.candidate.judge_errors} judge error"
                       f"{'s' if v.candidate.judge_errors != 1 else ''}")
    if counted:
        text += f" Its {' and '.join(counted)} count as failures."
    if not v.complete:
        text += (f" The search stopped before the end: compared on {s.n} of {v.planned_cases} "
                 "cases.")
    return text


def summary(v: Verdict) -> str:
    """The verdict in one short line for a card: "pass rate 94% vs 95% (difference −1.0
    point, within ±2), free, 2.0× faster". The difference is the score's, as the decision is."""
    s = v.score
    if v.candidate.pass_rate is not None and v.baseline.pass_rate is not None:
        head = f"pass rate {_percent(v.candidate.pass_rate)} vs {_percent(v.baseline.pass_rate)}"
    else:
        head = f"mean score {_mean(v.candidate.mean_score)} vs {_mean(v.baseline.mean_score)}"
    diff = points(s.estimate)
    unit = "point" if diff in ("+1.0", "\u22121.0") else "points"
    margin = f"{v.margin * 100:g}"
    where = {"same": f"within \u00b1{margin}", "better": f"within \u00b1{margin}, better",
             "worse": f"beyond \u2212{margin}", "undecided": "not enough cases to tell"}[v.decision]
    cost = v.candidate.cost_per_1k
    if cost is None:
        money_part = "price unknown"
    elif cost == 0:
        money_part = "free"
    else:
        money_part = f"{money(cost)} per 1,000 calls"
        if v.baseline.cost_per_1k:
            change = cost / v.baseline.cost_per_1k - 1
            if abs(change) >= 0.005:
                money_part += f" ({abs(change):.0%} {'less' if change < 0 else 'more'})"
    speed = speed_words(v.candidate.p50_ms, v.baseline.p50_ms).split(" (")[0]
    return f"{head} (difference {diff} {unit}, {where}), {money_part}, {speed}"


def _not_enough(v: Verdict) -> str:
    s = v.score
    if not s.trusted:
        more = MIN_BOOTSTRAP_CASES - s.n
        return (f"Not enough cases: {s.n} are too few for a bootstrap interval over scores; "
                f"at least {MIN_BOOTSTRAP_CASES} are needed ({more} more), and more would "
                "likely be needed to decide.")
    more = v.more_cases
    if more is None:
        return (f"Not enough cases to tell whether it stays within the "
                f"{v.margin * 100:g}-point margin: the difference sits right at its edge.")
    return (f"Not enough cases to tell whether it stays within the {v.margin * 100:g}-point "
            f"margin: about {more:,} more case{'s' if more != 1 else ''} would decide it, if "
            "it went on as it did here.")


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One point of the cost-versus-score chart: `key` is a candidate's, or "current"."""

    key: str
    label: str
    cost_per_1k: float | None
    score: float | None  # mean score, 0..1
    low: float | None  # the 95% interval of the score, placed around the baseline's mean
    high: float | None
    decision: Decision | None
    current: bool = False
    recommended: bool = False


def chart_points(verdicts: Sequence[Verdict], recommended: str | None,
                 baseline_label: str, baseline: Figures | None) -> list[ChartPoint]:
    """The current configuration (marked `current`) and every candidate, for the chart."""
    out = []
    if baseline is not None:
        out.append(ChartPoint("current", baseline_label, baseline.cost_per_1k,
                              baseline.mean_score, None, None, None, current=True))
    for v in verdicts:
        base = v.baseline.mean_score
        low = None if base is None else max(0.0, min(1.0, base + v.score.low))
        high = None if base is None else max(0.0, min(1.0, base + v.score.high))
        out.append(ChartPoint(v.key, v.label, v.candidate.cost_per_1k, v.candidate.mean_score,
                              low, high, v.decision, recommended=v.key == recommended))
    return out
