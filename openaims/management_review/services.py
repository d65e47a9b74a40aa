"""Every write of the management review (9.3). Keyword-only, one transaction each, trail recorded; locks only through
:mod:`openaims.base.locks` (the organization first).

Life of a review: planned → held (:func:`management_review_hold`: needs a chair and attendees; compiles the inputs
from the records and freezes them, with their SHA-256, in the same transaction) → minutes issued
(:func:`management_review_issue_minutes`, needs the approve right; the review is then read-only). Decisions and
actions are recorded once the review is held and until its minutes are issued; an action's progress (done with a
note, or cancelled) is recorded at any time, and shows in the inputs of the next review.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import (
    create_record,
    delete_record,
    lock_organization,
    next_number,
    organization_member,
    refuse_unsettable,
    update_record,
)
from openaims.management_review.choices import ManagementReviewStatus, ReviewActionStatus, ReviewDecisionCategory
from openaims.management_review.inputs import compile_inputs
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision, inputs_digest

REVIEW_FIELDS = {
    "title",
    "planned_for",
    "interval_months",
    "chair",
    "chair_id",
    "attendees",
    "other_attendees",
    "summary",
}
#: What may still change once a review is held (until its minutes are issued).
HELD_REVIEW_FIELDS = {"title", "chair", "attendees", "other_attendees", "summary"}
DECISION_FIELDS = {"review", "review_id", "category", "text"}
ACTION_FIELDS = {"review", "review_id", "decision", "decision_id", "title", "owner", "owner_id", "due_date"}

PLANNED, HELD, ISSUED = (
    ManagementReviewStatus.PLANNED,
    ManagementReviewStatus.HELD,
    ManagementReviewStatus.MINUTES_ISSUED,
)


def _text(fields: dict, *names: str) -> dict:
    for name in names:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
        elif name in fields and fields[name] is None:
            fields[name] = ""
    return fields


def _locked(review: ManagementReview) -> ManagementReview:
    return lock_rows(ManagementReview.objects, review.organization).get(pk=review.pk)


def _refuse_unless(review: ManagementReview, statuses: tuple, what: str) -> None:
    if review.status not in statuses:
        raise ValidationError({"status": [f"{review.reference} is {review.get_status_display().lower()}: {what}."]})


# --- Reviews --------------------------------------------------------------------------------------------------


def _review_fields(actor: Actor, fields: dict) -> dict:
    fields = _text(dict(fields), "title", "other_attendees", "summary")
    if "chair_id" in fields:
        fields["chair"] = fields.pop("chair_id")
    if "chair" in fields:
        fields["chair"] = organization_member(actor, fields["chair"], "chair")
    if "attendees" in fields:
        if fields["attendees"] is None:
            raise ValidationError({"attendees": ["Must be a list (an empty list for none)."]})
        fields["attendees"] = [organization_member(actor, member, "attendees") for member in fields["attendees"]]
    if "interval_months" in fields and fields["interval_months"] is None:
        raise ValidationError({"interval_months": ["Required: the months until the next review is due."]})
    return fields


def management_review_create(*, actor: Actor, **fields) -> ManagementReview:
    """Plan a review; it gets the organization's next number (MR-0001) and starts planned."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, REVIEW_FIELDS)
    fields = _review_fields(actor, fields)
    with transaction.atomic():
        lock_organization(actor.organization)
        return create_record(
            ManagementReview, actor=actor, number=next_number(ManagementReview, actor.organization), **fields
        )


def management_review_update(*, actor: Actor, management_review: ManagementReview, **fields) -> ManagementReview:
    """Change a planned review; once held, only its title, chair, attendees and summary; never once issued."""
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, REVIEW_FIELDS)
    fields = _review_fields(actor, fields)
    with transaction.atomic():
        current = _locked(management_review)
        _refuse_unless(current, (PLANNED, HELD), "its minutes are issued and it is kept as issued")
        if current.status == HELD:
            fixed = sorted(
                name for name in fields if name not in HELD_REVIEW_FIELDS and getattr(current, name) != fields[name]
            )
            fields = {name: value for name, value in fields.items() if name in HELD_REVIEW_FIELDS}
            if fixed:
                raise ValidationError(
                    {name: [f"{current.reference} is held: this is kept as it was."] for name in fixed}
                )
            if "attendees" in fields and not fields["attendees"]:
                raise ValidationError({"attendees": ["A held review keeps at least one attendee."]})
        return update_record(management_review, actor=actor, **fields)


