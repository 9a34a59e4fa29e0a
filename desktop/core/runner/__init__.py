"""Running test sets: versions x models x rows, scored, every result committed as it arrives.

    from desktop.core.runner import EvalRequest, prepare_run, prepare_resume

    runner = prepare_run(workspace, EvalRequest(["support/greet@ab12", "support/greet"],
                                                test_set="gold", providers=["fast", "big"],
                                                evaluators=["icontains:thanks", "length:..400"]))
    outcome = await runner.run(on_progress=lambda p: ..., on_result=lambda record: ...)
    # runner.cancel() at any time; later: prepare_resume(workspace, outcome.run_id)

The stored run is read with `storage.workspace.runs` (grid rows by range, column totals,
filters, comparisons). Human ratings and blind A/B preferences: `desktop.core.runner.ratings`.
"""

from desktop.core.runner.plan import (DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, EvalError,
                                      EvalRequest, parse_evaluators)
from desktop.core.runner.prepare import prepare_resume, prepare_run
from desktop.core.runner.retry import RetryPolicy
from desktop.core.runner.runner import Progress, Runner, RunOutcome

__all__ = [
    "DEFAULT_CONCURRENCY", "DEFAULT_TIMEOUT", "EvalError", "EvalRequest", "Progress",
    "RetryPolicy", "RunOutcome", "Runner", "parse_evaluators", "prepare_resume", "prepare_run",
]
