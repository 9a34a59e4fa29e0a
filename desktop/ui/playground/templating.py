"""Template work for the tab, sized for the GUI thread. No Qt here.

Jinja parses about 100 KB a second, so a 50 KB message costs ~0.3 s to scan for variables or to
compile. Messages up to INLINE_LIMIT characters are handled on the GUI thread (a millisecond
or two); longer ones on a worker thread, with the result cached by text.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from desktop.core import play
from desktop.core.templates import TemplateProblem, find_variables
from storage.releases.content import Message, PromptContent

INLINE_LIMIT = 4096
_CACHE_SIZE = 256
_cache: OrderedDict[str, tuple[str, ...] | TemplateProblem] = OrderedDict()
_lock = threading.Lock()


def known(text: str) -> bool:
    with _lock:
        return text in _cache


def is_small(text: str) -> bool:
    return len(text) <= INLINE_LIMIT


def scan(text: str) -> tuple[str, ...] | TemplateProblem:
    """The variables one message uses, or the problem that stops it parsing (cached)."""
    with _lock:
        if text in _cache:
            _cache.move_to_end(text)
            return _cache[text]
    try:
        result: tuple[str, ...] | TemplateProblem = tuple(
            find_variables(PromptContent(messages=(Message("user", text),))))
    except TemplateProblem as exc:
        result = exc
    with _lock:
        _cache[text] = result
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def describe(problem: TemplateProblem, index: int, role: str) -> str:
    """The problem's message, naming this message (it was parsed on its own, as message 1)."""
    return str(problem).replace("the user message (message 1)", f"the {role} message (message {index})")


def render(content: PromptContent, values: Mapping[str, Any]) -> list[dict[str, str]]:
    return play.render(content, values)


def total_size(content: PromptContent) -> int:
    return sum(len(m.content) for m in content.messages)