def management_review_delete(*, actor: Actor, management_review: ManagementReview) -> None:
    """Delete a planned review (held ones are records)."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = _locked(management_review)
        _refuse_unless(current, (PLANNED,), "only a planned review is deleted")
        delete_record(management_review, actor=actor)


def _transition(actor: Actor, review: ManagementReview, reason: str, permission: str, **fields) -> ManagementReview:
    return update_record(
        review, actor=actor, permission=permission, action=TrailAction.TRANSITION, context={"reason": reason}, **fields
    )


def management_review_hold(
    *, actor: Actor, management_review: ManagementReview, held_on: dt.date | None = None
) -> ManagementReview:
    """Record that the review was held (today unless ``held_on``): compile its inputs from the records for the
    period since the previous held review, and freeze them with their SHA-256. Needs a chair and attendees."""
    from openaims.management_review.selectors import latest_held_review, previous_held_review

    actor.require(Permission.CHANGE)
    today = timezone.localdate()
    held_on = held_on or today
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise ValidationError({"held_on": ["Must be a date (YYYY-MM-DD)."]})
    if held_on > today:
        raise ValidationError({"held_on": [f"Must not be in the future (today is {today})."]})
    with transaction.atomic():
        current = _locked(management_review)
        _refuse_unless(current, (PLANNED,), "it was already held")
        errors = {}
        if current.chair_id is None:
            errors["chair"] = ["Required: the member of top management who chairs the review."]
        if not current.attendees.exists():
            errors["attendees"] = ["Required: at least one member who attended the review."]
        if errors:
            raise ValidationError(errors)
        latest = latest_held_review(actor.organization)
        if latest is not None and latest.held_on > held_on:
            raise ValidationError({"held_on": [f"Must not be before {latest.reference}, held on {latest.held_on}."]})
        current.held_on = held_on
        previous = previous_held_review(current)
        inputs = compile_inputs(
            actor.organization, previous.held_on if previous else None, held_on, exclude_review=current
        )
        return _transition(
            actor,
            current,
            "review held: inputs compiled and frozen",
            Permission.CHANGE,
            status=HELD,
            held_on=held_on,
            inputs=inputs,
            inputs_sha256=inputs_digest(inputs),
            inputs_compiled_at=timezone.now(),
        )


def management_review_issue_minutes(*, actor: Actor, management_review: ManagementReview) -> ManagementReview:
    """Issue the minutes of a held review with at least one decision; the review is read-only from then on."""
    actor.require(Permission.APPROVE)
    with transaction.atomic():
        current = _locked(management_review)
        _refuse_unless(current, (HELD,), "only a held review's minutes are issued")
        if not ReviewDecision.objects.filter(review=current).exists():
            raise ValidationError({"decisions": ["Record at least one decision of the review first."]})
        return _transition(
            actor,
            current,
            "minutes issued",
            Permission.APPROVE,
            status=ISSUED,
            minutes_issued_at=timezone.now(),
            issued_by=actor.user,
        )


# --- Decisions ------------------------------------------------------------------------------------------------


def _review_of(actor: Actor, fields: dict) -> ManagementReview:
    if "review_id" in fields:
        fields["review"] = fields.pop("review_id")
    value = fields.get("review")
    pk = getattr(value, "pk", value)
    found = ManagementReview.objects.filter(organization=actor.organization, pk=pk).first() if pk else None
    if found is None:
        raise ValidationError({"review": [f"No management review with id {pk} in this organization."]})
    fields["review"] = found
    return found


def _open_review(review: ManagementReview, what: str) -> ManagementReview:
    current = _locked(review)
    _refuse_unless(current, (HELD,), what)
    return current


def review_decision_create(*, actor: Actor, **fields) -> ReviewDecision:
    """Record a decision of a held review (not once its minutes are issued)."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, DECISION_FIELDS)
    fields = _text(dict(fields), "text")
    review = _review_of(actor, fields)
    if fields.get("category") not in (None, *ReviewDecisionCategory.values):
        raise ValidationError({"category": [f"Must be one of {', '.join(ReviewDecisionCategory.values)}."]})
    with transaction.atomic():
        fields["review"] = _open_review(review, "decisions are recorded on a held review until its minutes are issued")
        return create_record(ReviewDecision, actor=actor, **fields)


def review_decision_update(*, actor: Actor, review_decision: ReviewDecision, **fields) -> ReviewDecision:
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, DECISION_FIELDS - {"review", "review_id"})
    fields = _text(dict(fields), "text")
    with transaction.atomic():
        _open_review(review_decision.review, "its decisions are kept as issued")
        return update_record(review_decision, actor=actor, **fields)


