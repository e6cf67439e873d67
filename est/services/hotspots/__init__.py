"""Hot spot runs as a feature package.

``requests`` (what a run covers and the points it reads), ``runs`` (detect, classify,
store, reuse), ``reads`` (stored runs and their hot spots) and ``backtest`` (how well the
flagged places held the next month's reports). Callers import from here.
"""

from est.services.hotspots.backtest import backtest
from est.services.hotspots.reads import (
    get_run,
    hotspot_feature,
    latest_run,
    lineage_history,
    list_hotspots,
)
from est.services.hotspots.requests import (
    CLASSES_VERSION,
    DATE_ONLY_PRECISIONS,
    DEFAULT_BASELINE_WEEKS,
    DEFAULT_WINDOW_DAYS,
    TIMED_PRECISIONS,
    RunRequest,
    data_version,
    days_before,
    default_window,
    load_points,
    precision_counts,
    resolve_request,
)
from est.services.hotspots.runs import find_run, get_or_detect, preview

__all__ = [
    "CLASSES_VERSION", "DATE_ONLY_PRECISIONS", "DEFAULT_BASELINE_WEEKS", "DEFAULT_WINDOW_DAYS",
    "TIMED_PRECISIONS", "RunRequest", "backtest", "data_version", "days_before",
    "default_window", "find_run", "get_or_detect", "get_run", "hotspot_feature", "latest_run",
    "lineage_history", "list_hotspots", "load_points", "precision_counts", "preview",
    "resolve_request",
]
