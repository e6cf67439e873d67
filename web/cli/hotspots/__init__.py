"""``est hotspots``: detect (database or CSV), evaluate on planted data, backtest on a CSV."""

from web.cli.hotspots import detect, evaluation  # noqa: F401  (register the commands)
from web.cli.hotspots.common import group

__all__ = ["group"]
