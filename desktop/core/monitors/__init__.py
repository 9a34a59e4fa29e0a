"""Monitors: quality checks run over production logs, with alerts.

    checks    what a monitor checks in one call (an evaluator needing no expected output, or
              feedback), sampling for judges
    window    the window over the scores and the alert's hysteresis
    run       checking a monitor: score new calls only, open and close alerts, estimate
    webhook   the JSON POSTed when an alert opens
"""

from .checks import FEEDBACK_CHECKS, Check, MonitorError, parse_check
from .run import Estimate, MonitorStatus, alert_dict, check, estimate

__all__ = ["FEEDBACK_CHECKS", "Check", "Estimate", "MonitorError", "MonitorStatus",
           "alert_dict", "check", "estimate", "parse_check"]
