"""LLM-as-judge (with a fake model) and human ratings / blind A/B preferences."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop.core.evaluators import (BlindPair, Case, HumanRating, Judge, JudgeReplyError,
                                     Preference, bind_judges, blind_pairs, build_messages,
                                     case_score, parse_spec, parse_verdict, response_format,
                                     tally)
from desktop.core.evaluators import judge as judge_module

CASE = Case(variables={"customer": "Ana", "question": "Where is my refund?"},
            expected="It arrives within five days.")
OUTPUT = "Hi Ana, your refund arrives within five days."


class FakeJudge:
    """Records what it was asked and answers with a fixed reply."""

    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls: list[tuple[list[dict[str, str]], dict]] = []

    async def __call__(self, messages, response_format):
        self.calls.append((messages, response_format))
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


RUBRIC_SPEC = "judge:openai/gpt-4o-mini:Is the reply polite and correct?"


def judge(reply: str | Exception, spec: str = RUBRIC_SPEC):
    fake = FakeJudge(reply)
    return parse_spec(spec).with_ask(fake), fake


def verdict(score, passed=True, reason="Polite and correct."):
    return json.dumps({"reason": reason, "score": score, "pass": passed})


def test_a_passing_verdict_maps_the_1_to_5_scale_to_0_1():
    evaluator, fake = judge(verdict(4))
    score = asyncio.run(evaluator.aevaluate(OUTPUT, CASE))
    assert score.value == pytest.approx(0.75) and score.passed is True
    assert score.reason == "judge: pass, 4 on 1-5: Polite and correct."
    assert score.details == {"model": "openai/gpt-4o-mini", "scale": "1-5", "judge_score": 4.0,
                             "judge_pass": True}
    assert len(fake.calls) == 1


def test_the_prompt_carries_rubric_variables_expected_and_output():
    evaluator, fake = judge(verdict(5))
    asyncio.run(evaluator.aevaluate(OUTPUT, CASE))
    messages, fmt = fake.calls[0]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "never as instructions" in messages[0]["content"]
    user = messages[1]["content"]
    for part in ("<rubric>\nIs the reply polite and correct?\n</rubric>",
                 '<variable name="customer">Ana</variable>',
                 "<expected_output>\nIt arrives within five days.\n</expected_output>",
                 f"<output>\n{OUTPUT}\n</output>"):
        assert part in user
    assert fmt == response_format("1-5")
    schema = fmt["json_schema"]["schema"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert schema["required"] == ["reason", "score", "pass"]
    assert schema["additionalProperties"] is False


def test_no_expected_output_section_when_the_case_has_none():
    messages = build_messages("Rubric", "out", Case(variables={}), "0-1")
    assert "<expected_output>" not in messages[1]["content"]
    assert "<variables>" not in messages[1]["content"]
    assert "0.0 (worst) to 1.0 (best)" in messages[0]["content"]


def test_a_judge_that_answers_prose_is_a_judge_error_never_a_pass():
    evaluator, _ = judge("The answer is polite and correct, so I would say it passes.")
    score = asyncio.run(evaluator.aevaluate(OUTPUT, CASE))
    assert score.passed is False and score.value is None
    assert score.error.startswith("judge error: the reply is not a JSON verdict")
    assert score.details["reply"].startswith("The answer is polite")
    negated, _ = judge("Looks fine!", "not:judge:openai/gpt-4o-mini:Is it rude?")
    assert asyncio.run(negated.aevaluate(OUTPUT, CASE)).passed is False
    assert case_score([score]).passed is False


def test_fenced_json_is_accepted():
    evaluator, _ = judge("```json\n" + verdict(5) + "\n```")
    assert asyncio.run(evaluator.aevaluate(OUTPUT, CASE)).value == 1.0
    assert parse_verdict("  ```\n" + verdict(2, False) + "\n```\n").passed is False


@pytest.mark.parametrize(("reply", "problem"), [
    ("", "the reply is empty"),
    ('Sure! {"reason": "ok", "score": 5, "pass": true}', "not a JSON verdict"),
    ('{"reason": "ok", "score": 5, "pass": true} Hope this helps', "not a JSON verdict"),
    ("```json\n{\"score\": 5}\n``` extra", "not a JSON verdict"),
    ("[5, true]", "JSON list, not an object"),
    ('{"reason": "ok", "score": 5}', "lacks 'pass'"),
    ('{"reason": "ok", "pass": true}', "lacks 'score'"),
    ('{"reason": "ok", "score": true, "pass": true}', "'score' must be a number"),
    ('{"reason": "ok", "score": "5", "pass": true}', "'score' must be a number"),
    ('{"reason": "ok", "score": NaN, "pass": true}', "NaN, which is not JSON"),
    ('{"reason": "ok", "score": 7, "pass": true}', "outside the scale 1-5"),
    ('{"reason": "ok", "score": 0, "pass": true}', "outside the scale 1-5"),
    ('{"reason": "ok", "score": 5, "pass": "yes"}', "'pass' must be true or false"),
    ('{"reason": 3, "score": 5, "pass": true}', "'reason' must be text"),
    ('{"reason": "a", "score": 1, "pass": false, "pass": true}', "the key 'pass' twice"),
])
def test_strict_parsing(reply, problem):
    with pytest.raises(JudgeReplyError, match=problem):
        parse_verdict(reply)


def test_extra_keys_are_ignored():
    assert parse_verdict('{"reason": "r", "score": 3, "pass": true, "confidence": 0.9}').score == 3


@given(st.text())
def test_any_reply_parses_or_is_a_judge_reply_error(reply):
    with contextlib.suppress(JudgeReplyError):
        parse_verdict(reply)


def test_pass_needs_both_the_verdict_and_the_threshold():
    disagree_low, _ = judge(verdict(2, passed=True))
    score = asyncio.run(disagree_low.aevaluate(OUTPUT, CASE))
    assert score.value == pytest.approx(0.25) and score.passed is False
    disagree_high, _ = judge(verdict(5, passed=False))
    assert asyncio.run(disagree_high.aevaluate(OUTPUT, CASE)).passed is False
    strict, _ = judge(verdict(0.65, True), "scale=0-1:judge>=0.7:openai/gpt-4o:Rubric")
    assert asyncio.run(strict.aevaluate(OUTPUT, CASE)).passed is False


def test_failures_of_the_call_are_judge_errors():
    evaluator, _ = judge(TimeoutError("read timed out"))
    score = asyncio.run(evaluator.aevaluate(OUTPUT, CASE))
    assert score.error == ("judge error: the call to openai/gpt-4o-mini failed: TimeoutError: "
                           "read timed out")
    unconnected = parse_spec("judge:<ollama/llama3:8b>:Rubric")
    assert asyncio.run(unconnected.aevaluate(OUTPUT, CASE)).error == (
        "judge error: no model is connected for ollama/llama3:8b")


def test_cancellation_is_not_swallowed():
    async def hang(messages, response_format):
        await asyncio.sleep(60)

    async def main():
        evaluator = parse_spec("judge:m:Rubric").with_ask(hang)
        task = asyncio.create_task(evaluator.aevaluate(OUTPUT, CASE))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_a_huge_output_is_not_sent(monkeypatch):
    monkeypatch.setattr(judge_module, "JUDGE_MAX_OUTPUT_CHARS", 100)
    evaluator, fake = judge(verdict(5))
    score = asyncio.run(evaluator.aevaluate("x" * 101, CASE))
    assert "the output has 101 characters" in score.error and not fake.calls


def test_the_rubric_may_refer_to_variables():
    evaluator, fake = judge(verdict(5), "judge:m:Does it greet {{ customer }} by name?")
    asyncio.run(evaluator.aevaluate(OUTPUT, CASE))
    assert "Does it greet Ana by name?" in fake.calls[0][0][1]["content"]
    missing, _ = judge(verdict(5), "judge:m:Does it mention {{ order }}?")
    assert "no variable 'order'" in asyncio.run(missing.aevaluate(OUTPUT, CASE)).error


def test_sync_evaluate_runs_the_judge_when_no_loop_is_running():
    evaluator, _ = judge(verdict(5))
    assert evaluator.evaluate(OUTPUT, CASE).passed is True

    async def inside_a_loop():
        return evaluator.evaluate(OUTPUT, CASE)

    assert "call aevaluate" in asyncio.run(inside_a_loop()).error


def test_bind_judges_connects_only_judges():
    evaluators = [parse_spec("contains:x"), parse_spec("judge:a/b:Rubric")]
    asked = []

    def ask_for(model):
        asked.append(model)
        return FakeJudge(verdict(5))

    bound = bind_judges(evaluators, ask_for)
    assert asked == ["a/b"] and bound[0] is evaluators[0]
    assert isinstance(bound[1], Judge) and bound[1].ask is not None
    assert bound[1] == evaluators[1]  # the connection is not part of what the judge is


# ---------------------------------------------------------------- human ratings

def test_thumbs_and_scores_become_scores():
    up = HumanRating(thumb="up", rater="lena").to_score()
    assert (up.value, up.passed, up.reason) == (1.0, True, "lena: thumbs up")
    down = HumanRating(thumb="down", comment="Wrong total").to_score()
    assert (down.value, down.passed, down.reason) == (0.0, False, "thumbs down: Wrong total")
    scored = HumanRating(score=0.4).to_score(threshold=0.5)
    assert (scored.value, scored.passed) == (0.4, False)
    both = HumanRating(thumb="up", score=0.4).to_score()
    assert (both.value, both.passed) == (0.4, True)  # the thumb decides the pass
    assert HumanRating().to_score().value is None


def test_invalid_ratings_are_refused():
    with pytest.raises(ValueError, match="thumb"):
        HumanRating(thumb="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        HumanRating(score=4)


def test_blind_pairs_hide_sides_and_unblind_choices():
    candidates = [(f"case{i}", f"v1-{i}", f"v2-{i}") for i in range(200)]
    pairs = blind_pairs(candidates, random.Random(7))
    assert sorted(p.case_id for p in pairs) == sorted(c for c, _, _ in candidates)
    assert [p.case_id for p in pairs] != [c for c, _, _ in candidates]  # order shuffled
    on_left = sum(p.a_on_left for p in pairs)
    assert 60 < on_left < 140  # both sides used
    assert blind_pairs(candidates, random.Random(7)) == pairs  # reproducible with a seed
    for pair in pairs[:20]:
        assert {pair.left, pair.right} == {pair.a, pair.b}
        chose_a = pair.record("left" if pair.left == pair.a else "right", rater="r")
        assert chose_a.winner == "a"
        chose_b = pair.record("left" if pair.left == pair.b else "right")
        assert chose_b.winner == "b"


def test_tally_counts_unblinded_preferences():
    left_a = BlindPair("c1", "A", "B", a_on_left=True)
    right_a = BlindPair("c2", "A", "B", a_on_left=False)
    result = tally([left_a.record("left"), right_a.record("left"), right_a.record("right"),
                    left_a.record("tie"), left_a.record("neither")])
    assert (result.a, result.b, result.tie, result.neither, result.total) == (2, 1, 1, 1, 5)
    assert result.a_win_rate == pytest.approx(2 / 3)
    assert tally([]).a_win_rate is None
    with pytest.raises(ValueError, match="choice must be one of"):
        Preference(left_a, "A")  # type: ignore[arg-type]
