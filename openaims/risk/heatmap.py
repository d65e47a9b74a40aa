"""The risk heat map as server-side SVG: one cell per likelihood × consequence, its level's colour and its count.

Accessible: ``role="img"`` with a title and a description that states every non-empty cell; each cell is a link to
the register filtered to it, with its own title. Presentation attributes only (no inline style or script: CSP).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.utils.html import escape

from openaims.risk.choices import LEVEL_FILL, RiskLevel
from openaims.risk.models import RiskCriteria

CELL = 64
LEFT = 150  # room for likelihood labels
TOP = 10
BOTTOM = 70  # room for consequence labels
AXIS_FONT = 12


def heat_map_svg(
    criteria: RiskCriteria,
    counts: Counter,
    *,
    residual: bool = False,
    register_url: str = "/risks/",
    svg_id: str = "heatmap",
) -> str:
    """The SVG of one heat map (inherent, or residual with ``residual``) of ``counts[(likelihood, consequence)]``."""
    kind = "Residual" if residual else "Inherent"
    lik_param, con_param = (
        ("residual_likelihood", "residual_consequence") if residual else ("likelihood", "consequence")
    )
    rows, cols = criteria.likelihood_size, criteria.consequence_size
    width = LEFT + cols * CELL + 10
    height = TOP + rows * CELL + BOTTOM
    total = sum(counts.values())
    described = [
        f"{n} at likelihood {lik} ({criteria.likelihood_labels[lik - 1]}) × consequence {con} "
        f"({criteria.consequence_labels[con - 1]}), {criteria.level(lik, con)}"
        for (lik, con), n in sorted(counts.items(), key=lambda item: (-item[0][0], item[0][1]))
        if 1 <= lik <= rows and 1 <= con <= cols
    ]
    title = f"{kind} risk heat map: {total} risk{'s' if total != 1 else ''}"
    desc = "Likelihood rises upwards, consequence to the right. " + (
        "; ".join(described) + "." if described else "No risks."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" id="{svg_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{svg_id}-title {svg_id}-desc" '
        f'font-family="system-ui, sans-serif">',
        f'<title id="{svg_id}-title">{escape(title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(desc)}</desc>',
    ]
    for lik in range(rows, 0, -1):
        y = TOP + (rows - lik) * CELL
        label = f"{lik} {criteria.likelihood_labels[lik - 1]}"
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + CELL / 2 + 4:g}" text-anchor="end" font-size="{AXIS_FONT}" '
            f'fill="#232a36">{escape(label)}</text>'
        )
        for con in range(1, cols + 1):
            x = LEFT + (con - 1) * CELL
            level = criteria.level(lik, con)
            n = counts.get((lik, con), 0)
            href = f"{register_url}?{urlencode({lik_param: lik, con_param: con})}"
            cell_title = (
                f"Likelihood {lik} ({criteria.likelihood_labels[lik - 1]}) × consequence {con} "
                f"({criteria.consequence_labels[con - 1]}): {RiskLevel(level).label.lower()}, {n} risk"
                + ("s" if n != 1 else "")
            )
            parts.append(
                f'<a href="{escape(href)}" class="heat-cell" data-likelihood="{lik}" data-consequence="{con}" '
                f'data-level="{level}" data-count="{n}"><title>{escape(cell_title)}</title>'
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{LEVEL_FILL[level]}" '
                f'stroke="#ffffff" stroke-width="2"/>'
                f'<text x="{x + CELL / 2:g}" y="{y + CELL / 2 + 7:g}" text-anchor="middle" font-size="20" '
                f'font-weight="{"700" if n else "400"}" fill="{"#232a36" if n else "#8a93a3"}">'
                f"{n if n else '·'}</text></a>"
            )
    base = TOP + rows * CELL
    for con in range(1, cols + 1):
        x = LEFT + (con - 1) * CELL + CELL / 2
        parts.append(
            f'<text x="{x:g}" y="{base + 16}" text-anchor="middle" font-size="{AXIS_FONT}" fill="#232a36">{con}</text>'
        )
        parts.append(
            f'<text x="{x:g}" y="{base + 30}" text-anchor="middle" font-size="10" fill="#4a5363">'
            f"{escape(criteria.consequence_labels[con - 1][:12])}</text>"
        )
    parts.append(
        f'<text x="{LEFT + cols * CELL / 2:g}" y="{base + 55}" text-anchor="middle" font-size="{AXIS_FONT}" '
        f'font-weight="600" fill="#232a36">Consequence →</text>'
    )
    parts.append(
        f'<text x="14" y="{TOP + rows * CELL / 2:g}" text-anchor="middle" font-size="{AXIS_FONT}" font-weight="600" '
        f'fill="#232a36" transform="rotate(-90 14 {TOP + rows * CELL / 2:g})">Likelihood →</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
