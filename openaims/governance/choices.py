"""Kinds and statuses of the governance records, each status with its badge colour."""

from django.db import models


class ScopeStatus(models.TextChoices):
    """Life of a scope statement: one approved statement is in force at a time."""

    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


class IssueOrigin(models.TextChoices):
    INTERNAL = "internal", "Internal"
    EXTERNAL = "external", "External"


class IssueCategory(models.TextChoices):
    LEGAL = "legal", "Legal and regulatory"
    MARKET = "market", "Market"
    TECHNOLOGY = "technology", "Technology"
    SOCIAL = "social", "Social and cultural"
    ENVIRONMENTAL = "environmental", "Environmental"
    ORGANIZATIONAL = "organizational", "Organizational"


class PartyKind(models.TextChoices):
    CUSTOMER = "customer", "Customers"
    AFFECTED_PERSON = "affected_person", "Affected people"
    REGULATOR = "regulator", "Regulators and authorities"
    EMPLOYEE = "employee", "Employees"
    SUPPLIER = "supplier", "Suppliers"
    PARTNER = "partner", "Partners"
    INVESTOR = "investor", "Investors and owners"
    PUBLIC = "public", "Public and civil society"
    OTHER = "other", "Other"


class DocumentType(models.TextChoices):
    AI_POLICY = "ai_policy", "AI policy"
    PROCEDURE = "procedure", "Procedure"
    STANDARD = "standard", "Standard"
    GUIDELINE = "guideline", "Guideline"
    RECORD = "record", "Record"
    OTHER = "other", "Other"


class VersionStatus(models.TextChoices):
    """Life of a document version: draft → in review → approved; an approved version is superseded by the next."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


# The moves a person may make (superseding happens when the next version is approved).
VERSION_TRANSITIONS: dict[str, set[str]] = {
    VersionStatus.DRAFT: {VersionStatus.IN_REVIEW},
    VersionStatus.IN_REVIEW: {VersionStatus.DRAFT, VersionStatus.APPROVED},
    VersionStatus.APPROVED: set(),
    VersionStatus.SUPERSEDED: set(),
}


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"


OPEN_OBJECTIVE_STATUSES = {ObjectiveStatus.PLANNED, ObjectiveStatus.ON_TRACK, ObjectiveStatus.AT_RISK}

# Statuses that share a value ("draft", "approved", "superseded") share a colour, so one dict serves all.
BADGE_COLOURS = {
    ScopeStatus.DRAFT: "grey",
    ScopeStatus.APPROVED: "green",
    ScopeStatus.SUPERSEDED: "dark",
    VersionStatus.IN_REVIEW: "blue",
    ObjectiveStatus.PLANNED: "grey",
    ObjectiveStatus.ON_TRACK: "green",
    ObjectiveStatus.AT_RISK: "orange",
    ObjectiveStatus.ACHIEVED: "green",
    ObjectiveStatus.MISSED: "red",
}
