"""Scores against a reference text (the case's expected output unless a value is given).

- edit-similarity: rapidfuzz normalised Levenshtein similarity, 1 - distance / max(len), over
  code points.
- bleu, chrf: sacrebleu sentence-level scores divided by 100; `details["signature"]` is the
  signature sacrebleu prints (tokenizer, smoothing, version). BLEU uses `effective_order=True`,
  as sacrebleu recommends for single sentences, and the `13a` tokenizer unless `tokenize=` says
  otherwise. chrF uses sacrebleu's defaults (character 6-grams, beta 2, no word n-grams).
- rouge-l: rouge-score's ROUGE-L F-measure. rouge-score's own tokenizer deletes every character
  outside a-z0-9, which would score all Arabic, Hebrew or Greek text 0, so tokens here are runs of
  Unicode letters and digits after lowercasing — identical to rouge-score's tokens on ASCII text.
  The Porter stemmer (rouge-score's, on by default, `stem=no` turns it off) applies to ASCII
  tokens longer than 3 characters, as in rouge-score. Scripts written without spaces (Chinese,
  Japanese, Thai) become one token per run: use chrf for them.

Bounds, so one huge output cannot stall a run: each text may have at most MAX_TEXT_CHARS
characters, and edit-similarity and ROUGE-L compare at most MAX_CELLS character (token) pairs
(length x length). Beyond that the Score is an error that says so. ROUGE-L computes its
longest common subsequence with rouge-score up to ROUGE_LIBRARY_CELLS pairs and with rapidfuzz
(same result, bit-parallel) above.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from dataclasses import dataclass

from .base import CaseLike, EvaluationError, Evaluator, Measurement, SpecError, expected_of
from .values import fill

MAX_TEXT_CHARS = 1_000_000
MAX_CELLS = 10_000_000_000
ROUGE_LIBRARY_CELLS = 1_000_000

# Tokenizers sacrebleu ships without extra packages or downloads.
BLEU_TOKENIZERS = ("13a", "intl", "zh", "char", "none")


@functools.cache
def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, kw_only=True)
class _ReferenceMetric(Evaluator):
    offload = True
    threshold: float = 0.5
    # Compare with this text instead of the case's expected output (may use {{ references }}).
    reference: str | None = None
    title = ""  # the metric's name in messages

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.reference is not None and (not isinstance(self.reference, str)
                                           or self.reference == ""):
            raise SpecError(f"{self.kind}: the reference text is empty; leave it out to use the "
                            "expected output")

    def argument(self) -> str | None:
        return self.reference

    def texts(self, output: str, case: CaseLike) -> tuple[str, str]:
        reference = expected_of(case) if self.reference is None else fill(self.reference, case)
        for what, text in (("output", output), ("reference", reference)):
            if len(text) > MAX_TEXT_CHARS:
                raise EvaluationError(f"the {what} has {len(text):,} characters; {self.title} is "
                                      f"limited to {MAX_TEXT_CHARS:,} characters per text to keep "
                                      "runs fast")
        return output, reference


def _check_cells(title: str, n: int, m: int, unit: str) -> None:
    if n * m > MAX_CELLS:
        raise EvaluationError(f"{title} would compare {n:,} x {m:,} {unit}, more than the limit "
                              f"of {MAX_CELLS:,}; use a shorter expected output or a different "
                              "evaluator")


@dataclass(frozen=True, kw_only=True)
class EditSimilarity(_ReferenceMetric):
    kind = "edit-similarity"
    title = "edit similarity"
    threshold: float = 0.8

    def measure(self, output: str, case: CaseLike) -> Measurement:
        from rapidfuzz.distance import Levenshtein

        output, reference = self.texts(output, case)
        _check_cells(self.title, len(output), len(reference), "characters")
        distance = Levenshtein.distance(output, reference)
        longest = max(len(output), len(reference))
        value = 1.0 - distance / longest if longest else 1.0
        return Measurement(value, f"edit similarity {value:.3f} ({distance:,} edits)",
                           {"distance": distance,
                            "implementation": f"rapidfuzz {_version('rapidfuzz')} Levenshtein "
                                              "normalized similarity over characters"})


@dataclass(frozen=True, kw_only=True)
class Bleu(_ReferenceMetric):
    kind = "bleu"
    title = "BLEU"
    tokenize: str = "13a"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tokenize not in BLEU_TOKENIZERS:
            raise SpecError(f"bleu: unknown tokenizer {self.tokenize!r}; use one of "
                            f"{', '.join(BLEU_TOKENIZERS)}")

    def options(self) -> dict[str, str]:
        return {} if self.tokenize == "13a" else {"tokenize": self.tokenize}

    def measure(self, output: str, case: CaseLike) -> Measurement:
        from sacrebleu.metrics import BLEU

        output, reference = self.texts(output, case)
        metric = BLEU(effective_order=True, tokenize=self.tokenize)
        result = metric.sentence_score(output, [reference])
        value = result.score / 100
        return Measurement(value, f"BLEU {result.score:.1f}/100",
                           {"signature": metric.get_signature().format(),
                            "implementation": f"sacrebleu {_version('sacrebleu')} sentence BLEU",
                            "tokenizer": self.tokenize, "precisions": list(result.precisions),
                            "brevity_penalty": result.bp})


@dataclass(frozen=True, kw_only=True)
class Chrf(_ReferenceMetric):
    kind = "chrf"
    title = "chrF"

    def measure(self, output: str, case: CaseLike) -> Measurement:
        from sacrebleu.metrics import CHRF

        output, reference = self.texts(output, case)
        metric = CHRF()
        result = metric.sentence_score(output, [reference])
        return Measurement(result.score / 100, f"chrF {result.score:.1f}/100",
                           {"signature": metric.get_signature().format(),
                            "implementation": f"sacrebleu {_version('sacrebleu')} sentence chrF",
                            "tokenizer": "characters (6-grams, whitespace removed)"})


_TOKEN = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


@functools.lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import porter  # rouge-score's stemmer: same class, same default mode

    stem = porter.PorterStemmer().stem
    return functools.lru_cache(maxsize=65_536)(stem)


def rouge_tokens(text: str, stem: bool) -> list[str]:
    """rouge-score's tokenization, extended from a-z0-9 to all Unicode letters and digits."""
    tokens = _TOKEN.findall(text.lower())
    if stem:
        stemmer = _stemmer()
        tokens = [stemmer(t) if len(t) > 3 and _ASCII_WORD.fullmatch(t) else t for t in tokens]
    return tokens


