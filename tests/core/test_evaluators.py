"""Deterministic evaluators, negation, thresholds, weights and the case score."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from desktop.core.evaluators import (Case, Contains, ContainsAll, ContainsAny, EndsWith, Equals,
                                     Evaluator, IsJson, JsonSchema, Length, Measurement, Regex,
                                     Score, SpecError, StartsWith, aevaluate_case, case_score,
                                     evaluate_case, parse_spec)
from desktop.core.evaluators import text as text_module
from desktop.core.evaluators.human import HumanRating

CASE = Case(variables={"name": "Ana", "pattern": "a.b", "count": 3},
            expected="Your refund is on its way.")
TEN_MB = ("The refund is on its way. " * 400_000)[:10_000_000]


def run(spec: str, output: str, case: Case = CASE) -> Score:
    return parse_spec(spec).evaluate(output, case)


# ---------------------------------------------------------------- text checks

@pytest.mark.parametrize(("spec", "output", "passed"), [
    ("equals:Yes", "Yes", True),
    ("equals:Yes", "Yes\n", False),  # exact: no trimming
    ("equals:Yes", "yes", False),
    ("iequals:STRASSE", "straße", True),  # casefold, not lower
    ("contains:refund", "Your refund is here", True),
    ("contains:refund", "Your Refund is here", False),
    ("icontains:REFUND", "Your Refund is here", True),
    ("starts-with:Dear", "Dear Ana,", True),
    ("starts-with:Dear", " Dear Ana,", False),
    ("istarts-with:dear", "DEAR Ana,", True),
    ("ends-with:Thanks.", "... Thanks.", True),
    ("iends-with:THANKS.", "... thanks.", True),
    ("contains-any:refund,money back", "We give your money back", True),
    ("contains-any:refund,money back", "Sorry", False),
    ("icontains-any:REFUND,credit", "a refund", True),
    ("contains-all:refund,days", "refund in 14 days", True),
    ("contains-all:refund,days", "refund soon", False),
    ("icontains-all:REFUND,DAYS", "refund in 14 days", True),
])
def test_text_checks(spec, output, passed):
    score = run(spec, output)
    assert score.error is None
    assert score.passed is passed
    assert (score.value == 1.0) is passed
    assert score.evaluator == spec
    assert score.reason


def test_contains_all_scores_the_share_found_and_threshold_can_lower_the_bar():
    score = run("contains-all:refund,days,apology", "refund in 14 days")
    assert score.value == pytest.approx(2 / 3)
    assert score.passed is False
    assert score.details["missing"] == ["apology"]
    assert run("contains-all>=0.6:refund,days,apology", "refund in 14 days").passed is True


def test_json_list_keeps_commas_and_spaces_in_items():
    evaluator = parse_spec('contains-any:["a, b", " c"]')
    assert evaluator.values == ("a, b", " c")
    assert evaluator.evaluate("x c", CASE).passed is True
    assert evaluator.evaluate("xc", CASE).passed is False


def test_values_refer_to_expected_output_and_variables():
    assert run("equals:{{ expected }}", "Your refund is on its way.").passed is True
    assert run("contains:{{name}}", "Hello Ana").passed is True
    assert run("contains:{{ count }}", "3 items").passed is True  # non-text variables as text


def test_a_missing_reference_is_an_error_not_a_failure_or_pass():
    score = run("contains:{{ nickname }}", "Hello Ana")
    assert score.value is None and score.passed is False
    assert "nickname" in score.error and "name" in score.error
    no_expected = run("equals:{{expected}}", "x", Case(variables={}, expected=None))
    assert no_expected.error == "this case has no expected output to compare with"
    assert run("equals:{{expected}}", "", Case(expected="")).error  # empty counts as none


# ---------------------------------------------------------------- regex

def test_regex_searches_and_anchors():
    assert run(r"regex:\d{4}-\d{2}-\d{2}", "on 2024-05-01.").passed is True
    assert run(r"regex:^\d+$", "123\nabc").passed is False
    assert run(r"regex:(?i)^refund", "REFUND now").passed is True
    score = run(r"regex:\d+", "abc 42")
    assert score.details == {"match_start": 4, "match_end": 6}


def test_regex_is_compiled_once_when_it_does_not_depend_on_the_case():
    evaluator = parse_spec(r"regex:^\d+$")
    compiled = evaluator._compiled
    assert compiled is not None
    evaluator.evaluate("1", CASE)
    evaluator.evaluate("2", CASE)
    assert evaluator._compiled is compiled


def test_case_values_in_a_regex_are_literal():
    evaluator = parse_spec("regex:^{{ pattern }}$")
    assert evaluator.evaluate("a.b", CASE).passed is True
    assert evaluator.evaluate("axb", CASE).passed is False


def test_invalid_regex_fails_at_parse_time_and_never_crashes_a_run():
    with pytest.raises(SpecError, match=r"invalid regular expression.*missing \)"):
        parse_spec("regex:(unclosed")
    with pytest.raises(SpecError, match="invalid regular expression"):
        Regex(pattern="[z-a]")
    # Case values are escaped, so they cannot make a valid pattern invalid.
    evaluator = parse_spec("regex:a{{ n }}")
    assert evaluator.evaluate("a{2,1}", Case(variables={"n": "{2,1}"})).passed is True


def test_runaway_regex_is_stopped_and_reported(monkeypatch):
    monkeypatch.setattr(text_module, "REGEX_TIMEOUT_SECONDS", 0.05)
    score = run(r"regex:(a|aa)+$", "a" * 60 + "b")
    assert score.passed is False and score.value is None
    assert "ran longer than" in score.error


# ---------------------------------------------------------------- length and JSON

@pytest.mark.parametrize(("spec", "output", "passed"), [
    ("length:2..5", "abc", True), ("length:2..5", "a", False), ("length:2..5", "abcdef", False),
    ("length:..3", "", True), ("length:3..", "abc", True), ("length:3..", "ab", False),
    ("length:..2", "👋🏽", True),  # code points: a waving hand with skin tone is 2
])
def test_length_bounds(spec, output, passed):
    assert run(spec, output).passed is passed


def test_is_json_is_strict():
    assert run("is-json", ' {"a": [1, 2]} \n').passed is True
    assert run("is-json", "[1, 2").passed is False
    assert "not valid JSON" in run("is-json", "{'a': 1}").reason
    assert run("is-json", "NaN").passed is False
    assert run("is-json", '```json\n{"a": 1}\n```').passed is False


def test_json_schema_reports_where_the_output_breaks_it():
    schema = ('{"type": "object", "required": ["total"], '
              '"properties": {"total": {"type": "number"}}}')
    evaluator = parse_spec(f"json-schema:{schema}")
    assert evaluator.evaluate('{"total": 3.5}', CASE).passed is True
    bad = evaluator.evaluate('{"total": "three"}', CASE)
    assert bad.passed is False and bad.error is None
    assert "$.total" in bad.reason and "not of type 'number'" in bad.reason
    assert bad.details["problem_count"] == 1
    assert "not valid JSON" in evaluator.evaluate("total: 3", CASE).reason


def test_json_schema_problems_are_reported_clearly():
    with pytest.raises(SpecError, match=r"schema is invalid at \$.type"):
        JsonSchema(schema={"type": 5})
    with pytest.raises(SpecError, match="not valid JSON: Expecting"):
        parse_spec("json-schema:{type: object}")


# ---------------------------------------------------------------- negation and thresholds

def test_negation_inverts_score_and_pass():
    plain, negated = run("contains:sorry", "I am sorry"), run("not:contains:sorry", "I am sorry")
    assert (plain.value, plain.passed) == (1.0, True)
    assert (negated.value, negated.passed) == (0.0, False)
    assert negated.details["negated"] is True
    assert run("not:contains:sorry", "Fine").passed is True


def test_negation_inverts_the_pass_against_the_threshold():
    # not:contains-all>=0.5 passes when fewer than half the values appear.
    assert run("not:contains-all>=0.5:a,b,c,d", "a").passed is True
    score = run("not:contains-all>=0.5:a,b,c,d", "a b c")
    assert score.value == pytest.approx(0.25) and score.passed is False


def test_negation_never_turns_an_error_into_a_pass():
    score = run("not:contains:{{ missing }}", "anything")
    assert score.error and score.passed is False and score.value is None


def test_threshold_and_weight_validation():
    with pytest.raises(SpecError, match="threshold must be between 0 and 1"):
        Contains(value="x", threshold=1.5)
    with pytest.raises(SpecError, match="weight must be a number >= 0"):
        Contains(value="x", weight=-1)
    with pytest.raises(SpecError, match="non-empty value"):
        Equals(value="")
    with pytest.raises(SpecError, match="one or more non-empty values"):
        ContainsAny(values=())
    with pytest.raises(SpecError, match="minimum 5 is above maximum 2"):
        Length(minimum=5, maximum=2)


# ---------------------------------------------------------------- case score

def score(value, passed, weight=1.0, error=None) -> Score:
    return Score("e", value, passed, "r", error=error, weight=weight)


def test_case_score_is_the_weighted_mean():
    # promptfoo's documented example: equals (weight 2) fails, contains (weight 1) passes.
    result = case_score([score(0.0, False, 2), score(1.0, True, 1)])
    assert result.value == pytest.approx(1 / 3)
    assert result.passed is False


def test_errors_count_as_zero_and_fail_the_case():
    result = case_score([score(1.0, True), score(None, False, error="judge error: prose")])
    assert result.value == pytest.approx(0.5)
    assert result.passed is False


def test_weight_zero_and_unrated_scores_do_not_count():
    unrated = HumanRating(comment="looked at it").to_score()
    result = case_score([score(1.0, True), score(0.0, False, weight=0), unrated])
    assert result.value == 1.0 and result.passed is True
    assert len(result.scores) == 3
    assert case_score([]).value is None and case_score([]).passed is None
    assert case_score([score(0.0, False, weight=0)]).passed is None


def test_evaluate_case_sync_and_async_agree():
    evaluators = [parse_spec("weight=3:contains:refund"), parse_spec("length:..5"),
                  parse_spec("not:icontains:sorry")]
    output = "Your refund is on its way."
    sync = evaluate_case(evaluators, output, CASE)
    asynced = asyncio.run(aevaluate_case(evaluators, output, CASE))
    assert sync == asynced
    assert sync.value == pytest.approx(4 / 5)
    assert [s.evaluator for s in sync.scores] == [e.name for e in evaluators]


@dataclass(frozen=True, kw_only=True)
class Broken(Evaluator):
    kind = "broken"

    def measure(self, output, case) -> Measurement:
        raise ZeroDivisionError("oops")

    def argument(self):
        return None


@dataclass(frozen=True, kw_only=True)
class NotANumber(Broken):
    def measure(self, output, case) -> Measurement:
        return Measurement(float("nan"), "?")


def test_a_bug_in_an_evaluator_becomes_an_error_score(caplog):
    result = Broken(label="broken").evaluate("x", CASE)
    assert result.passed is False
    assert "internal error in evaluator: ZeroDivisionError" in result.error
    assert "evaluator broken failed" in caplog.text
    assert "not a number" in NotANumber(label="nan").evaluate("x", CASE).error


def test_score_round_trips_through_a_dict():
    original = run("contains-all:refund,days", "refund")
    assert Score.from_dict(original.as_dict()) == original


# ---------------------------------------------------------------- big and non-Latin text

@pytest.mark.timeout(30)
@pytest.mark.parametrize("spec", ["contains:way.", "icontains:ON ITS WAY", "not:contains:sorry",
                                  r"regex:way\.$", "length:..20000000", "is-json",
                                  "contains-all:refund,way", "starts-with:The"])
def test_ten_megabyte_output_is_handled(spec):
    result = parse_spec(spec).evaluate(TEN_MB, CASE)
    assert result.error is None
    assert asyncio.run(parse_spec(spec).aevaluate(TEN_MB, CASE)) == result


@pytest.mark.parametrize(("spec", "output", "passed"), [
    ("contains:שלום", "אמרתי שלום לכולם", True),
    ("starts-with:مرحبا", "مرحبا بالعالم", True),
    ("ends-with:بالعالم", "مرحبا بالعالم", True),
    ("icontains:ΟΔΥΣΣΕΎΣ", "ο οδυσσεύς", True),
    ("equals:{{ expected }}", "\u202bשלום\u202c", True),
    ("length:..4", "שלום", True),
    ("regex:^[\\p{Hebrew} ]+$", "אמרתי שלום", True),
    ("contains:é", "cafe\u0301", False),  # no normalisation: NFD does not contain NFC é
])
def test_unicode_and_rtl_text(spec, output, passed):
    case = Case(expected="\u202bשלום\u202c")
    assert run(spec, output, case).passed is passed


def test_single_value_classes_can_be_built_directly():
    assert StartsWith(value="a").evaluate("ab", CASE).passed is True
    assert EndsWith(value="b", ignore_case=True).evaluate("aB", CASE).passed is True
    assert ContainsAll(values=("a", "b")).spec() == "contains-all:a,b"
    assert IsJson(weight=2).spec() == "weight=2:is-json"
