"""Every write of the review queue. Keyword-only, one transaction each, trail recorded.

- :func:`review_item_submit`: an AI system sends a decision; routing rules decide whether a person reviews it.
- :func:`review_item_decide`: a reviewer approves, overrides or escalates; an escalated item needs a second reviewer
  of higher role (:data:`~openaims.oversight.reviews.choices.ROLE_RANK`) who is not the first. The item is locked
  (``select_for_update``) and its status checked again, so two reviewers never both decide it.
- Final decisions are sent to the system's webhook after the commit (:mod:`openaims.oversight.reviews.webhooks`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from openaims.accounts.choices import Permission, Role
from openaims.base.context import Actor
from openaims.base.errors import NotFound
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.oversight.reviews.choices import (
    DecisionAction,
    ReviewLevel,
    ReviewStatus,
    RuleKind,
    role_rank,
)
from openaims.oversight.reviews.models import (
    _EMPTY,
    RULE_FIELDS,
    ReviewDecision,
    ReviewItem,
    ReviewSettings,
    RoutingRule,
    SubmissionCounter,
)
from openaims.oversight.reviews.routing import Submission, first_matching, is_blind
from openaims.policy import outbound

#: Hours to decide when the AI system has no review settings.
DEFAULT_HOURS_TO_DECIDE = 24


class AlreadyDecided(ValidationError):
    """The item was decided (by someone else, or a moment ago): nothing changed (the API answers 409)."""


def _same_org(actor: Actor, record, name: str) -> None:
    if record is None or getattr(record, "organization_id", None) != actor.organization.pk:
        raise NotFound(f"No such {name}.")


# --- Routing rules ---------------------------------------------------------------------------------------


def _rule_fields(fields: dict, kind: str | None) -> dict:
    """Fields a rule's new kind does not use are emptied unless given, so changing the kind needs no clean-up."""
    if "adverse_outcomes" in fields and fields["adverse_outcomes"] is None:
        raise ValidationError({"adverse_outcomes": ["Must be a list (an empty list for none)."]})
    if kind is not None:
        for name, empty in _EMPTY.items():
            if name not in RULE_FIELDS.get(kind, ()) and name not in fields:
                fields[name] = empty
    return fields


def routing_rule_create(*, actor: Actor, **fields) -> RoutingRule:
    return create_record(RoutingRule, actor=actor, **_rule_fields(fields, fields.get("kind", RuleKind.ALL)))


def routing_rule_update(*, actor: Actor, routing_rule: RoutingRule, **fields) -> RoutingRule:
    kind = fields.get("kind") if fields.get("kind") not in (None, routing_rule.kind) else None
    return update_record(routing_rule, actor=actor, **_rule_fields(fields, kind))


def routing_rule_delete(*, actor: Actor, routing_rule: RoutingRule) -> None:
    """Delete a rule; the items it routed keep its kind (``routed_by_kind``)."""
    delete_record(routing_rule, actor=actor)


# --- Review settings -------------------------------------------------------------------------------------


def _keep_secret(fields: dict, current: ReviewSettings | None = None) -> dict:
    """An empty secret in a change means "keep the stored one" (forms and API never show it)."""
    if current is not None and not fields.get("webhook_secret"):
        fields.pop("webhook_secret", None)
    if fields.get("webhook_url") is None and "webhook_url" in fields:
        fields["webhook_url"] = ""
    return fields


def _check_webhook_url(fields: dict) -> dict:
    """The webhook URL passes the outbound policy, its host resolved now (before any lock is taken); the request
    is checked again when it is sent."""
    if (url := fields.get("webhook_url")) and (problem := outbound.url_problem(url)):
        raise ValidationError({"webhook_url": [outbound.sentence(problem)]})
    return fields


def review_settings_create(*, actor: Actor, **fields) -> ReviewSettings:
    return create_record(ReviewSettings, actor=actor, **_check_webhook_url(_keep_secret(fields)))


def review_settings_update(*, actor: Actor, review_settings: ReviewSettings, **fields) -> ReviewSettings:
    return update_record(review_settings, actor=actor, **_check_webhook_url(_keep_secret(fields, review_settings)))


def review_settings_delete(*, actor: Actor, review_settings: ReviewSettings) -> None:
    delete_record(review_settings, actor=actor)


# --- Submission ------------------------------------------------------------------------------------------


@dataclass
class SubmitResult:
    """What a submission did: ``routed`` false means no rule sent it to a person (nothing stored)."""

    item: ReviewItem | None
    routed: bool
    created: bool


def _check_submission(decision_id: str, ai_output: str, confidence, subject_groups, explanation) -> None:
    errors: dict[str, str] = {}
    if not (decision_id or "").strip():
        errors["decision_id"] = "Required: the AI system's own id of the decision."
    if not (ai_output or "").strip():
        errors["ai_output"] = "Required: what the AI decided."
    if confidence is not None and (isinstance(confidence, bool) or not math.isfinite(confidence)):
        errors["confidence"] = "Must be a finite number."
    if not isinstance(subject_groups, dict) or any(
        not isinstance(v, str | int | float | bool) for v in subject_groups.values()
    ):
        errors["subject_groups"] = 'Must be an object of attribute → value, e.g. {"sex": "female"}.'
    if not isinstance(explanation, dict | list):
        errors["explanation"] = "Must be an object of feature contributions or a list of reasons."
    if errors:
        raise ValidationError(errors)


