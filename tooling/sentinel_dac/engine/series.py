"""Time-series functions for baseline rules: decomposition and anomaly scoring.

Implements the algorithm Microsoft documents for `series_decompose_anomalies`
(KQL reference, series-decompose-anomalies-function.md, series-decompose-
function.md, series-outliers-function.md, anomaly-detection.md; quoted in
tests/conformance/series_decompose_anomalies.md):

1. seasonality: autodetect the period (-1), use a given period, or none (0);
   the seasonal component is the per-phase average of the series;
2. trend: `avg` (the average), `linefit` (least squares, `series_fit_line`
   conventions: x = 1..n, sample variances), or `none`;
3. baseline = seasonal + trend, residual = series - baseline;
4. score the residuals with Tukey's fence test (`ctukey`: 10th-90th
   percentile range, `tukey`: 25th-75th), flag |score| > threshold.

Two details Microsoft does not document, chosen here and marked as
approximations wherever results are reported: the score formula (we use the
textbook fence distance in units of the inter-percentile range, so a score of
1.5 is the mild fence and 3.0 the strong one, as the docs describe) and the
period-detection score (normalised autocorrelation of the detrended series,
periods of 4 to n/2 points as the docs require). Flags agree with Kusto for
clear anomalies; borderline points may differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

APPROXIMATION_NOTE = (
    "series_decompose_anomalies follows Microsoft's documented algorithm, but Kusto's anomaly-score and "
    "period-detection formulas are undocumented: borderline anomalies may differ from Sentinel"
)


def _clean(series: Sequence[object]) -> list[float]:
    out = []
    for v in series:
        if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
            out.append(0.0)
        else:
            out.append(float(v))
    return out


def fit_line(y: Sequence[float]) -> tuple[float, float, float, float, float, list[float]]:
    """(rsquare, slope, variance, rvariance, interception, line_fit) as series_fit_line returns them."""
    y = _clean(y)
    n = len(y)
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0, 0.0, []
    xs = range(1, n + 1)
    xm, ym = (n + 1) / 2, sum(y) / n
    sxx = sum((x - xm) ** 2 for x in xs)
    slope = sum((x - xm) * (v - ym) for x, v in zip(xs, y, strict=True)) / sxx if sxx else 0.0
    intercept = ym - slope * xm
    line = [intercept + slope * x for x in xs]
    ss_tot = sum((v - ym) ** 2 for v in y)
    ss_res = sum((v - f) ** 2 for v, f in zip(y, line, strict=True))
    dof = max(n - 1, 1)
    rsquare = 1 - ss_res / ss_tot if ss_tot else 1.0
    return rsquare, slope, ss_tot / dof, ss_res / dof, intercept, line


def periods_detect(y: Sequence[float], min_period: float, max_period: float, num_periods: int):
    """Best periods (in bins) and their scores in [0, 1]; approximation, see the module docstring."""
    y = _clean(y)
    n = len(y)
    *_, line = fit_line(y)
    r = [v - f for v, f in zip(y, line, strict=True)]
    var = sum(v * v for v in r)
    lo, hi = max(4, math.ceil(min_period)), min(n // 2, math.floor(max_period))
    scored = []
    for p in range(lo, hi + 1):
        if var == 0:
            break
        acf = sum(r[i] * r[i + p] for i in range(n - p)) / var * n / (n - p)
        scored.append((max(0.0, min(1.0, acf)), p))
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[:num_periods]
    periods = [float(p) for _, p in best] + [0.0] * (num_periods - len(best))
    scores = [round(s, 6) for s, _ in best] + [0.0] * (num_periods - len(best))
    return periods, scores


def decompose(
    series: Sequence[object],
    seasonality: int = -1,
    trend: str = "avg",
    test_points: int = 0,
    seasonality_threshold: float = 0.6,
) -> tuple[list[float], list[float], list[float], list[float]]:
    """(baseline, seasonal, trend, residual), each as long as the input."""
    y = _clean(series)
    n = len(y)
    learn = y[: max(n - max(test_points, 0), 0)]
    m = len(learn)
    period = seasonality
    if seasonality == -1:
        periods, scores = periods_detect(learn, 4, m / 2, 1)
        period = int(periods[0]) if scores and scores[0] >= seasonality_threshold else 0
    if trend not in ("avg", "linefit", "none"):
        raise ValueError(f"trend must be 'avg', 'linefit' or 'none', not '{trend}'")
    seasonal = [0.0] * n
    if period and period > 1 and m >= period:
        mean = sum(learn) / m
        phases = [[learn[i] for i in range(k, m, period)] for k in range(period)]
        pattern = [sum(p) / len(p) - mean for p in phases]
        seasonal = [pattern[i % period] for i in range(n)]
    deseason = [v - s for v, s in zip(y, seasonal, strict=True)]
    if trend == "avg":
        level = sum(deseason[:m]) / m if m else 0.0
        trend_c = [level] * n
    elif trend == "linefit":
        _, slope, _, _, intercept, _ = fit_line(deseason[:m])
        trend_c = [intercept + slope * (i + 1) for i in range(n)]
    else:
        trend_c = [0.0] * n
    baseline = [s + t for s, t in zip(seasonal, trend_c, strict=True)]
    residual = [v - b for v, b in zip(y, baseline, strict=True)]
    return baseline, seasonal, trend_c, residual


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    rank = (len(sorted_values) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def outliers(residual: Sequence[float], kind: str = "ctukey", min_pct: float = 10, max_pct: float = 90) -> list[float]:
    """Tukey fence scores: distance beyond the inter-percentile range, in units of that range."""
    if kind == "tukey":
        min_pct, max_pct = 25, 75
    elif kind != "ctukey":
        raise ValueError(f"anomaly detection method must be 'ctukey' or 'tukey', not '{kind}'")
    values = sorted(residual)
    low, high = _percentile(values, min_pct), _percentile(values, max_pct)
    spread = high - low
    if spread <= 0:
        spread = max(abs(high), 1.0) * 1e-9
    scores = []
    for v in residual:
        if v > high:
            scores.append((v - high) / spread)
        elif v < low:
            scores.append((v - low) / spread)
        else:
            scores.append(0.0)
    return scores


def decompose_anomalies(
    series: Sequence[object],
    threshold: float = 1.5,
    seasonality: int = -1,
    trend: str = "avg",
    test_points: int = 0,
    ad_method: str = "ctukey",
    seasonality_threshold: float = 0.6,
) -> tuple[list[int], list[float], list[float]]:
    """(ad_flag, ad_score, baseline) as series_decompose_anomalies returns them."""
    baseline, _, _, residual = decompose(series, seasonality, trend, test_points, seasonality_threshold)
    scores = outliers(residual, ad_method)
    flags = [1 if s > threshold else -1 if s < -threshold else 0 for s in scores]
    return flags, [round(s, 12) for s in scores], baseline
