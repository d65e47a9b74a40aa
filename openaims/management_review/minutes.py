"""The minutes of a management review as PDF (WeasyPrint, with the charts) or DOCX (python-docx, the same figures as
tables): the review, its date, chair and attendees, every input section, the decisions, and the actions with owner
and due date.

>>> pdf = render_minutes_pdf(review)  # doctest: +SKIP
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.docx_tables import grid_table, label_table
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports import ExportedFile
from openaims.management_review.charts import review_charts
from openaims.management_review.models import ManagementReview
from openaims.management_review.present import Section, period_label, present_inputs

FORMATS = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
}
DECISION_COLUMNS = ("#", "Category", "Decision")
ACTION_COLUMNS = ("Action", "Owner", "Due", "Status", "Closing note")


@dataclass
class Minutes:
    """The content of one review's minutes, independent of the file format."""

    title: str
    cover: list[tuple[str, str]]
    summary: str
    sections: list[Section]
    charts: list[dict]
    decisions: list[tuple[str, ...]]
    actions: list[tuple[str, ...]]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def build_minutes(review: ManagementReview) -> Minutes:
    from openaims.management_review.selectors import review_inputs

    inputs = review_inputs(review)
    attendees = ", ".join(str(user) for user in review.attendees.order_by("username")) or "—"
    cover = [
        ("Organization", review.organization.name),
        ("Review", review.reference),
        ("Status", review.get_status_display()),
        ("Planned for", str(review.planned_for)),
        ("Held on", str(review.held_on or "not yet")),
        ("Chair", str(review.chair or "—")),
        ("Attendees", attendees),
        ("Other attendees", review.other_attendees or "—"),
        ("Period of the inputs", period_label(inputs)),
        (
            "Inputs",
            f"frozen {_when(review.inputs_compiled_at)}, SHA-256 {review.inputs_sha256}"
            if review.is_held
            else "live preview: the review is not held yet",
        ),
        (
            "Minutes issued",
            f"{_when(review.minutes_issued_at)} by {review.issued_by}" if review.minutes_issued_at else "not yet",
        ),
        ("Next review due", str(review.next_due or "—")),
    ]
    decisions = [
        (str(i), d.get_category_display(), d.text) for i, d in enumerate(review.decisions.order_by("created_at"), 1)
    ]
    actions = [
        (
            a.title,
            str(a.owner or "—"),
            str(a.due_date),
            a.get_status_display() + (" (overdue)" if a.overdue else ""),
            a.closing_note or "—",
        )
        for a in review.actions.select_related("owner").order_by("due_date", "created_at")
    ]
    return Minutes(
        title=f"Management review minutes {review.reference}: {review.title}",
        cover=cover,
        summary=review.summary,
        sections=present_inputs(inputs),
        charts=review_charts(inputs, prefix=f"mr{review.number}"),
        decisions=decisions,
        actions=actions,
    )


def _docx(minutes: Minutes) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = minutes.title
    doc.add_heading(minutes.title, level=0)
    label_table(doc, minutes.cover)
    doc.add_heading("Summary", level=1)
    doc.add_paragraph(minutes.summary or "No summary recorded.")
    doc.add_heading("Inputs", level=1)
    for section in minutes.sections:
        doc.add_heading(section.title, level=2)
        if section.missing:
            doc.add_paragraph("Not in the snapshot.")
            continue
        grid_table(doc, ("Figure", "Value"), section.figures)
        for table in section.tables:
            doc.add_paragraph(table.caption).runs[0].bold = True
            grid_table(doc, table.columns, table.rows)
    doc.add_heading("Decisions", level=1)
    if minutes.decisions:
        grid_table(doc, DECISION_COLUMNS, minutes.decisions)
    else:
        doc.add_paragraph("No decision recorded.")
    doc.add_heading("Actions", level=1)
    if minutes.actions:
        grid_table(doc, ACTION_COLUMNS, minutes.actions)
    else:
        doc.add_paragraph("No action recorded.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_minutes_docx(review: ManagementReview) -> bytes:
    """The review's minutes as a DOCX document (the charts' figures as tables)."""
    return _docx(build_minutes(review))


def render_minutes_pdf(review: ManagementReview) -> bytes:
    """The review's minutes as a PDF document, with the charts."""
    from weasyprint import HTML  # imported here: loading pango costs time that DOCX exports need not pay

    minutes = build_minutes(review)
    charts = [{**chart, "svg": mark_safe(chart["svg"])} for chart in minutes.charts]  # our own escaped SVG
    html = render_to_string(
        "management_review/minutes.html",
        {
            "minutes": minutes,
            "charts": charts,
            "decision_columns": DECISION_COLUMNS,
            "action_columns": ACTION_COLUMNS,
        },
    )
    return HTML(string=html, base_url=None).write_pdf()


def export_minutes(*, actor: Actor, management_review: ManagementReview, fmt: str) -> ExportedFile:
    """The review's minutes as ``fmt``; needs the export right. Recorded in the trail as an access event."""
    actor.require(Permission.EXPORT)
    if fmt not in FORMATS:
        raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})
    content = render_minutes_docx(management_review) if fmt == "docx" else render_minutes_pdf(management_review)
    extension, content_type = FORMATS[fmt]
    with transaction.atomic():
        record_event(
            actor=actor, action=TrailAction.ACCESS, instance=management_review, changes={"export": [None, fmt]}
        )
    name = slugify(f"management-review-{management_review.reference}-minutes")
    return ExportedFile(content, f"{name}.{extension}", content_type)