def review_decision_delete(*, actor: Actor, review_decision: ReviewDecision) -> None:
    actor.require(Permission.DELETE)
    with transaction.atomic():
        _open_review(review_decision.review, "its decisions are kept as issued")
        delete_record(review_decision, actor=actor)


# --- Actions --------------------------------------------------------------------------------------------------


def _action_fields(actor: Actor, fields: dict, review: ManagementReview | None) -> dict:
    fields = _text(dict(fields), "title")
    if "owner_id" in fields:
        fields["owner"] = fields.pop("owner_id")
    if "owner" in fields:
        fields["owner"] = organization_member(actor, fields["owner"], "owner")
        if fields["owner"] is None:
            raise ValidationError({"owner": ["Required: the member who carries the action."]})
    if "decision_id" in fields:
        fields["decision"] = fields.pop("decision_id")
    if fields.get("decision") not in (None, ""):
        pk = getattr(fields["decision"], "pk", fields["decision"])
        found = ReviewDecision.objects.filter(organization=actor.organization, pk=pk).first()
        if found is None or (review is not None and found.review_id != review.pk):
            raise ValidationError({"decision": [f"No decision with id {pk} in this review."]})
        fields["decision"] = found
    elif "decision" in fields:
        fields["decision"] = None
    if "due_date" in fields and fields["due_date"] is None:
        raise ValidationError({"due_date": ["Required: when the action is due."]})
    return fields


def review_action_create(*, actor: Actor, **fields) -> ReviewAction:
    """Give an action of a held review an owner and a due date (not before the review)."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, ACTION_FIELDS)
    fields = dict(fields)
    review = _review_of(actor, fields)
    fields = _action_fields(actor, fields, review)
    errors = {}
    if fields.get("owner") is None:
        errors["owner"] = ["Required: the member who carries the action."]
    if fields.get("due_date") is None:
        errors["due_date"] = ["Required: when the action is due."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fields["review"] = _open_review(review, "actions are given on a held review until its minutes are issued")
        return create_record(ReviewAction, actor=actor, **fields)


def review_action_update(*, actor: Actor, review_action: ReviewAction, **fields) -> ReviewAction:
    """Change an open action of a review whose minutes are not issued yet."""
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, ACTION_FIELDS - {"review", "review_id"})
    fields = _action_fields(actor, fields, review_action.review)
    with transaction.atomic():
        _open_review(review_action.review, "its actions are kept as issued (record their progress: done, cancelled)")
        current = lock_rows(ReviewAction.objects, actor.organization).get(pk=review_action.pk)
        if current.status != ReviewActionStatus.OPEN:
            raise ValidationError({"status": [f"The action is {current.get_status_display().lower()}: it is kept."]})
        return update_record(review_action, actor=actor, **fields)


def review_action_delete(*, actor: Actor, review_action: ReviewAction) -> None:
    actor.require(Permission.DELETE)
    with transaction.atomic():
        _open_review(review_action.review, "its actions are kept as issued")
        delete_record(review_action, actor=actor)


def _finish_action(actor: Actor, review_action: ReviewAction, status: str, note: str, closed_on) -> ReviewAction:
    actor.require(Permission.CHANGE)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": ["Required: what was done, or why the action is cancelled."]})
    if len(note) > 20000:
        raise ValidationError({"note": ["At most 20000 characters."]})
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": ["Must not be in the future."]})
    with transaction.atomic():
        current = lock_rows(ReviewAction.objects, actor.organization).select_related("review").get(pk=review_action.pk)
        if current.status != ReviewActionStatus.OPEN:
            raise ValidationError({"status": [f"The action is {current.get_status_display().lower()} already."]})
        if not current.review.is_held:
            raise ValidationError({"status": [f"{current.review.reference} is not held yet."]})
        return update_record(
            current,
            actor=actor,
            action=TrailAction.TRANSITION,
            context={"reason": f"action {status}"},
            status=status,
            closed_on=closed_on,
            closing_note=note,
        )


def review_action_close(
    *, actor: Actor, review_action: ReviewAction, note: str, closed_on: dt.date | None = None
) -> ReviewAction:
    """Record an open action done (today unless ``closed_on``), with a note of what was done."""
    return _finish_action(actor, review_action, ReviewActionStatus.DONE, note, closed_on)


def review_action_cancel(*, actor: Actor, review_action: ReviewAction, note: str) -> ReviewAction:
    """Cancel an open action, with a note of why."""
    return _finish_action(actor, review_action, ReviewActionStatus.CANCELLED, note, None)
