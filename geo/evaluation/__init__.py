"""Evaluation built into the product: planted hot spots, recall/precision, PAI/PEI* backtests.

Coordinates are in metres in a projected CRS unless a docstring says otherwise; times are
``datetime64[s]`` in UTC.
"""

from geo.evaluation.metrics import (
    BacktestResult,
    StudyGrid,
    backtest_week,
    baseline_capture,
    cell_counts,
    pai,
    pei_star,
    study_grid,
    top_cells,
)
from geo.evaluation.planted import (
    CATEGORIES,
    SCALES,
    WEEK_S,
    PlantedData,
    PlantedSpot,
    place_in_crs,
    planted,
    recall_precision,
    spot_discs,
)
from geo.evaluation.runs import (
    EVAL_METHODS,
    PLAIN_DBSCAN,
    ClassCheck,
    EvalRow,
    backtest,
    cluster_polygons,
    evaluate,
    evaluate_classes,
    run_method,
    summarise,
)

__all__ = [
    "CATEGORIES", "EVAL_METHODS", "PLAIN_DBSCAN", "SCALES", "WEEK_S", "BacktestResult",
    "ClassCheck", "EvalRow", "PlantedData", "PlantedSpot", "StudyGrid", "backtest",
    "backtest_week", "baseline_capture", "cell_counts", "cluster_polygons", "evaluate",
    "evaluate_classes", "pai", "pei_star", "place_in_crs", "planted", "recall_precision",
    "run_method", "spot_discs", "study_grid", "summarise", "top_cells",
]
