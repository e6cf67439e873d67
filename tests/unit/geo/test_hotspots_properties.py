"""Property-based invariants of the default detector (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.hotspots.scan import scan

X0, Y0 = 510_000.0, 6_550_000.0


def scene(seed: int, n_background: int, n_spot: int):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.uniform(0, 2500, n_background), rng.normal(1200, 15, n_spot)])
    y = np.concatenate([rng.uniform(0, 2500, n_background), rng.normal(1300, 15, n_spot)])
    return x + X0, y + Y0


def member_sets(x, y, labels):
    """Hot spots as sets of (x, y) tuples, independent of label numbering and point order."""
    return {frozenset(zip(x[labels == k].tolist(), y[labels == k].tolist(), strict=True))
            for k in range(int(labels.max()) + 1)} if labels.size and labels.max() >= 0 else set()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_background=st.integers(0, 800),
       n_spot=st.integers(0, 40), perm_seed=st.integers(0, 10_000))
def test_permutation_gives_the_same_hot_spots(seed, n_background, n_spot, perm_seed):
    x, y = scene(seed, n_background, n_spot)
    perm = np.random.default_rng(perm_seed).permutation(x.size)
    a = scan(x, y)
    b = scan(x[perm], y[perm])
    assert a.n_clusters == b.n_clusters
    assert member_sets(x, y, a.labels) == member_sets(x[perm], y[perm], b.labels)
    np.testing.assert_allclose(np.sort(a.expected), np.sort(b.expected))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_noise=st.integers(1, 3000),
       distance_km=st.floats(5, 200), angle=st.floats(0, 2 * np.pi))
def test_far_away_noise_does_not_remove_a_hot_spot(seed, n_noise, distance_km, angle):
    x, y = scene(seed, 600, 40)
    base = scan(x, y)
    spot = (np.hypot(x - (1200 + X0), y - (1300 + Y0)) < 30)
    assert base.n_clusters >= 1 and (base.labels[spot] >= 0).mean() > 0.8
    rng = np.random.default_rng(seed + 1)
    cx = X0 + 1200 + distance_km * 1000 * np.cos(angle)
    cy = Y0 + 1300 + distance_km * 1000 * np.sin(angle)
    nx = np.concatenate([x, rng.uniform(cx - 2000, cx + 2000, n_noise)])
    ny = np.concatenate([y, rng.uniform(cy - 2000, cy + 2000, n_noise)])
    more = scan(nx, ny)
    assert (more.labels[: x.size][spot] >= 0).mean() > 0.8
    # The spot's points stay together in one hot spot centred on the spot (a stricter FDR
    # cut with more tests may only trim background reports at its fringe).
    kept = more.labels[: x.size][spot]
    label = np.bincount(kept[kept >= 0]).argmax()
    members = more.labels[: x.size] == label
    assert (kept == label).mean() > 0.8
    assert np.hypot(x[members].mean() - (1200 + X0), y[members].mean() - (1300 + Y0)) < 30