def _existing(actor: Actor, ai_system, key: str) -> ReviewItem | None:
    return ReviewItem.objects.filter(organization=actor.organization, ai_system=ai_system, idempotency_key=key).first()


def _count_not_routed(ai_system) -> None:
    """Add one to the system's not-routed counter (one UPDATE; the row is made on first use)."""
    if SubmissionCounter.objects.filter(ai_system=ai_system).update(not_routed=F("not_routed") + 1):
        return
    try:
        with transaction.atomic():
            SubmissionCounter.objects.create(ai_system=ai_system, not_routed=1)
    except IntegrityError:  # made by a concurrent submission a moment ago
        SubmissionCounter.objects.filter(ai_system=ai_system).update(not_routed=F("not_routed") + 1)


def review_item_submit(
    *,
    actor: Actor,
    ai_system,
    decision_id: str,
    ai_output: str,
    idempotency_key: str = "",
    input_summary=None,
    confidence: float | None = None,
    explanation=None,
    subject_groups: dict | None = None,
    submitted_at: dt.datetime | None = None,
) -> SubmitResult:
    """An AI decision sent for review: queued when an active routing rule matches, else only counted.

    ``idempotency_key`` (default: the decision id) is unique per AI system: a retry returns the first item with
    ``created`` false, also when two submissions race (the unique constraint decides). ``submitted_at`` backdates
    an item (demo data); the API never sends it.
    """
    actor.require(Permission.CREATE)
    _same_org(actor, ai_system, "AI system")
    subject_groups = {} if subject_groups is None else subject_groups
    explanation = {} if explanation is None else explanation
    _check_submission(decision_id, ai_output, confidence, subject_groups, explanation)
    key = (idempotency_key or decision_id).strip()
    if existing := _existing(actor, ai_system, key):
        return SubmitResult(existing, routed=True, created=False)
    submission = Submission(decision_id, ai_output, confidence, subject_groups)
    rules = RoutingRule.objects.filter(organization=actor.organization, ai_system=ai_system, active=True)
    rule = first_matching(rules.order_by("order", "created_at", "id"), submission)
    if rule is None:
        _count_not_routed(ai_system)
        return SubmitResult(None, routed=False, created=False)
    settings = ReviewSettings.objects.filter(ai_system=ai_system).first()
    hours = settings.hours_to_decide if settings else DEFAULT_HOURS_TO_DECIDE
    submitted_at = submitted_at or timezone.now()
    try:
        item = create_record(
            ReviewItem,
            actor=actor,
            ai_system=ai_system,
            decision_id=decision_id,
            idempotency_key=key,
            input_summary=input_summary if input_summary is not None else {},
            ai_output=ai_output,
            confidence=confidence,
            explanation=explanation,
            subject_groups=subject_groups,
            routed_by=rule,
            routed_by_kind=rule.kind,
            blind=is_blind(decision_id, ai_system.pk, settings.blind_share if settings else 0.0),
            submitted_at=submitted_at,
            due_at=submitted_at + dt.timedelta(hours=hours),
        )
    except ValidationError:
        # Lost a race with the same key: the winner's item is the answer. Anything else is the caller's error.
        if existing := _existing(actor, ai_system, key):
            return SubmitResult(existing, routed=True, created=False)
        raise
    return SubmitResult(item, routed=True, created=True)


# --- Decisions -------------------------------------------------------------------------------------------


def _first_reviewer(item: ReviewItem) -> ReviewDecision | None:
    return item.decisions.filter(action=DecisionAction.ESCALATE).order_by("-created_at").first()


def _check_second_reviewer(actor: Actor, item: ReviewItem, action: str) -> None:
    first = _first_reviewer(item)
    if action == DecisionAction.ESCALATE:
        raise ValidationError({"action": ["An escalated item is decided here: approve or override."]})
    if first is None:
        return
    if first.reviewer_id == actor.user.pk:
        raise ValidationError({"reviewer": ["You escalated this item: a second reviewer decides it."]})
    if role_rank(actor.role) <= role_rank(first.reviewer_role):
        above = Role(first.reviewer_role).label.lower() if first.reviewer_role in Role.values else first.reviewer_role
        raise ValidationError(
            {"reviewer": [f"An escalation is decided by a reviewer of higher role than the first ({above})."]}
        )


