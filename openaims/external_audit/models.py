"""The external auditor: guest auditor invitations, and the evidence requests an auditor makes and owners answer."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.base.models import BaseModel, colour_badge
from openaims.external_audit.choices import (
    BADGE_COLOURS,
    FINAL,
    EvidenceRequestStatus,
    InvitationStatus,
)

badge_html = functools.partial(colour_badge, BADGE_COLOURS)


def format_request_reference(number: int | None) -> str:
    return f"ER-{number:04d}" if number else "ER-?"


class GuestInvitation(BaseModel):
    """An invitation for an external auditor (a certification body's auditor): read-only access with exports
    until ``expires_at``, to the whole organization or to some AI systems and frameworks.

    Only the SHA-256 of the invitation's token is kept; the link with the token is shown once. Accepting it makes
    a guest auditor membership with the same expiry and scope (``membership``); revoking ends that membership.
    """

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200)
    firm = models.CharField("certification body", max_length=200, help_text="The auditor's firm.")
    expires_at = models.DateTimeField(help_text="When the access lapses by itself.")
    scope_all_systems = models.BooleanField(
        "whole organization", default=True, help_text="Every AI system; otherwise only the AI systems in scope."
    )
    scope_systems = models.ManyToManyField(
        "inventory.AISystem",
        blank=True,
        related_name="+",
        verbose_name="AI systems in scope",
        help_text="The AI systems the auditor sees; none: the whole organization.",
    )
    scope_frameworks = models.JSONField(
        "frameworks in scope", default=list, blank=True, help_text="Catalog framework ids; empty: all frameworks."
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prefix = models.CharField(max_length=16, help_text="First characters of the token, to recognise the link.")
    token_hash = models.CharField(max_length=64, unique=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    membership = models.ForeignKey(
        "accounts.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    trail_fields = (
        "email",
        "name",
        "firm",
        "expires_at",
        "scope_all_systems",
        "scope_systems",
        "scope_frameworks",
        "invited_by",
        "prefix",
        "accepted_at",
        "accepted_by",
        "membership",
        "revoked_at",
    )

    class Meta:
        verbose_name = "guest invitation"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.firm})"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.LAPSED
        return InvitationStatus.ACTIVE if self.accepted_at else InvitationStatus.PENDING

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())


class EvidenceRequest(BaseModel):
    """What an auditor asks to see (by clause, Annex A control or AI system), who answers it and by when.

    ``number`` counts per organization (``reference`` ER-0001). The owner answers with evidence items; the
    requester accepts the answer or reopens the request; both sides comment (:class:`EvidenceRequestComment`).
    """

    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="What exactly is needed, and why.")
    clause_id = models.CharField(
        "clause", max_length=20, blank=True, help_text="An ISO/IEC 42001 clause or requirement id, e.g. 6.1.3."
    )
    control_id = models.CharField("Annex A control", max_length=20, blank=True, help_text="e.g. A.6.2.6.")
    ai_system = models.ForeignKey(
        "inventory.AISystem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_requests",
        verbose_name="AI system",
    )
    internal_audit = models.ForeignKey(
        "audits.InternalAudit", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_evidence_requests",
        help_text="The member who answers.",
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=EvidenceRequestStatus.choices, default=EvidenceRequestStatus.OPEN, editable=False
    )
    evidence = models.ManyToManyField(
        "evidence.Evidence", blank=True, related_name="evidence_requests", verbose_name="evidence items", editable=False
    )
    answer_note = models.TextField(blank=True, editable=False, help_text="The owner's note with the evidence.")
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "evidence request"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_evidence_request_number")]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return format_request_reference(self.number)

    @property
    def overdue(self) -> bool:
        """Its due date has passed and it is neither accepted nor withdrawn."""
        return self.status not in FINAL and self.due_date < timezone.localdate()

    @property
    def status_badge(self) -> str:
        badge = badge_html(self.status, self.get_status_display())
        return format_html('{} <span class="badge badge-red">overdue</span>', badge) if self.overdue else badge

    @property
    def subject(self) -> str:
        """What it is about: the clause, the control and the AI system it names."""
        parts = [p for p in (self.clause_id, self.control_id) if p]
        if self.ai_system_id:
            parts.append(str(self.ai_system))
        return ", ".join(parts) or "—"

    def clean(self) -> None:
        from openaims.audits.models.internal import clause_ids, control_ids

        errors: dict[str, str] = {}
        if self.clause_id and self.clause_id not in clause_ids():
            errors["clause_id"] = f"Not an ISO/IEC 42001 clause or requirement id: {self.clause_id} (e.g. 9.2, 6.1.3)."
        if self.control_id and self.control_id not in control_ids():
            errors["control_id"] = f"Not an Annex A control id: {self.control_id} (e.g. A.6.2.6)."
        if errors:
            raise ValidationError(errors)


class EvidenceRequestComment(BaseModel):
    """One message in an evidence request's thread: the auditor and the organization talk here."""

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    author_label = models.CharField(max_length=300, help_text="Who wrote it, as the trail names them.")
    body = models.TextField()

    class Meta:
        verbose_name = "evidence request comment"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.author_label} on {self.request.reference}"
