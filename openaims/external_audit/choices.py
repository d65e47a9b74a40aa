"""Statuses of guest auditor invitations and evidence requests, each with its badge colour."""

from django.db import models


class InvitationStatus(models.TextChoices):
    """Where a guest auditor invitation stands (derived from its dates, never set by hand)."""

    PENDING = "pending", "Pending (not accepted yet)"
    ACTIVE = "active", "Active"
    LAPSED = "lapsed", "Lapsed"
    REVOKED = "revoked", "Revoked"


class EvidenceRequestStatus(models.TextChoices):
    """Where an evidence request stands. Services move it: the owner answers, the requester accepts or reopens."""

    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    ACCEPTED = "accepted", "Accepted"
    REOPENED = "reopened", "Reopened"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: Statuses in which the owner still owes an answer.
AWAITING_ANSWER = (EvidenceRequestStatus.OPEN, EvidenceRequestStatus.REOPENED)
#: Statuses that end a request (not overdue, not changed any more).
FINAL = (EvidenceRequestStatus.ACCEPTED, EvidenceRequestStatus.WITHDRAWN)

BADGE_COLOURS = {
    InvitationStatus.PENDING: "blue",
    InvitationStatus.ACTIVE: "green",
    InvitationStatus.LAPSED: "grey",
    InvitationStatus.REVOKED: "red",
    EvidenceRequestStatus.OPEN: "blue",
    EvidenceRequestStatus.ANSWERED: "orange",
    EvidenceRequestStatus.ACCEPTED: "green",
    EvidenceRequestStatus.REOPENED: "red",
    EvidenceRequestStatus.WITHDRAWN: "grey",
}
