"""Places from a longer window with weekly activity classes, at EST volumes (issue 16)."""

from datetime import UTC, datetime

import numpy as np
import pytest

from geo.evaluation.weekly import planted_weekly, run_weekly, score_weekly
from geo.hotspots.emerging import choose_prior_weeks, place_class
from geo.hotspots.stats import time_profile
from geo.hotspots.trend import mann_kendall


@pytest.mark.parametrize("per_week", [20, 50, 200])
def test_steady_spots_are_places_and_recent_ones_new_or_consecutive(per_week):
    scores = [score_weekly(planted_weekly(per_week, seed), seed) for seed in range(3)]
    places = sum(s.places for s in scores)
    correct = sum(s.correct for s in scores)
    steady = sum(s.steady for s in scores)
    recent = sum(s.recent for s in scores)
    assert steady == 12 and recent == 9
    assert sum(s.steady_found for s in scores) / steady >= 0.9
    assert places > 0 and correct / places >= 0.9
    # spots that started 1, 2 and 3 weeks before the end of the review week
    assert sum(s.recent_ok for s in scores) / recent >= 0.9
    # the window reaches 13 weeks at least, longer when the data are sparse
    assert all(s.prior_weeks >= 12 for s in scores)
    if per_week == 20:
        assert any(s.prior_weeks > 12 for s in scores)


def test_uniform_background_gives_no_place_in_95_percent_of_weeks():
    trials = [(pw, seed) for pw in (20, 50, 200) for seed in range(100, 120)]
    empty = sum(not run_weekly(planted_weekly(pw, seed, noise_only=True, weeks=14)).hotspots
                for pw, seed in trials)
    assert empty / len(trials) >= 0.95


def test_window_states_its_length():
    res = run_weekly(planted_weekly(20, 1))
    window = res.params["window"]
    assert window["prior_weeks"] == res.prior_weeks and window["reports"] == res.n_window
    assert window["window_start"] < str(res.start)


@pytest.mark.parametrize(
    ("weekly", "n_now", "expected"),
    [
        ([0] * 12, 6, "new"),
        ([0] * 5 + [1] + [0] * 6, 6, "new"),           # one stray report is not a spot
        ([0] * 10 + [6, 7], 6, "consecutive"),
        ([2, 1, 2, 2, 1, 2, 2, 1, 2, 2, 1, 2], 2, "persistent"),
        ([1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6], 7, "intensifying"),
        ([8, 7, 7, 6, 5, 5, 4, 3, 2, 2, 1, 1], 0, "diminishing"),
        ([3, 2, 3, 3, 2, 0, 0, 0, 0, 0, 0, 3], 3, "oscillating"),
        ([3, 2, 3, 3, 2, 3, 3, 2, 0, 0, 0, 0], 0, "historical"),
        ([0, 3, 0, 0, 0, 2, 0, 0, 3, 0, 0, 2], 0, "sporadic"),
    ],
)
def test_place_classes(weekly, n_now, expected):
    klass, info = place_class(weekly, n_now, 1.0, 0.05)
    assert klass == expected, info
    assert len(info["hot_weeks"]) == 13


def test_choose_prior_weeks_extends_sparse_windows_within_the_data():
    assert choose_prior_weeks(50, [50] * 60) == 12
    assert choose_prior_weeks(20, [20] * 60) == 19          # 20 + 20 × 19 = 400
    assert choose_prior_weeks(5, [5] * 30) == 30             # no further than the data
    assert choose_prior_weeks(5, [5] * 80) == 51
    assert choose_prior_weeks(5, [5] * 80, min_weeks=0) == 0


def test_mann_kendall():
    s, p = mann_kendall([1, 2, 3, 4, 5, 6, 7, 8])
    assert s == 28 and p < 0.01
    s, p = mann_kendall([3, 3, 3, 3, 3])
    assert s == 0 and p == 1.0
    assert mann_kendall([1, 2])[1] == 1.0


def test_date_only_reports_never_make_weekday_or_hour_profiles():
    t = np.array(["2025-03-28T00:00:00", "2025-03-28T23:00:00", "2025-03-01T23:00:00"],
                 dtype="datetime64[s]")
    prof = time_profile(t, "Europe/Stockholm", timed=np.array([False, True, False]))
    assert sum(prof["weekdays"].values()) == 1 and prof["busiest_hours"] == [0]  # 23 UTC
    assert prof["first"] == datetime(2025, 3, 1, 23, tzinfo=UTC)
    none = time_profile(t, "Europe/Stockholm", timed=np.zeros(3, dtype=bool))
    assert none["weekdays"] == {} and none["busiest_hours"] == []


@pytest.mark.parametrize("share", [0.01, 0.02, 0.05])
def test_coverage_mode_flags_at_most_the_share_strongest_first(share):
    from geo.hotspots.coverage import coverage_flagger

    res = run_weekly(planted_weekly(200, 0), flagger=coverage_flagger(share))
    p = res.params
    assert p["mode"] == "coverage" and p["share"] == share
    assert 0 < p["flagged_m2"] <= share * p["study_area_m2"]
    zs = sorted((h.z for h in res.hotspots if h.extra["source"] == "window"), reverse=True)
    assert len(zs) >= 4 and zs[0] > 5
