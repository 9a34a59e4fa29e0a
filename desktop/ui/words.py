"""The few technical words the screens cannot avoid, said once and explained once.

Models count text in tokens, runs have a typical and a slow time; every screen that shows these
uses the phrases and tooltips here, so a linguist reads the same words everywhere.
"""

from __future__ import annotations

TOKENS_TIP = ("Tokens are the pieces of text models read and bill by: in English a token is "
              "about three quarters of a word; other scripts often take more. “Sent” counts your "
              "messages and values, “received” the answer.")
TIME_TIP = ("Time from sending the request to the last word of the answer; “first words” is "
            "when the answer began to appear.")
STATS_TIP = f"{TOKENS_TIP}\n\n{TIME_TIP}"
TYPICAL_SLOW_TIP = ("Typical: half of the calls were faster than this (the median, p50). "
                    "Slow: one call in twenty took longer than this (p95).")
PARALLEL_TIP = ("How many requests Promptpress sends at the same time (each provider's own "
                "limit applies too). More finishes sooner; lower it if a provider answers "
                "“too many requests”.")
PARALLEL_LABEL = "Requests at a time"


def tokens(sent: int | None, received: int | None) -> str:
    """'14 tokens sent, 12 received'."""
    def n(value: int | None) -> str:
        return "?" if value is None else f"{value:,}"

    return f"{n(sent)} token{'' if sent == 1 else 's'} sent, {n(received)} received"


def took(total: str, first: str | None) -> str:
    """'took 1.24 s, first words after 310 ms' (durations already formatted)."""
    return f"took {total}" + (f", first words after {first}" if first and first != "–" else "")


def typical_slow(typical: str, slow: str) -> str:
    """'typical 120 ms · slow 480 ms' (durations already formatted)."""
    return f"typical {typical} · slow {slow}"