class _RougeTokenizer:
    """Adapter so rouge-score's RougeScorer uses `rouge_tokens`."""

    def __init__(self, stem: bool) -> None:
        self.stem = stem

    def tokenize(self, text: str) -> list[str]:
        return rouge_tokens(text, self.stem)


@dataclass(frozen=True, kw_only=True)
class RougeL(_ReferenceMetric):
    kind = "rouge-l"
    title = "ROUGE-L"
    stem: bool = True

    def options(self) -> dict[str, str]:
        return {} if self.stem else {"stem": "no"}

    def measure(self, output: str, case: CaseLike) -> Measurement:
        output, reference = self.texts(output, case)
        predicted = rouge_tokens(output, self.stem)
        target = rouge_tokens(reference, self.stem)
        _check_cells(self.title, len(predicted), len(target), "tokens")
        if len(predicted) * len(target) <= ROUGE_LIBRARY_CELLS:
            from rouge_score import rouge_scorer

            scorer = rouge_scorer.RougeScorer(["rougeL"], tokenizer=_RougeTokenizer(self.stem))
            result = scorer.score(reference, output)["rougeL"]
            precision, recall, f = result.precision, result.recall, result.fmeasure
            lcs = "rouge-score"
        else:
            precision, recall, f = rouge_l_fast(target, predicted)
            lcs = f"rapidfuzz {_version('rapidfuzz')} LCSseq (large input)"
        stemmer = "Porter (nltk), ASCII tokens over 3 characters" if self.stem else "none"
        return Measurement(f, f"ROUGE-L F {f:.3f} (precision {precision:.3f}, recall {recall:.3f})",
                           {"implementation": f"rouge-score {_version('rouge-score')} rougeL "
                                              "F-measure",
                            "tokenizer": "Unicode letters and digits, lowercased",
                            "stemmer": stemmer, "lcs": lcs, "precision": precision,
                            "recall": recall})


def rouge_l_fast(target: list[str], predicted: list[str]) -> tuple[float, float, float]:
    """ROUGE-L (precision, recall, F) as rouge-score computes them, with rapidfuzz's LCS."""
    from rapidfuzz.distance import LCSseq
    from rouge_score import scoring

    if not target or not predicted:
        return 0.0, 0.0, 0.0
    lcs = LCSseq.similarity(target, predicted)
    precision = lcs / len(predicted)
    recall = lcs / len(target)
    return precision, recall, scoring.fmeasure(precision, recall)
