"""The advisor's interval code against scipy on random data (hypothesis), and what it decides."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sp

from desktop.core.advisor.stats import (MIN_BOOTSTRAP_CASES, cases_to_decide, decide,
                                        exact_interval, paired_interval)

binary_pairs = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1,
                        max_size=400)
score = st.floats(0, 1, allow_nan=False)
score_pairs = st.lists(st.tuples(score, score), min_size=MIN_BOOTSTRAP_CASES, max_size=120)


@given(binary_pairs)
@settings(max_examples=200, deadline=None)
def test_pass_fail_interval_is_the_exact_bound_scipy_gives(pairs):
    base = [b for b, _ in pairs]
    cand = [c for _, c in pairs]
    found = paired_interval(base, cand)
    n = len(pairs)
    diffs = np.subtract(cand, base)
    worse, better = int((diffs == -1).sum()), int((diffs == 1).sum())
    w = sp.binomtest(worse, n).proportion_ci(0.975, method="exact")
    b = sp.binomtest(better, n).proportion_ci(0.975, method="exact")
    assert found.method == "exact" and (found.worse, found.better) == (worse, better)
    assert found.estimate == pytest.approx(diffs.mean())
    assert found.low == pytest.approx(b.low - w.high)
    assert found.high == pytest.approx(b.high - w.low)
    assert -1 <= found.low <= found.estimate <= found.high <= 1


@given(score_pairs, st.integers(0, 2 ** 31))
@settings(max_examples=40, deadline=None)
def test_score_interval_is_scipys_paired_bootstrap(pairs, seed):
    base = np.array([b for b, _ in pairs])
    cand = np.array([c for _, c in pairs])
    if np.all(cand == base) or (np.isin(base, (0, 1)).all() and np.isin(cand, (0, 1)).all()):
        return  # handled exactly, above and below
    found = paired_interval(base.tolist(), cand.tolist(), seed=seed, resamples=2000)
    rng = np.random.default_rng(seed)
    # scipy's own paired bootstrap of the difference of means: the same resampled cases.
    reference = sp.bootstrap((cand, base), lambda c, b, axis=-1: c.mean(axis) - b.mean(axis),
                             paired=True, vectorized=True, n_resamples=2000, method="BCa",
                             random_state=rng, confidence_level=0.95)
    low, high = reference.confidence_interval
    if not (math.isfinite(low) and math.isfinite(high)):
        return  # degenerate for BCa: the percentile fallback is checked below
    assert found.method == "bootstrap"
    assert found.estimate == pytest.approx((cand - base).mean())
    assert found.low == pytest.approx(min(low, found.estimate), abs=1e-9)
    assert found.high == pytest.approx(max(high, found.estimate), abs=1e-9)


@given(st.lists(score, min_size=1, max_size=200))
@settings(max_examples=50, deadline=None)
def test_identical_answers_give_the_exact_interval_for_no_difference(values):
    found = paired_interval(values, values)
    assert found.estimate == 0 and found.low == -found.high
    expected = 1 - 0.0125 ** (1 / len(values))  # Clopper-Pearson upper bound for 0 of n
    assert found.high == pytest.approx(expected)


@given(binary_pairs)
@settings(max_examples=100, deadline=None)
def test_cases_to_decide_are_enough_when_the_candidate_goes_on_alike(pairs):
    found = paired_interval([b for b, _ in pairs], [c for _, c in pairs])
    needed = cases_to_decide(found)
    if decide(found) != "undecided":
        assert needed == found.n
    elif needed is not None:
        n = found.n
        scaled = exact_interval(round(found.worse / n * needed),
                                round(found.better / n * needed), needed)
        assert needed > n and decide(scaled) != "undecided"


def test_decisions_follow_the_margin():
    assert decide(paired_interval([1] * 300, [1] * 300)) == "same"
    assert decide(paired_interval([1] * 10, [1] * 10)) == "undecided"
    assert decide(paired_interval([1] * 300, [1] * 270 + [0] * 30)) == "worse"
    assert decide(paired_interval([0] * 300, [1] * 100 + [0] * 200)) == "better"
    assert decide(paired_interval([1] * 300, [1] * 300), margin=0.01) == "undecided"
    few = paired_interval([0.5] * 10, [0.6] * 5 + [0.4] * 5)
    assert few.method == "bootstrap" and not few.trusted and decide(few) == "undecided"
    assert cases_to_decide(paired_interval([1] * 10, [1] * 10)) == 217


def test_a_card_summary_says_the_decision_in_one_line():
    from desktop.core.advisor.stats import Interval
    from desktop.core.advisor.verdict import Figures, Verdict

    def fig(rate, cost, p50):
        return Figures(100, rate, rate, cost, p50, p50, 0, 0)

    def verdict(decision, estimate, cost):
        return Verdict("model:x", "Llama 3 (local)", "model", "x", "ollama/llama3", 1, "v",
                       "current", fig(0.95, 3.0, 200.0), fig(0.94, cost, 100.0),
                       Interval(estimate, estimate - 0.02, estimate + 0.02, 100, "exact"),
                       None, decision, 0.03, None, 100)

    assert verdict("same", -0.01, 0.0).summary() == (
        "pass rate 94% vs 95% (difference \u22121.0 point, within \u00b13), free, 2.0\u00d7 faster")
    worse = verdict("worse", -0.05, 1.5).summary()
    assert "beyond \u22123" in worse and "within" not in worse and "(50% less)" in worse
    assert "not enough cases to tell" in verdict("undecided", -0.01, 0.0).summary()
