"""An AI system card as HTML, Markdown or PDF (WeasyPrint, from the same HTML as the page), and as JSON."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports import ExportedFile
from openaims.inventory.models import AISystem
from openaims.oversight.transparency.card import SystemCard, build_card

FORMATS = {
    "html": ("html", "text/html; charset=utf-8"),
    "markdown": ("md", "text/markdown; charset=utf-8"),
    "pdf": ("pdf", "application/pdf"),
}

__all__ = ["FORMATS", "export_card", "render", "render_html", "render_markdown", "render_pdf"]


def render_html(card: SystemCard) -> str:
    """A standalone HTML document (its style inline, no script, nothing fetched)."""
    return render_to_string("transparency/card_export.html", {"card": card})


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"a card fetches nothing ({url[:80]})")


def render_pdf(card: SystemCard) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time that other formats need not pay

    # The document is ours and fetches nothing; refusing every fetch keeps it so whatever text a record holds.
    return HTML(string=render_html(card), base_url=None, url_fetcher=_refuse_fetch).write_pdf()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text) -> str:
    """Text as Markdown that shows it literally: special characters escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split())) if text not in (None, "") else "—"


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(card: SystemCard) -> str:
    """The card as Markdown: the same sections, in the same order, as the HTML."""
    out = [
        f"# AI system card: {md(card.name)}",
        "",
        f"{md(card.organization)} · {md(card.lifecycle_stage)} · card generated {card.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
    ]
    if card.has("purpose"):
        out += ["## Purpose and intended use", "", md(card.purpose), ""]
        out += [md(card.intended_use), ""] if card.intended_use else []
    if card.has("limitations"):
        out += [
            "## Limitations and foreseeable misuse",
            "",
            "### Limitations",
            "",
            md(card.limitations or "Not stated yet."),
        ]
        out += ["", "### Foreseeable misuse", "", md(card.foreseeable_misuse or "Not stated yet."), ""]
    if card.has("ai_roles"):
        out += ["## AI roles", "", md(", ".join(card.ai_roles) or "Not stated."), ""]
    if card.has("data"):
        out += ["## Data", ""]
        rows = [
            [d.name, d.source, d.provenance, d.licence, "Yes" if d.contains_personal_data else "No"]
            for d in card.datasets
        ]
        out += (
            _table(["Dataset", "Source", "Provenance", "Licence", "Personal data"], rows)
            if rows
            else ["No dataset recorded.", ""]
        )
    if card.has("models"):
        out += ["## Model versions", ""]
        rows = [[v.version, v.status_label, v.released_on, v.source, v.metrics_summary] for v in card.model_versions]
        header = ["Version", "Status", "Released", "Source", "Validation metrics"]
        out += _table(header, rows) if rows else ["No model version recorded.", ""]
    if card.has("results"):
        out += ["## Fairness and performance results", ""]
        for r in card.results:
            verdict = "passed" if r.passed else "threshold breached"
            out += [f"### {md(r.monitor)} ({r.kind.lower()}): {verdict}", ""]
            out += [
                f"Window {r.window_start:%Y-%m-%d} to {r.window_end:%Y-%m-%d}, {r.rows} decisions, measured "
                f"{r.measured_at:%Y-%m-%d}. Intervals are 95% Wilson intervals.",
                "",
            ]
            rows = [[m.metric, m.group, m.value_text, m.interval_text, m.threshold, m.verdict] for m in r.metrics]
            rows += [[m.metric, m.group, m.value_text, m.interval_text, "", ""] for m in r.groups]
            out += _table(["Metric", "Group", "Value", "95% interval", "Threshold", "Result"], rows)
        if not card.results:
            out += ["No fairness or performance measurement yet.", ""]
    if card.has("oversight"):
        out += ["## Human oversight", "", f"{md(card.human_oversight)}; {md(card.automation_level.lower())}.", ""]
        out += [f"- {md(line)}" for line in card.oversight] + ([""] if card.oversight else [])
    if card.has("risks"):
        out += ["## Main risks and their treatment", ""]
        rows = [
            [
                r.title,
                r.level_label,
                r.status_label,
                (r.treatment_option or "Not decided") + (f": {r.treatment_plan}" if r.treatment_plan else ""),
                "; ".join(r.controls),
            ]
            for r in card.risks
        ]
        header = ["Risk", "Level", "Status", "Treatment", "Controls"]
        out += _table(header, rows) if rows else ["No open risk recorded.", ""]
    if card.has("eu_ai_act"):
        tier = card.eu_ai_act
        text = "Not classified yet."
        if tier is not None:
            basis = f" ({tier.basis})" if tier.basis else ""
            text = f"{tier.tier_label}{basis}; classified {tier.classified_on:%Y-%m-%d}."
        out += ["## EU AI Act tier", "", md(text), ""]
    if card.has("contact"):
        out += ["## Contact", "", md(card.contact or "Not stated yet."), ""]
    return "\n".join(out).rstrip() + "\n"


def render(card: SystemCard, fmt: str) -> bytes:
    if fmt == "html":
        return render_html(card).encode()
    if fmt == "markdown":
        return render_markdown(card).encode()
    if fmt == "pdf":
        return render_pdf(card)
    raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})


def export_card(*, actor: Actor, ai_system: AISystem, fmt: str) -> ExportedFile:
    """The card of ``ai_system`` as a file; needs the export right. Recorded in the trail as an access event."""
    actor.require(Permission.EXPORT)
    if fmt not in FORMATS:
        raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})
    if ai_system.organization_id != actor.organization.pk:
        from openaims.base.errors import NotFound

        raise NotFound("No such AI system.")
    content = render(build_card(ai_system), fmt)
    extension, content_type = FORMATS[fmt]
    with transaction.atomic():
        record_event(actor=actor, action=TrailAction.ACCESS, instance=ai_system, changes={"card": [None, fmt]})
    return ExportedFile(
        content, f"{slugify(f'ai-system-card-{ai_system.name}') or 'ai-system-card'}.{extension}", content_type
    )
