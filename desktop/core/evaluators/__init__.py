"""Evaluators: score a model's output for one test case.

Every evaluator has a threshold (pass when score >= threshold), a weight and can be negated; a
case's score is the weighted mean (see `case_score`). `evaluate` is sync and `aevaluate` async on
every evaluator; neither raises (see base.py). Specs for the CLI are parsed by `parse_spec`; the
grammar is in spec.py, its writing side in notation.py.
"""

from .base import (Case, CaseLike, CaseScore, EvaluationError, Evaluator, Measurement, Score,
                   SpecError, aevaluate_case, case_score, evaluate_case)
from .human import (BlindPair, HumanRating, Preference, PreferenceTally, blind_pairs, tally)
from .json_checks import IsJson, JsonSchema
from .judge import (AskFn, Judge, JudgeReplyError, Verdict, build_messages, parse_verdict,
                    response_format)
from .reference import Bleu, Chrf, EditSimilarity, RougeL
from .notation import format_spec
from .spec import KINDS, SpecParts, bind_judges, join_spec, parse_spec, split_spec
from .text import (Contains, ContainsAll, ContainsAny, EndsWith, Equals, Length, Regex,
                   StartsWith)

__all__ = [
    "AskFn", "BlindPair", "Bleu", "Case", "CaseLike", "CaseScore", "Chrf", "Contains",
    "ContainsAll", "ContainsAny", "EditSimilarity", "EndsWith", "Equals", "EvaluationError",
    "Evaluator", "HumanRating", "IsJson", "JsonSchema", "Judge", "JudgeReplyError", "KINDS",
    "Length", "Measurement", "Preference", "PreferenceTally", "Regex", "RougeL", "Score",
    "SpecError", "SpecParts", "StartsWith", "Verdict", "aevaluate_case", "bind_judges", "blind_pairs",
    "build_messages", "case_score", "join_spec", "split_spec", "evaluate_case", "format_spec", "parse_spec",
    "parse_verdict", "response_format", "tally",
]
