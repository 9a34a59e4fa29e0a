"""Time the version diff on 20 KB prompts; target: under 50 ms each (issue 4).

    .venv/bin/python benchmarks/diff.py [--runs N]

Prints, per case, the median of N runs of `diff_contents` (the model the views and the CLI use),
wall clock and CPU time, its ratio to the 50 ms target, the time with `render_terminal` added (all
of `promptpress prompt diff` but I/O), and the diff's CPU time as a multiple of a plain line-level
`difflib.unified_diff` of the same texts in the same run (the figure that depends least on the
machine). The first three cases are the issue's; the "extra" ones show the guarded worst cases.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop.core.diff import diff_contents, render_terminal  # noqa: E402
from storage.releases.content import Message, PromptContent  # noqa: E402

TARGET_MS = 50.0
# Real prose of the right size, deterministic and always at hand: the standard library's own
# help topics. 3,000 words of it are about 20 KB, with line lengths like a wrapped prompt.
from pydoc_data.topics import topics  # noqa: E402

_PROSE = "\n\n".join(topics[key] for key in sorted(topics))
_WORDS = [m.start() for m in re.finditer(r"\S+", _PROSE)]
SMALL_VOCABULARY = (
    "the assistant must answer customer questions about orders refunds shipping and returns "
    "politely concisely and accurately using only the policy below never invent order numbers "
    "dates or amounts when unsure ask one clarifying question escalate to a human agent"
).split()


def prose(first_word: int = 5000, words: int = 3000) -> str:
    return _PROSE[_WORDS[first_word] : _WORDS[first_word + words]]


def edit_words(text: str, rng: random.Random, edits: int) -> str:
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    out, last = [], 0
    for _, hi in sorted(rng.sample(spans, edits)):
        out += [text[last:hi], "s"]
        last = hi
    return "".join(out) + text[last:]


def one_trailing_space(rng: random.Random) -> tuple[str, str]:
    text = prose()
    lines = text.split("\n")
    k = next(k for k in range(len(lines) // 2, len(lines)) if lines[k].strip())
    lines[k] += " "
    return text, "\n".join(lines)


def scattered_edits(rng: random.Random) -> tuple[str, str]:
    text = prose()
    return text, edit_words(text, rng, 50)


def single_line(rng: random.Random) -> tuple[str, str]:
    text = prose().replace("\n", " ")
    middle = text.index(" ", len(text) // 2)
    return text, text[:middle] + " really" + text[middle:]


def single_line_scattered(rng: random.Random) -> tuple[str, str]:
    text = prose().replace("\n", " ")
    return text, edit_words(text, rng, 50)


def rewritten(rng: random.Random) -> tuple[str, str]:
    return prose(5000), prose(20000)


def rewritten_small_vocabulary(rng: random.Random) -> tuple[str, str]:
    def make() -> str:
        lines = [
            " ".join(rng.choice(SMALL_VOCABULARY) for _ in range(12)) + "." for _ in range(250)
        ]
        return "\n".join(line if rng.random() > 0.15 else "\n" + line for line in lines) + "\n"

    return make(), make()


CASES = {
    "one trailing space changed, 3,000-word prompt": one_trailing_space,
    "50 scattered word edits, 3,000-word prompt": scattered_edits,
    "20 KB single-line prompt, one change": single_line,
    "extra: 20 KB single line, 50 scattered edits": single_line_scattered,
    "extra: whole prompt rewritten": rewritten,
    "extra: rewritten, 50-word vocabulary (worst)": rewritten_small_vocabulary,
}


def content(text: str) -> PromptContent:
    return PromptContent(messages=(Message("system", text), Message("user", "{{ question }}")))


def diff_and_render(old: PromptContent, new: PromptContent) -> str:
    return render_terminal(diff_contents(old, new), color=True)


def unified(a: list[str], b: list[str]) -> list[str]:
    return list(difflib.unified_diff(a, b))


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (CPU time is what a busy shared machine distorts
    least)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(4)
    diff_contents(content("warm up"), content("warm up the tokeniser"))  # builds the regexes once
    print(f"median of {args.runs} runs, wall clock (CPU); target {TARGET_MS:.0f} ms for the diff")
    header = f"{'case':<46} {'size':>8} {'diff':>17} {'of target':>9} {'+render':>9}"
    print(f"{header} {'vs difflib':>10}")
    for name, make in CASES.items():
        a, b = make(rng)
        old, new = content(a), content(b)
        diff_ms, diff_cpu = median_ms(partial(diff_contents, old, new), args.runs)
        both_ms, _ = median_ms(partial(diff_and_render, old, new), args.runs)
        lines_a, lines_b = a.splitlines(True), b.splitlines(True)
        _, base_cpu = median_ms(partial(unified, lines_a, lines_b), args.runs)
        size = f"{len(a.encode()) / 1024:.1f} KB"
        print(
            f"{name:<46} {size:>8} {diff_ms:>6.1f} ms ({diff_cpu:>5.1f}) "
            f"{diff_ms / TARGET_MS:>8.2f}x {both_ms:>6.1f} ms {diff_cpu / base_cpu:>9.1f}x"
        )
    first_call(rng)
    return 0


_FIRST = """
import sys, time
sys.path.insert(0, {root!r})
from desktop.core.diff import diff_contents, warm_up
from storage.releases.content import Message, PromptContent
old, new = (PromptContent(messages=[Message("system", t)]) for t in ({a!r}, {b!r}))
if {warm}:
    began = time.perf_counter(); warm_up(); print((time.perf_counter() - began) * 1000)
else:
    print(0.0)
began = time.perf_counter(); diff_contents(old, new); print((time.perf_counter() - began) * 1000)
began = time.perf_counter(); diff_contents(old, new); print((time.perf_counter() - began) * 1000)
"""


def first_call(rng: random.Random) -> None:
    """The first diff in a fresh process, without (today) and after the start-up warm-up that
    the app runs off the GUI thread (desktop.core.diff.warm_up)."""
    import subprocess

    a, b = rewritten(rng)
    root = str(Path(__file__).resolve().parents[1])
    out = {}
    for warm in (False, True):
        lines = subprocess.run([sys.executable, "-c", _FIRST.format(root=root, a=a, b=b,
                                                                    warm=warm)],
                               capture_output=True, text=True, check=True).stdout.split()
        out[warm] = [float(x) for x in lines]
    cold, warmed = out[False], out[True]
    print(f"first diff in a fresh process, {len(a.encode()) / 1024:.1f} KB rewritten: "
          f"{cold[1]:.1f} ms cold (today) vs {warmed[1]:.1f} ms after the start-up warm-up "
          f"({warmed[0]:.1f} ms, off the GUI thread); second diff {warmed[2]:.1f} ms; "
          f"first-call penalty {cold[1] - cold[2]:.1f} -> {warmed[1] - warmed[2]:.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
