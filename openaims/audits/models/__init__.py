"""The audits app's models: nonconformities and corrective actions (10.2), the internal audit (9.2) and the
improvement register (10.1)."""

from openaims.audits.models.internal import (
    AuditChecklistItem,
    AuditProgramme,
    Improvement,
    InternalAudit,
    format_audit_reference,
)
from openaims.audits.models.nonconformities import (
    REQUIREMENT_KINDS,
    CorrectiveAction,
    Nonconformity,
    badge_html,
    format_reference,
    requirement_titles,
)

__all__ = [
    "REQUIREMENT_KINDS",
    "AuditChecklistItem",
    "AuditProgramme",
    "CorrectiveAction",
    "Improvement",
    "InternalAudit",
    "Nonconformity",
    "badge_html",
    "format_audit_reference",
    "format_reference",
    "requirement_titles",
]
