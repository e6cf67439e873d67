"""Time the start of the command line (prints figures, asserts nothing).

Run: ``.venv/bin/python benchmarks/cli_startup.py [--runs 5]``.

Median wall time of ``est --help``, ``python -c "import web"`` and ``python -c "import
web.cli"`` in fresh processes, and of the bare interpreter for comparison; also how long the
app a command runs in takes to build (``create_app(pages=False)``) against the full web app.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_wall(cmd: list[str], runs: int) -> float:
    """Return the median wall time in seconds of ``runs`` runs of ``cmd``."""
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def main() -> None:
    """Print the median start times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    est = str(Path(py).with_name("est"))
    cases = [
        ("python -c pass (interpreter)", [py, "-c", "pass"]),
        ("est --help", [est, "--help"]),
        ('python -c "import web"', [py, "-c", "import web"]),
        ('python -c "import web.cli"', [py, "-c", "import web.cli"]),
        ("command app create_app(pages=False)",
         [py, "-c", "from web import create_app; create_app(pages=False)"]),
        ("full web app create_app()", [py, "-c", "from web import create_app; create_app()"]),
    ]
    for label, cmd in cases:
        print(f"{label:38} {median_wall(cmd, args.runs):6.2f} s  (median of {args.runs})")


if __name__ == "__main__":
    main()
