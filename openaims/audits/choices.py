"""Sources, severities and statuses of nonconformities and corrective actions (10.2), of internal audits (9.2) and of
improvements (10.1), each with its badge colour."""

from django.db import models


class NonconformitySource(models.TextChoices):
    """Where a nonconformity was found."""

    MONITORING = "monitoring", "Monitoring (a breached threshold)"
    INTERNAL_AUDIT = "internal_audit", "Internal audit"
    EXTERNAL_AUDIT = "external_audit", "External audit"
    INCIDENT = "incident", "Incident"
    CONCERN = "concern", "Concern reported (A.3.3)"
    COMPLAINT = "complaint", "Complaint"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    OTHER = "other", "Other"


class NonconformitySeverity(models.TextChoices):
    """How serious a nonconformity is (one name in the API's schema, apart from an alert's severity)."""

    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"


Severity = NonconformitySeverity  # the name the audits modules import


class NonconformityStatus(models.TextChoices):
    """Where a nonconformity stands. Services move it; nobody sets it by hand.

    ``open``: recorded, no corrective action yet. ``action_planned``: corrective actions under way (or a new failing
    run showed the fix did not hold). ``awaiting_verification``: every action done, or a later passing run verified
    the fix; a person closes it. ``closed_effective`` and ``closed_not_effective`` are final; closing as not
    effective opens a follow-up nonconformity (a new cycle, with its own number) that points back to this one.
    """

    OPEN = "open", "Open"
    ACTION_PLANNED = "action_planned", "Action planned"
    AWAITING_VERIFICATION = "awaiting_verification", "Awaiting verification"
    CLOSED_EFFECTIVE = "closed_effective", "Closed: effective"
    CLOSED_NOT_EFFECTIVE = "closed_not_effective", "Closed: not effective"


#: Final statuses; every other status counts as open.
CLOSED_STATUSES = (NonconformityStatus.CLOSED_EFFECTIVE, NonconformityStatus.CLOSED_NOT_EFFECTIVE)
OPEN_STATUSES = tuple(s for s in NonconformityStatus if s not in CLOSED_STATUSES)


class CorrectiveActionStatus(models.TextChoices):
    """Where a corrective action stands (one name in the API's schema, apart from a risk action's status)."""

    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


ActionStatus = CorrectiveActionStatus  # the name the audits modules import


class AuditFrequency(models.TextChoices):
    """How often an audit programme plans an audit (the interval readiness checks audits against)."""

    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Every six months"
    ANNUAL = "annual", "Annual"


#: Days between two audits of a programme, by frequency (a little slack: a quarter may have 92 days).
FREQUENCY_DAYS = {AuditFrequency.QUARTERLY: 92, AuditFrequency.SEMIANNUAL: 184, AuditFrequency.ANNUAL: 366}


class InternalAuditStatus(models.TextChoices):
    """Where an internal audit stands: planned, in progress (started), reported (results issued), closed."""

    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    REPORTED = "reported", "Reported"
    CLOSED = "closed", "Closed"


class ChecklistItemKind(models.TextChoices):
    """What a checklist line checks: a clause requirement, an Annex A control, or a key record of a system."""

    REQUIREMENT = "requirement", "Clause requirement"
    CONTROL = "control", "Annex A control"
    RECORD = "record", "AI system record"


class AuditFinding(models.TextChoices):
    """The auditor's finding on one checklist line."""

    CONFORMITY = "conformity", "Conformity"
    MAJOR_NONCONFORMITY = "major_nonconformity", "Major nonconformity"
    MINOR_NONCONFORMITY = "minor_nonconformity", "Minor nonconformity"
    OBSERVATION = "observation", "Observation"
    OPPORTUNITY = "opportunity", "Opportunity for improvement"


#: Findings that open a nonconformity, with the severity it gets.
NONCONFORMITY_FINDINGS = {
    AuditFinding.MAJOR_NONCONFORMITY: "major",
    AuditFinding.MINOR_NONCONFORMITY: "minor",
}


class ImprovementSource(models.TextChoices):
    """Where an opportunity for improvement came from."""

    INTERNAL_AUDIT = "internal_audit", "Internal audit"
    MANAGEMENT_REVIEW = "management_review", "Management review"
    MONITORING = "monitoring", "Monitoring"
    INCIDENT = "incident", "Incident"
    SUGGESTION = "suggestion", "Suggestion"
    OTHER = "other", "Other"


class ImprovementStatus(models.TextChoices):
    """Where an improvement stands."""

    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    REJECTED = "rejected", "Rejected"


BADGE_COLOURS = {
    NonconformityStatus.OPEN: "red",
    NonconformityStatus.ACTION_PLANNED: "orange",
    NonconformityStatus.AWAITING_VERIFICATION: "blue",
    NonconformityStatus.CLOSED_EFFECTIVE: "green",
    NonconformityStatus.CLOSED_NOT_EFFECTIVE: "dark",
    Severity.MINOR: "orange",
    Severity.MAJOR: "red",
    ActionStatus.PLANNED: "grey",
    ActionStatus.IN_PROGRESS: "orange",
    ActionStatus.DONE: "green",
    InternalAuditStatus.PLANNED: "grey",
    InternalAuditStatus.IN_PROGRESS: "orange",
    InternalAuditStatus.REPORTED: "blue",
    InternalAuditStatus.CLOSED: "green",
    AuditFinding.CONFORMITY: "green",
    AuditFinding.MAJOR_NONCONFORMITY: "red",
    AuditFinding.MINOR_NONCONFORMITY: "orange",
    AuditFinding.OBSERVATION: "blue",
    AuditFinding.OPPORTUNITY: "blue",
    ImprovementStatus.PROPOSED: "grey",
    ImprovementStatus.DONE: "green",
    ImprovementStatus.REJECTED: "dark",
}
