"""References to the case inside evaluator values: `{{ expected }}` and `{{ variable_name }}`.

An evaluator value is not a Jinja template (a regex such as `\\d{2}` or an inline JSON schema would
not survive Jinja's parser), so only one form is recognised: `{{`, optional spaces, a name made of
letters, digits and `_`, optional spaces, `}}`. `expected` means the case's expected output; any
other name is one of the case's variables. Everything else in a value is literal text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .base import CaseLike, EvaluationError, expected_of

_REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def references(text: str) -> tuple[str, ...]:
    """The names `text` refers to, in order of first use."""
    return tuple(dict.fromkeys(m.group(1) for m in _REFERENCE.finditer(text)))


def fill(text: str, case: CaseLike, escape: Callable[[str], str] | None = None) -> str:
    """Replace each reference in `text` with the case's value (passed through `escape` if given).

    Raises EvaluationError naming the reference the case cannot supply.
    """
    if "{{" not in text:
        return text

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "expected":
            found = expected_of(case)
        else:
            variables = case.variables
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none"
                raise EvaluationError(f"the value refers to {{{{ {name} }}}}, but this case has no "
                                      f"variable '{name}' (its variables: {known})")
            raw = variables[name]
            found = raw if isinstance(raw, str) else str(raw)
        return escape(found) if escape else found

    return _REFERENCE.sub(value, text)


def substitute_for_check(text: str, stand_in: str) -> str:
    """`text` with every reference replaced by `stand_in`: to validate a value at parse time."""
    return _REFERENCE.sub(lambda _m: stand_in, text)
