"""Every write of the transparency app. Keyword-only, one transaction each, trail recorded.

Card settings need the change right; what the trust page publishes needs the approve right (manager and up), since
it makes records public. Reporting records move their obligation's next due date in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.accounts.models import Membership
from openaims.base.context import Actor
from openaims.base.errors import NotFound
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.inventory.models import AISystem
from openaims.oversight.transparency.choices import CARD_SECTIONS
from openaims.oversight.transparency.models import (
    CardSettings,
    PublicationSettings,
    ReportingObligation,
    ReportingRecord,
    next_due_date,
    sections_problem,
)

CARD_SETTINGS_FIELDS = {"limitations", "foreseeable_misuse", "contact"}
OBLIGATION_FIELDS = {
    "ai_system",
    "ai_system_id",
    "title",
    "description",
    "interested_party",
    "interested_party_id",
    "recipient",
    "frequency",
    "first_due_date",
    "owner",
    "owner_id",
}
RECORD_FIELDS = {"obligation", "obligation_id", "sent_on", "summary", "evidence", "evidence_id"}


def _check_fields(fields: dict, allowed: set[str]) -> None:
    errors = {name.removesuffix("_id"): ["This field is set by OpenAIMS, not here."] for name in set(fields) - allowed}
    if errors:
        raise ValidationError(errors)


def _strip(fields: dict, names) -> dict:
    return {k: (v.strip() if k in names and isinstance(v, str) else v) for k, v in fields.items()}


def _same_org(ai_system: AISystem, actor: Actor) -> None:
    if ai_system.organization_id != actor.organization.pk:
        raise NotFound("No such AI system.")


# --- Card settings -------------------------------------------------------------------------------------------


def card_settings_update(*, actor: Actor, ai_system: AISystem, **fields) -> CardSettings:
    """Set what the card of ``ai_system`` says beyond the inventory (created on first use)."""
    actor.require(Permission.CHANGE)
    _same_org(ai_system, actor)
    _check_fields(fields, CARD_SETTINGS_FIELDS)
    fields = _strip(fields, CARD_SETTINGS_FIELDS)
    with transaction.atomic():
        current = lock_rows(CardSettings.objects, actor.organization).filter(ai_system=ai_system).first()
        if current is None:
            return create_record(CardSettings, actor=actor, permission=Permission.CHANGE, ai_system=ai_system, **fields)
        return update_record(current, actor=actor, **fields)


# --- Publication on the trust page ---------------------------------------------------------------------------


def publication_update(
    *, actor: Actor, ai_system: AISystem, published: bool | None = None, public_sections: list[str] | None = None
) -> PublicationSettings:
    """Publish or withdraw ``ai_system`` on the trust page and choose its public sections (approve right)."""
    actor.require(Permission.APPROVE)
    _same_org(ai_system, actor)
    if public_sections is not None:
        if problem := sections_problem(public_sections):
            raise ValidationError({"public_sections": [problem]})
        public_sections = [s for s in CARD_SECTIONS if s in public_sections]  # the card's order
    with transaction.atomic():
        current = lock_rows(PublicationSettings.objects, actor.organization).filter(ai_system=ai_system).first()
        fields: dict = {}
        if public_sections is not None:
            fields["public_sections"] = public_sections
        if published is not None:
            fields["published"] = published
            was_published = current.published if current else False
            if published and not was_published:
                fields["published_at"] = timezone.now()
            elif not published:
                fields["published_at"] = None
        if current is None:
            return create_record(
                PublicationSettings, actor=actor, permission=Permission.APPROVE, ai_system=ai_system, **fields
            )
        action = TrailAction.TRANSITION if "published" in fields and fields["published"] != current.published else None
        return update_record(
            current, actor=actor, permission=Permission.APPROVE, action=action or TrailAction.UPDATE, **fields
        )


def publication_publish(*, actor: Actor, ai_system: AISystem, public_sections: list[str]) -> PublicationSettings:
    """Show ``ai_system`` on the trust page with ``public_sections`` (its name and card date always show)."""
    return publication_update(actor=actor, ai_system=ai_system, published=True, public_sections=public_sections)


def publication_unpublish(*, actor: Actor, ai_system: AISystem) -> PublicationSettings:
    """Take ``ai_system`` off the trust page (its section choice is kept for next time)."""
    return publication_update(actor=actor, ai_system=ai_system, published=False)


# --- Reporting obligations (A.8.5) ---------------------------------------------------------------------------


def _check_owner(actor: Actor, fields: dict) -> None:
    for name in ("owner", "owner_id"):
        value = fields.get(name)
        if value is None:
            continue
        pk = str(getattr(value, "pk", value))
        if not Membership.objects.filter(organization=actor.organization, user_id=pk).exists():
            raise ValidationError({"owner": [f"No member with id {pk} in this organization."]})


def _refresh_due(actor: Actor, obligation: ReportingObligation) -> ReportingObligation:
    """Recompute the next due date from the first due date, the frequency and the records sent."""
    sent = ReportingRecord.objects.filter(obligation=obligation).count()
    due = next_due_date(obligation.frequency, obligation.first_due_date, sent)
    if due == obligation.next_due_date:
        return obligation
    return update_record(
        obligation, actor=actor, permission=Permission.VIEW, action=TrailAction.TRANSITION, next_due_date=due
    )


def reporting_obligation_create(*, actor: Actor, **fields) -> ReportingObligation:
    """Record what an interested party is to receive about an AI system, and when."""
    actor.require(Permission.CREATE)
    _check_fields(fields, OBLIGATION_FIELDS)
    fields = _strip(fields, {"title", "description", "recipient"})
    _check_owner(actor, fields)
    with transaction.atomic():
        sent = 0
        due = next_due_date(fields.get("frequency", "yearly"), fields.get("first_due_date"), sent)
        return create_record(ReportingObligation, actor=actor, next_due_date=due, **fields)


def reporting_obligation_update(*, actor: Actor, reporting_obligation: ReportingObligation, **fields):
    """Change an obligation; its next due date follows a new frequency or first due date."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, OBLIGATION_FIELDS)
    fields = _strip(fields, {"title", "description", "recipient"})
    _check_owner(actor, fields)
    with transaction.atomic():
        current = lock_rows(ReportingObligation.objects, actor.organization).get(pk=reporting_obligation.pk)
        sent = ReportingRecord.objects.filter(obligation=current).count()
        frequency = fields.get("frequency", current.frequency)
        first_due_date = fields.get("first_due_date", current.first_due_date)
        # One event: the new next due date is recorded with the change that moved it.
        due = next_due_date(frequency, first_due_date, sent)
        return update_record(reporting_obligation, actor=actor, next_due_date=due, **fields)


