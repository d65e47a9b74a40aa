"""The human review queue (A.9.2-A.9.4; EU AI Act Art. 14, 26): routing rules and service levels per AI system,
the AI decisions routed to a person, the reviewers' decisions, and the webhook deliveries of final decisions."""

from __future__ import annotations

import functools
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.base.models import BaseModel, colour_badge
from openaims.oversight.reviews.choices import (
    BADGE_COLOURS,
    OPEN_STATUSES,
    DecisionAction,
    ReviewLevel,
    ReviewStatus,
    RuleKind,
)
from openaims.policy import outbound

#: The fields each rule kind uses; the others must stay empty.
RULE_FIELDS = {
    RuleKind.ALL: (),
    RuleKind.LOW_CONFIDENCE: ("threshold",),
    RuleKind.ADVERSE_OUTCOME: ("adverse_outcomes",),
    RuleKind.RANDOM_SAMPLE: ("share",),
    RuleKind.GROUP_SAMPLE: ("attribute", "value", "share"),
}
_EMPTY = {"threshold": None, "adverse_outcomes": [], "share": None, "attribute": "", "value": ""}


#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


def _share_problem(value) -> str | None:
    if value is None:
        return "Required: a share between 0 and 1 (0.05 reviews one decision in twenty)."
    if not math.isfinite(value) or not 0 <= value <= 1:
        return "Must be between 0 and 1."
    return None


class RoutingRule(BaseModel):
    """Which of an AI system's decisions go to a human reviewer. Active rules are tried in ``order``; the first that
    matches routes the decision (and is recorded on the item). A decision no rule matches is not queued.

    Samples are deterministic: a decision id always falls in or out of a rule's sample, so a retry routes the same.
    """

    ai_system = models.ForeignKey(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="routing_rules", verbose_name="AI system"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=RuleKind.choices, default=RuleKind.ALL)
    threshold = models.FloatField(
        null=True, blank=True, help_text="Confidence below a threshold: decisions whose confidence is below this."
    )
    adverse_outcomes = models.JSONField(
        default=list, blank=True, help_text="Adverse outcomes: the AI outputs that count as adverse, e.g. reject."
    )
    share = models.FloatField(
        null=True, blank=True, help_text="Samples: the share of decisions reviewed, between 0 and 1."
    )
    attribute = models.CharField(max_length=100, blank=True, help_text="Group sample: the subject group attribute.")
    value = models.CharField(max_length=200, blank=True, help_text="Group sample: the attribute's value.")
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=10, help_text="Rules are tried from the lowest order up.")

    class Meta:
        verbose_name = "routing rule"
        ordering = ["ai_system", "order", "created_at"]
        constraints = [models.UniqueConstraint(fields=["organization", "ai_system", "name"], name="uniq_rule_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_badge(self) -> str:
        return badge_html(self.kind, self.get_kind_display())

    @property
    def summary(self) -> str:
        """What the rule routes, in a few words."""
        if self.kind == RuleKind.LOW_CONFIDENCE:
            return f"confidence < {self.threshold:g}" if self.threshold is not None else "—"
        if self.kind == RuleKind.ADVERSE_OUTCOME:
            return "output in " + ", ".join(self.adverse_outcomes or [])
        if self.kind == RuleKind.RANDOM_SAMPLE:
            return f"{(self.share or 0):.1%} of decisions"
        if self.kind == RuleKind.GROUP_SAMPLE:
            return f"{(self.share or 0):.1%} of {self.attribute}={self.value}"
        return "every decision"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        used = RULE_FIELDS.get(self.kind, ())
        for name in _EMPTY:
            if name not in used and getattr(self, name) not in (None, "", []):
                errors[name] = f"Not used by a rule of kind {self.get_kind_display().lower()}: leave it empty."
        if self.kind == RuleKind.LOW_CONFIDENCE and (self.threshold is None or not math.isfinite(self.threshold)):
            errors["threshold"] = "Required: the confidence below which decisions are reviewed."
        if self.kind == RuleKind.ADVERSE_OUTCOME:
            outcomes = self.adverse_outcomes
            if not isinstance(outcomes, list) or not outcomes or any(not isinstance(o, str) or not o for o in outcomes):
                errors["adverse_outcomes"] = 'Required: a list of the AI outputs that are adverse, e.g. ["reject"].'
        if self.kind in (RuleKind.RANDOM_SAMPLE, RuleKind.GROUP_SAMPLE) and (problem := _share_problem(self.share)):
            errors["share"] = problem
        if self.kind == RuleKind.GROUP_SAMPLE:
            for name in ("attribute", "value"):
                if not getattr(self, name):
                    errors[name] = f"Required: the subject group {name} sampled."
        if errors:
            raise ValidationError(errors)


class ReviewSettings(BaseModel):
    """An AI system's service level for human review: time to decide, blind share, where final decisions go."""

    ai_system = models.OneToOneField(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="review_settings", verbose_name="AI system"
    )
    hours_to_decide = models.PositiveIntegerField(default=24, help_text="An item is due this many hours after it came.")
    blind_share = models.FloatField(
        default=0.0, help_text="Share of items (0-1) shown without the AI's output, to measure automation bias."
    )
    webhook_url = models.URLField(
        "webhook URL", max_length=500, blank=True, help_text="Final decisions are POSTed here, signed."
    )
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Signs each webhook (HMAC-SHA256); at least 16 characters."
    )

    trail_fields = ("ai_system", "hours_to_decide", "blind_share", "webhook_url")

    class Meta:
        verbose_name = "review settings"
        verbose_name_plural = "review settings"
        ordering = ["ai_system__name"]

    def __str__(self) -> str:
        return f"Review settings of {self.ai_system}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.hours_to_decide is not None and not 1 <= self.hours_to_decide <= 24 * 365:
            errors["hours_to_decide"] = "Must be between 1 and 8760 (a year)."
        if self.blind_share is None or not math.isfinite(self.blind_share) or not 0 <= self.blind_share <= 1:
            errors["blind_share"] = "Must be between 0 and 1."
        if self.webhook_url and (problem := outbound.url_problem(self.webhook_url, resolve_name=False)):
            errors["webhook_url"] = outbound.sentence(problem)
        if self.webhook_url and len(self.webhook_secret or "") < 16:
            errors["webhook_secret"] = "A webhook needs a secret of at least 16 characters to sign its requests."
        if errors:
            raise ValidationError(errors)


class ReviewItem(BaseModel):
    """One AI decision routed to a human: what the AI saw and said, why it was routed, and the final outcome.

    ``blind`` items are shown without the AI's output and confidence until decided. ``idempotency_key`` is unique per
    AI system: a retried submission returns the first item.
    """

    ai_system = models.ForeignKey(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="review_items", verbose_name="AI system"
    )
    decision_id = models.CharField("decision id", max_length=200, help_text="The AI system's own id of the decision.")
    idempotency_key = models.CharField(max_length=200)
    input_summary = models.JSONField(default=dict, blank=True, help_text="What the AI decided on: text or JSON.")
    ai_output = models.CharField("AI output", max_length=200)
    confidence = models.FloatField(null=True, blank=True)
    explanation = models.JSONField(
        default=dict, blank=True, help_text="Feature contributions ({feature: weight}) or reasons (a list)."
    )
    subject_groups = models.JSONField(
        default=dict, blank=True, help_text='The subject\'s group attributes, e.g. {"sex": "female"}.'
    )
    routed_by = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    routed_by_kind = models.CharField(max_length=20, choices=RuleKind.choices)
    blind = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    final_outcome = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # Kept on the item when it is decided, so that oversight metrics are aggregated by the database.
    decided_by_label = models.CharField(
        "decided by", max_length=300, blank=True, editable=False, help_text="Who made the final decision."
    )
    seconds_to_decision = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="From submission to the final decision, to the second."
    )
    escalated = models.BooleanField(default=False, editable=False, help_text="Sent to a second reviewer.")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The reviewer working on it (others see it is taken).",
    )

    class Meta:
        verbose_name = "review item"
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ai_system", "idempotency_key"],
                name="uniq_review_idempotency_key",
                violation_error_message="A review item with this idempotency key exists for this AI system.",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "submitted_at", "id"], name="review_queue_all"),
            models.Index(fields=["organization", "status", "submitted_at", "id"], name="review_queue_status"),
            models.Index(fields=["organization", "status", "due_at"], name="review_queue_due"),
            models.Index(fields=["organization", "ai_system", "status", "submitted_at"], name="review_queue_system"),
        ]

    def __str__(self) -> str:
        return f"{self.ai_system} decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def due_label(self) -> str:
        if self.due_at is None:
            return "—"
        when = timezone.localtime(self.due_at).strftime("%Y-%m-%d %H:%M")
        if self.overdue:
            return format_html('{} <span class="badge badge-red">overdue</span>', when)
        if self.is_open:
            return format_html('{} <span class="badge badge-blue">due</span>', when)
        return when

    @property
    def output_hidden(self) -> bool:
        """Blind items hide the AI's output and confidence until decided."""
        return self.blind and self.is_open

    @property
    def shown_output(self) -> str:
        return "hidden (blind review)" if self.output_hidden else self.ai_output


