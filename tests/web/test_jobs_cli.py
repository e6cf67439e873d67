"""``est worker`` and ``est jobs``: errors without Redis, and the inline weekly precompute."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from est import jobs
from est.review import Week

TZ = "Europe/Stockholm"
W = Week(2026, 40, TZ)


@pytest.fixture(autouse=True)
def inline_jobs():
    jobs.forget_inline()
    yield
    jobs.configure(None)
    jobs.forget_inline()


def test_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL is not set" in result.output


def test_status_without_redis_says_jobs_run_inline(runner):
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0 and "körs direkt (inline)" in result.output
    assert runner.invoke(args=["jobs", "list"]).exit_code == 1
    unknown = runner.invoke(args=["jobs", "status", "kdoesnotexist"])
    assert unknown.exit_code == 1 and "unknown" in unknown.output


def test_precompute_refuses_bad_input(runner):
    bad_week = runner.invoke(args=["jobs", "precompute-week", "--week", "2026-W99"])
    assert bad_week.exit_code == 2 and "--week" in bad_week.output
    both = runner.invoke(args=["jobs", "precompute-week", "--all", "--area", "1861"])
    assert both.exit_code == 2 and "not both" in both.output
    missing = runner.invoke(args=["jobs", "precompute-week", "--area", "9999", "--week",
                                  W.slug])
    assert missing.exit_code == 1 and "ingen kommun med kod 9999" in missing.output


def test_precompute_week_inline(runner, make_area, make_report, monkeypatch, tmp_path):
    monkeypatch.setenv("EST_VAR_DIR", str(tmp_path))
    area = make_area()
    for i in range(12):
        make_report(15.1122, 59.0651, area=area,
                    occurred_at=datetime.combine(W.monday + timedelta(days=i % 7),
                                                 datetime.min.time(), ZoneInfo(TZ))
                    + timedelta(hours=22))
    result = runner.invoke(args=["jobs", "precompute-week", "--all", "--week", W.slug])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.startswith(f"1861 {W.slug}: 12 rapporter, ") and "hot spots" in line
    assert re.search(r"lägesbild \d+(\.\d+)? s$", line), line
    # a second call the same day is the same (finished) job: nothing runs again
    again = runner.invoke(args=["jobs", "precompute-week", "--all", "--week", W.slug])
    assert again.output == result.output