def reporting_obligation_delete(*, actor: Actor, reporting_obligation: ReportingObligation) -> None:
    """Delete an obligation and its records (each deletion in the trail)."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        for record in ReportingRecord.objects.filter(obligation=reporting_obligation):
            delete_record(record, actor=actor)
        delete_record(reporting_obligation, actor=actor)


def reporting_record_create(*, actor: Actor, **fields) -> ReportingRecord:
    """Record that the information was sent: the obligation's next due date moves on by one occurrence."""
    actor.require(Permission.CREATE)
    _check_fields(fields, RECORD_FIELDS)
    fields = _strip(fields, {"summary"})
    if fields.get("sent_on", "") is None:
        fields.pop("sent_on")
    with transaction.atomic():
        record = create_record(ReportingRecord, actor=actor, **fields)
        obligation = lock_rows(ReportingObligation.objects, actor.organization).get(pk=record.obligation_id)
        _refresh_due(actor, obligation)
        return record


def reporting_record_update(*, actor: Actor, reporting_record: ReportingRecord, **fields) -> ReportingRecord:
    """Correct a record (its obligation stays: delete it and record again to move it)."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, RECORD_FIELDS - {"obligation", "obligation_id"})
    fields = _strip(fields, {"summary"})
    if "sent_on" in fields and fields["sent_on"] is None:
        del fields["sent_on"]
    return update_record(reporting_record, actor=actor, **fields)


def reporting_record_delete(*, actor: Actor, reporting_record: ReportingRecord) -> None:
    """Delete a record sent by mistake: its obligation is due again as before."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        obligation = lock_rows(ReportingObligation.objects, actor.organization).get(pk=reporting_record.obligation_id)
        delete_record(reporting_record, actor=actor)
        _refresh_due(actor, obligation)