class ReviewDecision(BaseModel):
    """One reviewer's decision on an item: approve, override with an outcome, or escalate; never changed."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewer_label = models.CharField(max_length=300)
    reviewer_role = models.CharField(max_length=20, help_text="The reviewer's role when deciding.")
    action = models.CharField(max_length=10, choices=DecisionAction.choices)
    outcome = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    level = models.CharField(max_length=10, choices=ReviewLevel.choices, default=ReviewLevel.FIRST)
    blind = models.BooleanField(default=False, help_text="Decided without seeing the AI's output.")

    class Meta:
        verbose_name = "review decision"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["organization", "reviewer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.reviewer_label}"

    @property
    def action_badge(self) -> str:
        return badge_html(self.action, self.get_action_display())


class WebhookDelivery(BaseModel):
    """One attempt to deliver an item's final decision to the AI system's webhook, with what came back."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=500)
    attempt = models.PositiveSmallIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    next_retry_at = models.DateTimeField(null=True, blank=True, help_text="When the next try runs (none: last one).")

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Attempt {self.attempt}: {self.outcome}"

    @property
    def outcome(self) -> str:
        """What the organization sees: delivered, failed with the receiver's status, or failed. Why a request got
        no answer (refused, reset, timed out, not allowed) stays in the server's log: shown, it would map the
        network behind the receiver."""
        if self.succeeded:
            return "delivered"
        return f"failed (status {self.status_code})" if self.status_code else "failed"


class SubmissionCounter(models.Model):
    """Per AI system: decisions submitted that no rule routed (not stored as items), for oversight totals."""

    ai_system = models.OneToOneField("inventory.AISystem", on_delete=models.CASCADE, primary_key=True, related_name="+")
    not_routed = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.ai_system_id}: {self.not_routed} not routed"
