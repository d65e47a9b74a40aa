"""The report of an internal audit as DOCX or PDF: cover (programme, scope, auditors, dates, status), the summary
reported to management, the sample with its seed and weights, and every checklist line with its finding.

>>> exported = export_audit_report(actor=actor, internal_audit=audit, fmt="pdf")  # doctest: +SKIP
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from openaims.accounts.choices import Permission
from openaims.audits.internal_selectors import checklist
from openaims.audits.models import InternalAudit
from openaims.base.context import Actor
from openaims.base.docx_tables import grid_table, label_table
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports import ExportedFile

FORMATS = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
}
FINDING_COLUMNS = ("#", "Checks", "Finding", "Notes", "Raised")
SAMPLE_COLUMNS = ("AI system", "Weight", "Why", "Drawn")


@dataclass
class AuditReport:
    """The content of one exported audit report, independent of the file format."""

    title: str
    cover: list[tuple[str, str]]
    summary: str
    sample: list[tuple[str, ...]]
    findings: list[tuple[str, ...]]


def build_report(audit: InternalAudit) -> AuditReport:
    team = ", ".join(str(user) for user in audit.team.all()) or "—"
    systems = ", ".join(system.name for system in audit.ai_systems.all()) or "—"
    cover = [
        ("Organization", audit.organization.name),
        ("Audit", audit.reference),
        ("Programme", f"{audit.programme} ({audit.programme.get_frequency_display().lower()})"),
        ("Clauses", ", ".join(audit.clause_ids) or "—"),
        ("Annex A controls", ", ".join(audit.control_ids) or "—"),
        ("AI systems", systems),
        ("Criteria", audit.criteria or audit.programme.criteria or "—"),
        ("Lead auditor", str(audit.lead_auditor or "—")),
        ("Team", team),
        ("Planned", f"{audit.planned_start} to {audit.planned_end}"),
        ("Started", str(audit.started_on or "—")),
        ("Reported", str(audit.reported_on or "not yet")),
        ("Status", audit.get_status_display()),
    ]
    drawn = {str(pk) for pk in audit.sampled_systems.values_list("pk", flat=True)}
    sample = [
        (row["name"], str(row["weight"]), row["basis"], "yes" if row["ai_system_id"] in drawn else "")
        for row in audit.sample_weights or []
    ]
    findings = []
    for line in checklist(audit):
        raised = line.nonconformity.reference if line.nonconformity else ("improvement" if line.improvement else "")
        what = line.title if line.kind == "record" else f"{line.reference} {line.title}"
        findings.append(
            (str(line.position), what, line.get_finding_display() if line.finding else "—", line.notes, raised)
        )
    if audit.sample_seed is not None:
        cover.append(("Sample seed", str(audit.sample_seed)))
    return AuditReport(
        title=f"Internal audit report {audit.reference}: {audit.title}",
        cover=cover,
        summary=audit.report_summary,
        sample=sample,
        findings=findings,
    )


def render_docx(report: AuditReport) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = report.title
    doc.add_heading(report.title, level=0)
    label_table(doc, report.cover)
    doc.add_heading("Summary reported to management", level=1)
    doc.add_paragraph(report.summary or "Not reported yet.")
    doc.add_heading("Sample of AI systems", level=1)
    if report.sample:
        grid_table(doc, SAMPLE_COLUMNS, report.sample)
    else:
        doc.add_paragraph("No sample drawn.")
    doc.add_heading("Checklist and findings", level=1)
    if report.findings:
        grid_table(doc, FINDING_COLUMNS, report.findings)
    else:
        doc.add_paragraph("No checklist generated.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def render_pdf(report: AuditReport) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time that DOCX exports need not pay

    html = render_to_string(
        "audits/internal_audit_report.html",
        {"report": report, "sample_columns": SAMPLE_COLUMNS, "finding_columns": FINDING_COLUMNS},
    )
    return HTML(string=html, base_url=None).write_pdf()


def export_audit_report(*, actor: Actor, internal_audit: InternalAudit, fmt: str) -> ExportedFile:
    """The audit's report as ``fmt``; needs the export right. Recorded in the trail as an access event."""
    actor.require(Permission.EXPORT)
    if fmt not in FORMATS:
        raise ValidationError({"format": [f"Unknown format {fmt!r} (use {', '.join(FORMATS)})."]})
    report = build_report(internal_audit)
    content = render_docx(report) if fmt == "docx" else render_pdf(report)
    extension, content_type = FORMATS[fmt]
    with transaction.atomic():
        record_event(actor=actor, action=TrailAction.ACCESS, instance=internal_audit, changes={"export": [None, fmt]})
    name = slugify(f"internal-audit-{internal_audit.reference}")
    return ExportedFile(content, f"{name}.{extension}", content_type)
