"""Runs and their results: create a run, record results as they arrive, resume, read for the grid.

A run is versions x providers x test-set rows. Its *columns* are (version, provider) pairs in
`settings["versions"]` x `settings["providers"]` order, its *rows* are the test cases in
`settings["case_ids"]` order; a *cell* is one result. Results are written by a `ResultWriter`
thread (group commit) as they arrive, so a crash loses at most the calls in flight, and
`missing_cells` tells a resumed run what is left to do.

Reading is built for a grid of 100,000 results: `load_rows` fetches one row range with three
indexed queries (output previews only), `column_totals` computes every column's pass rate, mean
score, cost and p50/p95 latency in SQL, and `filter_rows` returns the row numbers that match a
filter. Nothing here imports Qt or litellm.
"""

from storage.workspace.runs.records import (
    CANCELLED, FINISHED, INTERRUPTED, RUNNING, Cell, CellView, Column, ColumnTotals, GateOutcome,
    GridRow, ResultRecord, RunError, RunSummary, ScoreRecord, ScoreView,
)
from storage.workspace.runs.layout import columns, get_run, read_run, row_count
from storage.workspace.runs.lifecycle import (
    create_run, errored_cells, finish_run, finished_runs, is_active, list_runs, mark_active, mark_inactive,
    missing_cells, refresh_figures, reopen_run, status_of,
)
from storage.workspace.runs.totals import column_totals, gate_outcome
from storage.workspace.runs.grid import (
    CaseDelta, compare_columns, filter_rows, load_rows, load_rows_at, result_detail, result_id,
)
from storage.workspace.runs.order import Cancelled, Progress, filter_rows_stepwise, sort_rows
from storage.workspace.runs.trend import (
    ScorePoint, score_trend, version_scores,
)
from storage.workspace.runs.ratings import (
    PreferenceRecord, delete_human_score, list_preferences, record_preference, result_scores,
    save_human_score, set_result_score,
)
from storage.workspace.runs.batches import (
    BatchRecord, add_batch, open_batches, run_batches, runs_waiting_for_batches, update_batch,
)
from storage.workspace.runs.figures import (
    CaseFigures, column_figures, provider_latency, runs_with_column,
)
from storage.workspace.runs.cache import cache_get_many, cache_put_many, clear_cache
from storage.workspace.runs.writer import ResultWriter, WriterError
