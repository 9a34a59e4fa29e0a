"""Templates as authors use them: find variables, render messages, explain problems.

The engine itself (sandboxed Jinja2, StrictUndefined, trailing newlines and CRs kept) lives in
`storage.releases.template` so that the engineers' reader renders exactly as the app does.
"""

from storage.releases.template import (
    MissingVariables,
    TemplateProblem,
    VariableUse,
    find_variables,
    render_messages,
    resolve_values,
    variable_uses,
)

__all__ = [
    "MissingVariables",
    "TemplateProblem",
    "VariableUse",
    "find_variables",
    "render_messages",
    "resolve_values",
    "variable_uses",
]
