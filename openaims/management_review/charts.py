"""Bar charts of a management review's inputs as server-side SVG, in the manner of :mod:`openaims.monitoring.charts`:
nonconformities opened and closed by month, monitor breaches by month, open risks by level, review actions by status.

Accessible: ``role="img"`` with a title and a description stating every figure. Presentation attributes only (no
inline style or script: CSP). The same SVG serves the review page and the PDF minutes.
"""

from __future__ import annotations

from django.utils.html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 28, 40
COLOURS = ("#2f5fb3", "#2e8b57", "#c0392b", "#e0a030", "#6b7280")


def _nice_max(value: int) -> int:
    """A round top for the axis (at least 1), so the grid lines fall on whole numbers."""
    for top in (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= top:
            return top
    step = 10 ** (len(str(value)) - 1)
    return -(-value // step) * step


def bar_chart_svg(title: str, labels: list[str], series: list[tuple[str, list[int]]], *, svg_id: str) -> str:
    """Grouped bars: one group per label, one bar per series (name, values), with a legend and a grid."""
    values = [v for _, vs in series for v in vs]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)
    group_w = plot_w / n
    bar_w = max(2.0, min(28.0, (group_w * 0.8) / max(len(series), 1)))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    described = "; ".join(
        f"{label}: " + ", ".join(f"{name} {vs[i]}" for name, vs in series) for i, label in enumerate(labels)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="review-chart" id="{svg_id}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" '
        'font-family="system-ui, sans-serif">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(described + "." if described else "Nothing recorded.")}</desc>',
    ]
    for k in range(5):
        v = top * k / 4
        parts.append(
            f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{WIDTH - RIGHT}" y2="{y(v):.1f}" stroke="#e3e7ee"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="10" fill="#4a5363">{v:g}</text>'
        )
    for s, (name, vs) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        parts.append(
            f'<rect x="{LEFT + s * 130}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{LEFT + s * 130 + 14}" y="15" font-size="11" fill="#232a36">{escape(name)}</text>'
        )
        for i, value in enumerate(vs):
            x = LEFT + i * group_w + (group_w - bar_w * len(series)) / 2 + s * bar_w
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y(value):.1f}" width="{bar_w:.1f}" '
                f'height="{max(0.0, TOP + plot_h - y(value)):.1f}" fill="{colour}">'
                f"<title>{escape(labels[i])}: {escape(name)} {value}</title></rect>"
            )
    step = max(1, n // 12)
    for i, label in enumerate(labels):
        if i % step == 0 or i == n - 1:
            parts.append(
                f'<text x="{LEFT + (i + 0.5) * group_w:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                f'font-size="10" fill="#4a5363">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#4a5363"/></svg>'
    )
    return "".join(parts)


def review_charts(inputs: dict, *, prefix: str = "mr") -> list[dict]:
    """The charts of a snapshot of inputs: ``[{"key", "title", "svg"}]`` (charts with nothing to show left out)."""
    charts = []
    nc = inputs.get("nonconformities") or {}
    trend = nc.get("by_month") or {}
    if trend.get("months"):
        charts.append(
            (
                "nonconformities",
                "Nonconformities opened and closed by month",
                trend["months"],
                [("Opened", trend.get("opened", [])), ("Closed", trend.get("closed", []))],
            )
        )
    breaches = (inputs.get("monitoring") or {}).get("breaches_by_month") or {}
    if breaches.get("months"):
        charts.append(
            (
                "breaches",
                "Monitor threshold breaches by month",
                breaches["months"],
                [("Breaches", breaches.get("breaches", []))],
            )
        )
    levels = (inputs.get("risks") or {}).get("by_level") or {}
    if levels:
        charts.append(("risks", "Open risks by level", list(levels), [("Open risks", list(levels.values()))]))
    actions = inputs.get("previous_actions") or {}
    if actions.get("total"):
        names = ("open", "overdue", "done", "cancelled")
        charts.append(
            (
                "actions",
                "Actions of previous reviews by status",
                [n.capitalize() for n in names],
                [("Actions", [actions.get(n, 0) for n in names])],
            )
        )
    return [
        {"key": key, "title": title, "svg": bar_chart_svg(title, labels, series, svg_id=f"{prefix}-chart-{key}")}
        for key, title, labels, series in charts
    ]
