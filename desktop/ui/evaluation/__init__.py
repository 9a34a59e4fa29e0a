"""Evaluation screens: test sets, runs, the run grid, blind A/B and comparing runs.

    editor = TestSetEditor(workspace, writer)        # await editor.open_async("gold")
    panel = RunPanel(workspace)                      # await panel.load_async("support/reply")
    grid = RunGridView(workspace)
    panel.started.connect(grid.open_run)
    panel.result_arrived.connect(grid.apply_result)
    panel.finished.connect(lambda outcome: grid.run_finished(outcome.run_id))
    blind = BlindABView(workspace)                   # await blind.load_async(run_id)
    compare = CompareView(workspace)                 # await compare.load_async(prompt, run_id)

Each widget takes an optional `TaskSet` (the app's, so shutdown cancels their coroutines) and
has `shutdown()` where it owns timers.
"""

from .blind_ab import BlindABView
from .compare_view import CompareView
from .grid_model import RunGridModel
from .import_dialog import ImportDialog
from .result_panel import ResultPanel
from .run_grid import RunGridView
from .run_panel import RunPanel
from .testset_editor import TestSetEditor
from .testset_model import TestSetModel

__all__ = ["BlindABView", "CompareView", "ImportDialog", "ResultPanel", "RunGridModel",
           "RunGridView", "RunPanel", "TestSetEditor", "TestSetModel"]
