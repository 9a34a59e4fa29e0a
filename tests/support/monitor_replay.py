"""A replay of production logs where quality drops after a release, then recovers.

The check is `is-json`; one call a second from 10:00:00, window 20 calls, min 10, threshold
0.9, margin 0.05:

    calls   1-100  release 1: every 20th is not JSON       window 0.95, no alert
    calls 101-150  release 2: none is JSON                 opens at 102 (window 18/20 at 101)
    calls 151-200  release 2: every 10th is not JSON       back to 0.9: over the threshold but
                                                           under threshold + margin: stays open
    calls 201-260  release 3: every 20th is not JSON       closes at 210 (191-210: one fails)
"""

from __future__ import annotations

from pathlib import Path

from tests.support import log_segments as seg

OPENS_AT, CLOSES_AT = 102, 210


def release_of(i: int) -> int:
    return 1 if i <= 100 else 2 if i <= 200 else 3


def is_good(i: int) -> bool:
    if i <= 100 or i > 200:
        return i % 20 != 0
    if i <= 150:
        return False
    return i % 10 != 0


def output(i: int) -> str:
    return f'{{"answer": "שלום {i} 👋"}}' if is_good(i) else f"Sorry, {i} went wrong  "


def calls(first: int, last: int, *, version: str = seg.VERSION,
          prompt: str = "support/greet") -> list[dict]:
    return [seg.call(i, version=version, prompt=prompt, release=release_of(i),
                     output=output(i), variables={"name": f"Ann {i}"},
                     time=f"{seg.DAY}T10:{(i // 60):02d}:{(i % 60):02d}.000000Z")
            for i in range(first, last + 1)]


def write(sink: Path, first: int, last: int, **options) -> Path:
    return seg.write(sink, seg.segment(calls(first, last, **options)))
