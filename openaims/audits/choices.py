"""Sources, severities and statuses of nonconformities and corrective actions (10.2), each with its badge colour."""

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
}
