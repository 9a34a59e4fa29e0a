"""The Logs view: production calls pulled from the applications' log sinks, shown as text.

    window       LogsWindow: filters, the paged table, the detail pane, the chart, actions
    model        CallsModel: the table of calls, fetched a page at a time off the GUI thread
    filters      FilterBar: prompt, release, version, time, feedback, errors, text search
    detail       DetailPane: one call in full, whitespace and invisible characters visible
    chart        RatesChart: negative feedback and error rates per release over time
    pull_dialog  PullDialog: log sinks of a release repository, pulling with progress
    actions      add to a test set, open in the playground, compare releases
    compare      CompareDialog: two releases' outputs for the same variables
"""

from .window import LogsWindow

__all__ = ["LogsWindow"]