def _decision_fields(item: ReviewItem, action: str, outcome: str, reason: str) -> tuple[str, str]:
    """The action to record and the item's final outcome (empty when escalated); a field error when incomplete."""
    if action == DecisionAction.ESCALATE:
        if not reason:
            raise ValidationError({"reason": ["Required: say why the item needs a second reviewer."]})
        return action, ""
    if item.blind:
        # The reviewer does not see the AI's output: their outcome is compared with it afterwards.
        errors = {}
        if not outcome:
            errors["outcome"] = ["Required: a blind review gives the outcome the reviewer decides."]
        if not reason:
            errors["reason"] = ["Required: a blind review gives the reason for its outcome."]
        if errors:
            raise ValidationError(errors)
        return (DecisionAction.APPROVE if outcome == item.ai_output else DecisionAction.OVERRIDE), outcome
    if action == DecisionAction.APPROVE:
        if outcome and outcome != item.ai_output:
            raise ValidationError({"outcome": ["Approving keeps the AI's output: override to change it."]})
        return action, item.ai_output
    errors = {}
    if not outcome:
        errors["outcome"] = ["Required: the outcome that replaces the AI's output."]
    elif outcome == item.ai_output:
        errors["outcome"] = ["Same as the AI's output: approve instead."]
    if not reason:
        errors["reason"] = ["Required: say why the AI's output is overridden."]
    if errors:
        raise ValidationError(errors)
    return action, outcome


def review_item_decide(
    *, actor: Actor, item: ReviewItem, action: str, outcome: str | None = None, reason: str = "", at=None
) -> ReviewItem:
    """Approve, override (with an outcome) or escalate an item; needs the review right. Returns the item.

    A reason is required to override or escalate; blind items need the reviewer's own outcome and a reason (the
    action recorded is approve when it equals the AI's output, else override). ``at`` backdates the decision (demo).
    """
    actor.require(Permission.REVIEW)
    _same_org(actor, item, "review item")
    if actor.user is None:
        raise ValidationError({"reviewer": ["A decision is a person's: sign in, or use your own API token."]})
    if action not in DecisionAction.values:
        raise ValidationError({"action": [f"Must be one of {', '.join(DecisionAction.values)}."]})
    outcome = (outcome or "").strip()
    reason = (reason or "").strip()
    with transaction.atomic():
        current = lock_rows(ReviewItem.objects, actor.organization).get(pk=item.pk)
        if current.status == ReviewStatus.DECIDED:
            raise AlreadyDecided(
                {"status": [f"Already decided: {current.final_outcome} (at {current.decided_at:%Y-%m-%d %H:%M})."]}
            )
        level = ReviewLevel.SECOND if current.status == ReviewStatus.ESCALATED else ReviewLevel.FIRST
        if level == ReviewLevel.SECOND:
            _check_second_reviewer(actor, current, action)
        elif current.assigned_to_id and current.assigned_to_id != actor.user.pk:
            raise ValidationError({"assigned_to": [f"Taken by {current.assigned_to}: they decide it, or release it."]})
        recorded, final_outcome = _decision_fields(current, action, outcome, reason)
        create_record(
            ReviewDecision,
            actor=actor,
            permission=Permission.REVIEW,
            item=current,
            reviewer=actor.user,
            reviewer_label=actor.label[:300],
            reviewer_role=actor.role,
            action=recorded,
            outcome=outcome if recorded == DecisionAction.ESCALATE else final_outcome,
            reason=reason,
            level=level,
            blind=current.blind,
        )
        if recorded == DecisionAction.ESCALATE:
            fields = {"status": ReviewStatus.ESCALATED, "assigned_to": None, "escalated": True}
        else:
            decided_at = at or timezone.now()
            fields = {
                "status": ReviewStatus.DECIDED,
                "final_outcome": final_outcome,
                "decided_at": decided_at,
                "decided_by_label": actor.label[:300],
                "seconds_to_decision": max(0, round((decided_at - current.submitted_at).total_seconds())),
            }
        update_record(
            current,
            actor=actor,
            permission=Permission.REVIEW,
            action=TrailAction.TRANSITION,
            context={"decision": recorded, "reason": reason},
            **fields,
        )
        if current.status == ReviewStatus.DECIDED:
            from openaims.oversight.reviews.webhooks import enqueue_delivery

            item_id = str(current.pk)
            transaction.on_commit(lambda: enqueue_delivery(item_id))
    return current


def review_item_claim(*, actor: Actor, item: ReviewItem, release: bool = False) -> ReviewItem:
    """Take an open item (others see it is taken and cannot decide it), or release it (``release``)."""
    actor.require(Permission.REVIEW)
    _same_org(actor, item, "review item")
    if actor.user is None:
        raise ValidationError({"assigned_to": ["Only a person takes an item."]})
    with transaction.atomic():
        current = lock_rows(ReviewItem.objects, actor.organization).get(pk=item.pk)
        if not current.is_open:
            raise AlreadyDecided({"status": ["Already decided."]})
        mine = current.assigned_to_id == actor.user.pk
        if current.assigned_to_id and not mine and not actor.can(Permission.MANAGE_MEMBERS):
            raise ValidationError({"assigned_to": [f"Taken by {current.assigned_to}."]})
        return update_record(
            current, actor=actor, permission=Permission.REVIEW, assigned_to=None if release else actor.user
        )
