"""Small interval estimates used by the aggregates (no SciPy needed for Wilson)."""

from __future__ import annotations

import math
import statistics


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes out of n; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_t_interval(values: list[float], confidence: float = 0.95) -> tuple[float | None, float | None, float | None]:
    """(mean, lo, hi) with a Student t interval; lo/hi None with fewer than 2 values."""
    values = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not values:
        return None, None, None
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None, None
    from scipy import stats

    sem = statistics.stdev(values) / math.sqrt(len(values))
    half = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1)) * sem
    return mean, mean - half, mean + half
