"""Metric-over-time charts as server-side SVG: one line per metric, the threshold line, and the Wilson intervals
as a band.

Accessible: ``role="img"`` with a title and a description that states every point and the threshold. Presentation
attributes only (no inline style or script: CSP). The same SVG serves the page and printed reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 40, 14, 44
LINE, BAND, THRESHOLD, FAIL = "#2f5fb3", "#c9d8f2", "#c0392b", "#c0392b"


@dataclass(frozen=True)
class Point:
    label: str  # the window, e.g. 2026-01-05
    value: float | None
    low: float | None = None
    high: float | None = None
    passed: bool | None = None


def series_from_runs(runs, metric: str, group: str = "overall", *, worst: str = "") -> list[Point]:
    """Points of ``metric`` (overall, a group's value, or a between-group difference) from runs, oldest first.

    Drift runs measure each column: with ``worst="max"`` (or ``"min"``) a point is the worst column's value, the
    one a threshold like ``psi < 0.2`` (or ``ks_pvalue >= 0.05``) fails first, and it passes when every column does.
    """
    points = []
    for run in sorted(runs, key=lambda r: r.window_start):
        results = run.results or {}
        value = low = high = None
        if worst and "columns" in results:
            measured = [c.get(metric) for c in (results["columns"] or {}).values() if c.get(metric) is not None]
            value = (max if worst == "max" else min)(measured) if measured else None
            verdicts = [c["passed"] for c in run.checks or [] if c["metric"] == metric]
            passed = None if not verdicts or None in verdicts else all(verdicts)
            points.append(Point(f"{run.window_start:%Y-%m-%d}", value, None, None, passed))
            continue
        if metric in (results.get("differences") or {}):
            value = results["differences"][metric]
        else:
            values = results.get("overall") if group == "overall" else (results.get("by_group") or {}).get(group)
            if values:
                value = values.get(metric)
                interval = (values.get("ci") or {}).get(metric)
                if interval:
                    low, high = interval
        verdicts = [c["passed"] for c in run.checks or [] if c["metric"] == metric and c["group"] == group]
        passed = None if not verdicts or None in verdicts else all(verdicts)
        points.append(Point(f"{run.window_start:%Y-%m-%d}", value, low, high, passed))
    return points


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value is not None else "undefined"


def metric_chart_svg(
    metric: str,
    points: list[Point],
    *,
    threshold: float | None = None,
    operator: str = "",
    svg_id: str = "chart",
) -> str:
    """The SVG line chart of one metric over windows, with its threshold and interval band."""
    defined = [p for p in points if p.value is not None]
    values = [p.value for p in defined] + [v for p in defined for v in (p.low, p.high) if v is not None]
    if threshold is not None:
        values.append(threshold)
    low_y, high_y = (min(values), max(values)) if values else (0.0, 1.0)
    if low_y >= 0 and high_y <= 1:
        low_y, high_y = min(0.0, low_y), 1.0
    if high_y - low_y < 1e-9:
        low_y, high_y = low_y - 0.5, high_y + 0.5
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low_y) / (high_y - low_y))

    name = metric.replace("_", " ")
    title = f"{name.capitalize()} per window" + (
        f" (threshold {operator} {threshold:g})" if threshold is not None else ""
    )
    described = [
        f"{p.label}: {_fmt(p.value)}"
        + (f" (95% interval {_fmt(p.low)} to {_fmt(p.high)})" if p.low is not None else "")
        + (" below threshold" if p.passed is False else "")
        for p in points
    ]
    desc = ("; ".join(described) + ".") if described else "No runs yet."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="metric-chart" id="{svg_id}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" '
        f'font-family="system-ui, sans-serif" data-metric="{escape(metric)}">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(desc)}</desc>',
    ]
    for k in range(5):  # horizontal grid with its values
        v = low_y + (high_y - low_y) * k / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{WIDTH - RIGHT}" y2="{y(v):.1f}" stroke="#e3e7ee"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#4a5363">{_fmt(v)}</text>'
        )
    banded = [(i, p) for i, p in enumerate(points) if p.low is not None and p.high is not None]
    if banded:
        upper = " ".join(f"{x(i):.1f},{y(p.high):.1f}" for i, p in banded)
        lower = " ".join(f"{x(i):.1f},{y(p.low):.1f}" for i, p in reversed(banded))
        parts.append(f'<polygon class="interval-band" points="{upper} {lower}" fill="{BAND}" fill-opacity="0.7"/>')
    if threshold is not None:
        parts.append(
            f'<line class="threshold" x1="{LEFT}" y1="{y(threshold):.1f}" x2="{WIDTH - RIGHT}" y2="{y(threshold):.1f}" '
            f'stroke="{THRESHOLD}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y(threshold) - 5:.1f}" text-anchor="end" font-size="11" '
            f'fill="{THRESHOLD}">threshold {escape(operator)} {threshold:g}</text>'
        )
    segment: list[str] = []
    for i, p in enumerate(points):  # a gap where a window's value is undefined
        if p.value is None:
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{LINE}" stroke-width="2"/>')
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.value):.1f}")
    if len(segment) > 1:
        parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for i, p in enumerate(points):
        if p.value is not None:
            colour = FAIL if p.passed is False else LINE
            parts.append(
                f'<circle class="point" cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="4" fill="{colour}" '
                f'data-passed="{"" if p.passed is None else str(p.passed).lower()}">'
                f"<title>{escape(p.label)}: {_fmt(p.value)}</title></circle>"
            )
        step = max(1, n // 8)
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="10" '
                f'fill="#4a5363">{escape(p.label)}</text>'
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="11" fill="#232a36">'
        "Window start</text></svg>"
    )
    return "".join(parts)


def monitor_charts(monitor, runs) -> list[dict]:
    """One chart per thresholded metric of a monitor (overall value or between-group metric)."""
    charts = []
    seen = set()
    for number, threshold in enumerate(monitor.thresholds or []):
        metric = threshold["metric"]
        if metric in seen:
            continue
        seen.add(metric)
        worst = ("max" if threshold["operator"] in ("<", "<=") else "min") if monitor.kind == "drift" else ""
        points = series_from_runs(runs, metric, worst=worst)
        title = f"{metric.replace('_', ' ').capitalize()} ({threshold['operator']} {threshold['value']:g})"
        charts.append(
            {
                "metric": metric,
                "title": f"{title}, worst column" if worst else title,
                "svg": metric_chart_svg(
                    metric,
                    points,
                    threshold=threshold["value"],
                    operator=threshold["operator"],
                    svg_id=f"chart-{monitor.pk.hex[:8]}-{number}",
                ),
            }
        )
    return charts
