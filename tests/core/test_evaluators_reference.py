"""Reference metrics: edit similarity, BLEU, chrF, ROUGE-L — values, provenance, bounds."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer, tokenizers

from desktop.core.evaluators import Bleu, Case, Chrf, EditSimilarity, RougeL, SpecError, parse_spec
from desktop.core.evaluators import reference
from desktop.core.evaluators.reference import rouge_l_fast, rouge_tokens

CASE = Case(variables={"summary": "the cat sat on the mat"},
            expected="The refund will arrive within five working days.")
CLOSE = "The refund will arrive in five working days."
FAR = "Please contact support about your account settings."


@pytest.mark.parametrize("kind", ["edit-similarity", "bleu", "chrf", "rouge-l"])
def test_identical_text_scores_one_and_unrelated_text_fails(kind):
    evaluator = parse_spec(kind)
    same = evaluator.evaluate(CASE.expected, CASE)
    assert same.value == pytest.approx(1.0) and same.passed is True
    far = evaluator.evaluate(FAR, CASE)
    assert far.error is None and far.passed is False
    close = evaluator.evaluate(CLOSE, CASE)
    assert far.value < close.value < 1.0


def test_edit_similarity_is_normalised_levenshtein():
    score = EditSimilarity(reference="kitten").evaluate("sitting", CASE)
    assert score.value == pytest.approx(1 - 3 / 7)
    assert score.details["distance"] == 3
    assert "rapidfuzz" in score.details["implementation"]
    assert parse_spec("edit-similarity").threshold == 0.8


def test_bleu_reports_the_sacrebleu_signature_and_tokenizer():
    score = parse_spec("bleu").evaluate(CLOSE, CASE)
    signature = score.details["signature"]
    assert signature.startswith("nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:")
    assert score.details["tokenizer"] == "13a"
    assert "sacrebleu" in score.details["implementation"]
    intl = parse_spec("tokenize=intl:bleu").evaluate(CLOSE, CASE)
    assert "tok:intl" in intl.details["signature"]


def test_bleu_refuses_tokenizers_that_need_downloads_or_extra_packages():
    for name in ("flores101", "ja-mecab", "bogus"):
        with pytest.raises(SpecError, match="unknown tokenizer"):
            Bleu(tokenize=name)


def test_chrf_reports_its_signature():
    score = parse_spec("chrf").evaluate(CLOSE, CASE)
    assert score.details["signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no")


def test_rouge_l_states_tokenizer_and_stemmer():
    score = parse_spec("rouge-l").evaluate(CLOSE, CASE)
    assert score.details["stemmer"].startswith("Porter")
    assert score.details["lcs"] == "rouge-score"
    assert "rouge-score" in score.details["implementation"]
    assert "Unicode letters and digits" in score.details["tokenizer"]
    assert parse_spec("stem=no:rouge-l").evaluate(CLOSE, CASE).details["stemmer"] == "none"


def test_stemming_changes_the_score():
    case = Case(expected="the cats were running")
    stemmed = RougeL().evaluate("the cat was run", case).value
    plain = RougeL(stem=False).evaluate("the cat was run", case).value
    assert stemmed > plain


def test_a_given_reference_replaces_the_expected_output():
    score = parse_spec("rouge-l:{{ summary }}").evaluate("the cat sat on the mat", CASE)
    assert score.value == pytest.approx(1.0)
    assert parse_spec("bleu:@@home").reference == "@home"


def test_missing_expected_output_is_an_error():
    for kind in ("edit-similarity", "bleu", "chrf", "rouge-l"):
        score = parse_spec(kind).evaluate("anything", Case(expected=None))
        assert score.error == "this case has no expected output to compare with"
        assert score.passed is False and score.value is None


def test_thresholds_and_negation_apply_to_metrics():
    assert parse_spec("bleu>=0.9").evaluate(CLOSE, CASE).passed is False
    assert parse_spec("chrf>=0.3").evaluate(CLOSE, CASE).passed is True
    negated = parse_spec("not:rouge-l>=0.9").evaluate(CLOSE, CASE)
    plain = parse_spec("rouge-l>=0.9").evaluate(CLOSE, CASE)
    assert negated.value == pytest.approx(1 - plain.value)
    assert negated.passed is (not plain.passed)


# ---------------------------------------------------------------- non-Latin text

ARABIC = "سيصل المبلغ المسترد خلال خمسة أيام عمل"
HEBREW = "ההחזר יגיע תוך חמישה ימי עבודה"


GREEK = "Η επιστροφή θα φτάσει σε πέντε ημέρες"


@pytest.mark.parametrize("expected", [ARABIC, HEBREW, GREEK])
@pytest.mark.parametrize("kind", ["edit-similarity", "bleu", "chrf", "rouge-l"])
def test_non_latin_scripts_score_like_latin_ones(kind, expected):
    case = Case(expected=expected)
    words = expected.split()
    partial = " ".join([*words[:-2], "x"])
    assert parse_spec(kind).evaluate(expected, case).value == pytest.approx(1.0)
    value = parse_spec(kind).evaluate(partial, case).value
    assert 0.2 < value < 1.0


def test_rouge_score_alone_would_score_arabic_zero():
    # Why rouge_tokens exists: the library's tokenizer keeps only a-z0-9.
    library = rouge_scorer.RougeScorer(["rougeL"]).score(ARABIC, ARABIC)["rougeL"].fmeasure
    assert library == 0
    assert RougeL().evaluate(ARABIC, Case(expected=ARABIC)).value == 1.0


ascii_words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 ,.;-_'!?\n",
                               max_size=12), max_size=25).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(ascii_words, st.booleans())
def test_rouge_tokens_equal_rouge_score_tokens_on_ascii(text, stem):
    assert rouge_tokens(text, stem) == tokenizers.DefaultTokenizer(use_stemmer=stem).tokenize(text)


token_lists = st.lists(st.sampled_from(["a", "b", "c", "d", "refund", "days"]), max_size=40)


@settings(max_examples=150, deadline=None)
@given(token_lists, token_lists)
def test_fast_lcs_equals_rouge_score(target, predicted):
    library = rouge_scorer._score_lcs(target, predicted)
    assert rouge_l_fast(target, predicted) == pytest.approx(
        (library.precision, library.recall, library.fmeasure))


def test_large_rouge_inputs_use_the_bit_parallel_lcs():
    output = " ".join(["refund arrives within five working days"] * 24_000)  # 144k tokens
    score = RougeL().evaluate(output, CASE)
    assert score.error is None
    assert "rapidfuzz" in score.details["lcs"]
    assert score.details["recall"] == pytest.approx(6 / 8)


# ---------------------------------------------------------------- bounds

TEN_MB = ("The refund will arrive within five working days. " * 210_000)[:10_000_000]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["edit-similarity", "bleu", "chrf", "rouge-l"])
def test_ten_megabyte_output_is_refused_quickly_with_a_clear_error(kind):
    score = asyncio.run(parse_spec(kind).aevaluate(TEN_MB, CASE))
    assert score.passed is False and score.value is None
    assert "10,000,000 characters" in score.error and "limited to 1,000,000" in score.error


def test_edit_similarity_bounds_the_comparison_size(monkeypatch):
    monkeypatch.setattr(reference, "MAX_CELLS", 1_000)
    score = EditSimilarity(reference="x" * 100).evaluate("y" * 100, CASE)
    assert "would compare 100 x 100 characters" in score.error
    assert Chrf(reference="x" * 100).evaluate("y" * 100, CASE).error is None
