"""Every write of the controls app. Keyword-only, one transaction each, trail recorded."""

from openaims.controls.services.assessments import requirement_assessment_set
from openaims.controls.services.soa import (
    justification_problem,
    soa_ensure_entries,
    soa_entry_create,
    soa_entry_delete,
    soa_entry_link_evidence,
    soa_entry_update,
    soa_issue_version,
)

__all__ = [
    "justification_problem",
    "requirement_assessment_set",
    "soa_ensure_entries",
    "soa_entry_create",
    "soa_entry_delete",
    "soa_entry_link_evidence",
    "soa_entry_update",
    "soa_issue_version",
]
