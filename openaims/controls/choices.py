"""Statuses of the Statement of Applicability and of readiness, each with its badge colour."""

from django.db import models


class ImplementationStatus(models.TextChoices):
    """How far the organization has implemented a control of its Statement of Applicability."""

    NOT_STARTED = "not_started", "Not started"
    PLANNED = "planned", "Planned"
    PARTIAL = "partial", "Partially implemented"
    IMPLEMENTED = "implemented", "Implemented"


class ReadinessStatus(models.TextChoices):
    """Where a clause requirement stands for a certification audit (the values of ``Derived.status``)."""

    NOT_MET = "not_met", "Not met"
    PARTIAL = "partial", "Partially met"
    MET = "met", "Met"


class CoverageStatus(models.TextChoices):
    """How a requirement of another framework is reached through mapped ISO/IEC 42001 items."""

    IMPLEMENTED = "implemented", "Implemented"
    PARTIAL = "partial", "Partially implemented"
    NOT_STARTED = "not_started", "Not started"
    UNREACHED = "unreached", "Not reached"


IMPLEMENTATION_BADGES = {
    ImplementationStatus.NOT_STARTED: "red",
    ImplementationStatus.PLANNED: "orange",
    ImplementationStatus.PARTIAL: "blue",
    ImplementationStatus.IMPLEMENTED: "green",
}
READINESS_BADGES = {
    ReadinessStatus.NOT_MET: "red",
    ReadinessStatus.PARTIAL: "orange",
    ReadinessStatus.MET: "green",
}
COVERAGE_BADGES = {
    CoverageStatus.IMPLEMENTED: "green",
    CoverageStatus.PARTIAL: "blue",
    CoverageStatus.NOT_STARTED: "orange",
    CoverageStatus.UNREACHED: "grey",
}

#: How the UI, the API and the exports name applicability.
APPLICABILITY_LABELS = {True: "Applicable", False: "Excluded"}
