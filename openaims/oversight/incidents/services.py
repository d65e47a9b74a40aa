"""Every write of incidents, their timeline and notification duties, and of concerns. Keyword-only, one transaction
each, trail recorded.

Notification duties of a computed rule (:mod:`openaims.oversight.incidents.deadlines`) follow the incident: creating
it, or changing its AI system, seriousness, categories, data breach flag or the time it became known, creates,
moves or removes them while they are unsent. A sent notification is a record and never changes its deadline or
disappears. An incident is closed only when every duty has been sent.

Concerns arrive through the public form (:func:`concern_report`, no member, no identity stored) and are triaged by
the organization's chosen role (:class:`ConcernSettings`), owners and admins always included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import Organization
from openaims.audits.choices import NonconformitySource, Severity
from openaims.audits.models import Nonconformity
from openaims.audits.services import nonconformity_create
from openaims.base.context import Actor, system_actor
from openaims.base.errors import PermissionDenied
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, lock_organization, next_number, update_record
from openaims.inventory.selectors import current_classification
from openaims.oversight.incidents.choices import (
    COMPUTED_RULES,
    ConcernStatus,
    DutyRule,
    IncidentSeverity,
    IncidentStatus,
)
from openaims.oversight.incidents.deadlines import notification_deadlines
from openaims.oversight.incidents.models import (
    Concern,
    ConcernReply,
    ConcernSettings,
    Incident,
    IncidentTimelineEntry,
    NotificationDuty,
)

#: The trail's actor for a concern sent through the public form: nobody is identified.
PUBLIC_FORM_LABEL = "public concern form"
#: Roles an organization may choose to triage concerns (read-only roles cannot answer or link anything).
TRIAGE_ROLE_CHOICES = (Role.MANAGER, Role.CONTRIBUTOR, Role.REVIEWER, Role.ADMIN, Role.OWNER)
MAX_CONCERN_LENGTH = 5000
MAX_CONTACT_LENGTH = 300

INCIDENT_FIELDS = {
    "title",
    "ai_system",
    "ai_system_id",
    "severity",
    "description",
    "serious_categories",
    "involves_death",
    "widespread_infringement",
    "personal_data_breach",
    "affected_count",
    "affected_description",
    "occurred_at",
    "detected_at",
    "status",
    "containment",
    "nonconformities",
}
#: Facts the computed notification duties depend on.
DUTY_FACTS = {
    "ai_system",
    "ai_system_id",
    "serious_categories",
    "involves_death",
    "widespread_infringement",
    "personal_data_breach",
    "detected_at",
}
DUTY_FIELDS = {"incident", "incident_id", "recipient", "legal_basis", "deadline", "reference", "notes", "evidence"}
#: What a computed rule decides on its duty; a person changes the rest.
RULE_DECIDES = {"legal_basis", "deadline"}
#: What may still change on a duty once it was sent.
AFTER_SENDING = {"reference", "notes", "evidence"}
CONCERN_TRIAGE_FIELDS = {"status", "triage_note", "incident", "incident_id", "nonconformity", "nonconformity_id"}


def _check_fields(fields: dict, allowed: set[str]) -> None:
    errors = {name.removesuffix("_id"): ["This field is set by OpenAIMS, not here."] for name in set(fields) - allowed}
    if errors:
        raise ValidationError(errors)


def _strip(fields: dict, *names: str) -> dict:
    fields = dict(fields)
    for name in names:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


def _not_in_future(name: str, value) -> None:
    if isinstance(value, dt.datetime) and value > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({name: ["Must not be in the future."]})


# --- Incidents ------------------------------------------------------------------------------------------------


def _note(actor: Actor, incident: Incident, what: str, permission: str = Permission.CREATE) -> IncidentTimelineEntry:
    """A timeline entry OpenAIMS writes for a step taken through a service."""
    return create_record(
        IncidentTimelineEntry,
        actor=actor,
        permission=permission,
        incident=incident,
        what=what,
        at=timezone.now(),
        by=actor.label[:300],
        by_user=actor.user,
    )


def _normalize_incident(fields: dict) -> dict:
    fields = _strip(fields, "title", "description", "containment", "affected_description")
    if "serious_categories" in fields and fields["serious_categories"] is None:
        fields["serious_categories"] = []
    if isinstance(fields.get("serious_categories"), list | tuple):
        fields["serious_categories"] = [str(c).strip().lower() for c in fields["serious_categories"]]
    return fields


def _refuse_closing_with_unsent(incident: Incident) -> None:
    if incident.status != IncidentStatus.CLOSED:
        return
    unsent = NotificationDuty.objects.filter(incident=incident, sent_at__isnull=True).order_by("deadline")
    if unsent.exists():
        names = "; ".join(str(d) for d in unsent[:3])
        raise ValidationError({"status": [f"Not closed: notification duties still unsent ({names}). Send them first."]})


def incident_create(*, actor: Actor, **fields) -> Incident:
    """Record an incident: the organization's next number, a first timeline entry, and its notification duties."""
    actor.require(Permission.CREATE)
    _check_fields(fields, INCIDENT_FIELDS)
    fields = _normalize_incident(fields)
    with transaction.atomic():
        lock_organization(actor.organization)
        number = next_number(Incident, actor.organization)
        incident = create_record(Incident, actor=actor, number=number, **fields)
        seriousness = "serious incident" if incident.serious else "not a serious incident"
        _note(actor, incident, f"Recorded: {incident.get_severity_display().lower()} severity, {seriousness}.")
        incident_sync_duties(actor=actor, incident=incident)
        _refuse_closing_with_unsent(incident)
        return incident


def incident_update(*, actor: Actor, incident: Incident, **fields) -> Incident:
    """Change an incident; a status change is a transition with a timeline entry, and a change of the facts the
    deadlines depend on recomputes the unsent notification duties. Closing needs every duty sent."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, INCIDENT_FIELDS)
    fields = _normalize_incident(fields)
    try:
        with transaction.atomic():
            current = lock_rows(Incident.objects, actor.organization).get(pk=incident.pk)
            old_status = current.status
            moving = "status" in fields and fields["status"] != old_status
            updated = update_record(
                incident, actor=actor, action=TrailAction.TRANSITION if moving else TrailAction.UPDATE, **fields
            )
            if moving:
                labels = dict(IncidentStatus.choices)
                _note(actor, updated, f"Status: {labels[old_status]} → {updated.get_status_display()}.")
            if DUTY_FACTS & set(fields):
                incident_sync_duties(actor=actor, incident=updated)
            _refuse_closing_with_unsent(updated)
            return updated
    except ValidationError:
        incident.refresh_from_db()
        raise


def incident_delete(*, actor: Actor, incident: Incident) -> None:
    """Delete an incident recorded by mistake, with its timeline and duties. One with a sent notification stays."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = lock_rows(Incident.objects, actor.organization).get(pk=incident.pk)
        if NotificationDuty.objects.filter(incident=current, sent_at__isnull=False).exists():
            raise ValidationError(
                {"__all__": [f"{current.reference} was notified to an authority: it is kept as a record."]}
            )
        for duty in NotificationDuty.objects.filter(incident=current):
            delete_record(duty, actor=actor)
        for entry in IncidentTimelineEntry.objects.filter(incident=current):
            delete_record(entry, actor=actor)
        delete_record(current, actor=actor)


def incidents_sync_on_classification(*, actor: Actor, classification) -> int:
    """Listener of the inventory's ``on_classified``: the AI system's incidents not yet closed get their duties
    recomputed from the new tier, in the classification's transaction. Returns how many incidents were synced."""
    incidents = Incident.objects.filter(
        organization=classification.organization, ai_system=classification.ai_system
    ).exclude(status=IncidentStatus.CLOSED)
    synced = 0
    for incident in incidents:
        incident_sync_duties(actor=actor, incident=incident)
        synced += 1
    return synced


def incident_sync_duties(*, actor: Actor, incident: Incident) -> list[NotificationDuty]:
    """Create, move or remove the unsent duties of computed rules so they match the incident's facts and its AI
    system's latest EU AI Act classification (e.g. after the system was classified again). Sent ones stay."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        incident = (
            lock_rows(Incident.objects, actor.organization, of=("self",))
            .select_related("ai_system")
            .get(pk=incident.pk)
        )
        classification = current_classification(incident.ai_system) if incident.ai_system_id else None
        wanted = {duty.rule: duty for duty in notification_deadlines(incident, classification)}
        existing = {
            duty.rule: duty
            for duty in lock_rows(NotificationDuty.objects, actor.organization).filter(
                incident=incident, rule__in=COMPUTED_RULES
            )
        }
        for rule, duty in existing.items():
            if duty.sent_at is not None:
                continue  # a sent notification is a record of what was done
            if rule not in wanted:
                label = str(duty)
                delete_record(duty, actor=actor, permission=Permission.CHANGE)
                _note(actor, incident, f"Notification duty no longer applies: {label} ({duty.get_rule_display()}).")
                continue
            target = wanted[rule]
            if (duty.deadline, duty.legal_basis) != (target.deadline, target.legal_basis):
                update_record(
                    duty,
                    actor=actor,
                    context={"reason": target.reason},
                    deadline=target.deadline,
                    legal_basis=target.legal_basis,
                    notes=target.reason,
                )
                _note(actor, incident, f"Notification deadline moved: {duty} ({target.legal_basis}).")
        for rule, target in wanted.items():
            if rule in existing:
                continue
            duty = create_record(
                NotificationDuty,
                actor=actor,
                permission=Permission.CHANGE,
                incident=incident,
                rule=rule,
                recipient=target.recipient,
                legal_basis=target.legal_basis,
                deadline=target.deadline,
                notes=target.reason,
            )
            _note(actor, incident, f"Notification duty: {duty} ({target.legal_basis}).")
        return list(NotificationDuty.objects.filter(incident=incident).order_by("deadline"))


def incident_open_nonconformity(*, actor: Actor, incident: Incident, title: str = "") -> Nonconformity:
    """Open a nonconformity (source: incident) for what the incident shows is not fulfilled, and link it."""
    actor.require(Permission.CREATE)
    with transaction.atomic():
        current = lock_rows(Incident.objects, actor.organization).get(pk=incident.pk)
        major = current.serious or current.severity in (IncidentSeverity.HIGH, IncidentSeverity.CRITICAL)
        nc = nonconformity_create(
            actor=actor,
            title=(title or "").strip()[:200] or f"{current.reference}: {current.title}"[:200],
            description=f"Found through incident {current.reference}.\n\n{current.description}",
            source=NonconformitySource.INCIDENT,
            severity=Severity.MAJOR if major else Severity.MINOR,
            ai_system=current.ai_system,
        )
        linked = [str(pk) for pk in current.nonconformities.values_list("pk", flat=True)]
        update_record(current, actor=actor, permission=Permission.CREATE, nonconformities=[*linked, str(nc.pk)])
        _note(actor, current, f"Nonconformity {nc.reference} opened for the corrective action.")
        incident.refresh_from_db()
        return nc


def incident_timeline_entry_create(*, actor: Actor, incident, what: str, at=None) -> IncidentTimelineEntry:
    """Append a step to an incident's timeline (entries are never changed or deleted on their own)."""
    actor.require(Permission.CREATE)
    what = (what or "").strip()
    if not what:
        raise ValidationError({"what": ["Required: what happened or was done."]})
    _not_in_future("at", at)
    pk = getattr(incident, "pk", incident)
    found = Incident.objects.filter(organization=actor.organization, pk=pk).first()
    if found is None:
        raise ValidationError({"incident": [f"No incident with id {pk} in this organization."]})
    return create_record(
        IncidentTimelineEntry,
        actor=actor,
        incident=found,
        what=what,
        at=at or timezone.now(),
        by=actor.label[:300],
        by_user=actor.user,
    )


# --- Notification duties --------------------------------------------------------------------------------------


def _incident_of(actor: Actor, fields: dict) -> Incident:
    value = fields.pop("incident", None) or fields.pop("incident_id", None)
    if value is None:
        raise ValidationError({"incident": ["Required: the incident that requires this notification."]})
    pk = getattr(value, "pk", value)
    found = Incident.objects.filter(organization=actor.organization, pk=pk).first()
    if found is None:
        raise ValidationError({"incident": [f"No incident with id {pk} in this organization."]})
    return found


def notification_duty_create(*, actor: Actor, **fields) -> NotificationDuty:
    """Add a notification duty a person knows of (rule ``manual``), e.g. to a customer or an insurer."""
    actor.require(Permission.CREATE)
    _check_fields(fields, DUTY_FIELDS)
    fields = _strip(fields, "recipient", "legal_basis", "reference", "notes")
    with transaction.atomic():
        incident = _incident_of(actor, fields)
        duty = create_record(NotificationDuty, actor=actor, incident=incident, rule=DutyRule.MANUAL, **fields)
        _note(actor, incident, f"Notification duty added: {duty}.")
        return duty


def notification_duty_update(*, actor: Actor, notification_duty: NotificationDuty, **fields) -> NotificationDuty:
    """Change a duty. A computed rule decides its deadline and legal basis; once sent only the reference, notes
    and evidence change."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, DUTY_FIELDS - {"incident", "incident_id"})
    fields = _strip(fields, "recipient", "legal_basis", "reference", "notes")
    with transaction.atomic():
        current = lock_rows(NotificationDuty.objects, actor.organization).get(pk=notification_duty.pk)
        changing = {k for k, v in fields.items() if k != "evidence" and getattr(current, k) != v}
        if current.computed and (decided := changing & RULE_DECIDES):
            raise ValidationError(
                {
                    name: [f"Set by {current.get_rule_display()}: change the incident's facts instead."]
                    for name in decided
                }
            )
        if current.sent_at is not None and (frozen := changing - AFTER_SENDING):
            raise ValidationError({name: ["The notification was sent: this is kept as it was."] for name in frozen})
        return update_record(notification_duty, actor=actor, **fields)


def notification_duty_mark_sent(
    *, actor: Actor, notification_duty: NotificationDuty, sent_at=None, reference: str = "", evidence=None
) -> NotificationDuty:
    """Record that the notification was sent: when (default now), the reference, and evidence of sending."""
    actor.require(Permission.CHANGE)
    sent_at = sent_at or timezone.now()
    _not_in_future("sent_at", sent_at)
    with transaction.atomic():
        current = (
            lock_rows(NotificationDuty.objects, actor.organization)
            .select_related("incident")
            .get(pk=notification_duty.pk)
        )
        if current.sent_at is not None:
            raise ValidationError(
                {"sent_at": [f"Already sent on {timezone.localtime(current.sent_at):%Y-%m-%d %H:%M}."]}
            )
        if sent_at < current.incident.detected_at:
            raise ValidationError({"sent_at": ["Must not be before the organization became aware of the incident."]})
        fields: dict = {"sent_at": sent_at}
        if (reference or "").strip():
            fields["reference"] = reference.strip()
        if evidence is not None:
            existing = [str(pk) for pk in current.evidence.values_list("pk", flat=True)]
            fields["evidence"] = list(dict.fromkeys([*existing, *(str(getattr(e, "pk", e)) for e in evidence)]))
        duty = update_record(notification_duty, actor=actor, action=TrailAction.TRANSITION, **fields)
        late = " (after the deadline)" if duty.sent_late else ""
        ref = f", reference {duty.reference}" if duty.reference else ""
        _note(actor, current.incident, f"Notified {duty.recipient}{ref}{late}.", permission=Permission.CHANGE)
        return duty


def notification_duty_delete(*, actor: Actor, notification_duty: NotificationDuty) -> None:
    """Delete a duty a person added and has not sent. Computed duties go only when the incident's facts change."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = (
            lock_rows(NotificationDuty.objects, actor.organization)
            .select_related("incident")
            .get(pk=notification_duty.pk)
        )
        if current.computed:
            raise ValidationError(
                {
                    "rule": [
                        f"Required by {current.get_rule_display()}: change the incident's facts if it does not apply."
                    ]
                }
            )
        if current.sent_at is not None:
            raise ValidationError({"sent_at": ["The notification was sent: it is kept as a record."]})
        label = str(current)
        delete_record(current, actor=actor)
        _note(actor, current.incident, f"Notification duty removed: {label}.", permission=Permission.DELETE)


# --- Concerns -------------------------------------------------------------------------------------------------


def follow_up_hash(code: str) -> str:
    """SHA-256 of a follow-up code: the only form in which the code is stored."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def triage_role_of(organization: Organization) -> str:
    found = ConcernSettings.objects.filter(organization=organization).first()
    return found.triage_role if found else Role.MANAGER


def can_triage(actor: Actor) -> bool:
    """Whether ``actor`` may read and triage concerns: the organization's triage role, owners and admins."""
    return actor.role in (Role.OWNER, Role.ADMIN) or actor.role == triage_role_of(actor.organization)


def require_triage(actor: Actor) -> None:
    if not can_triage(actor):
        role = Role(triage_role_of(actor.organization)).label
        raise PermissionDenied(f"Only the role that triages concerns ({role}), admins and owners may do this.")


def concern_report(*, organization: Organization, description: str, ai_system=None, contact: str = "") -> tuple:
    """Record a concern from the public form. Returns ``(concern, follow_up_code)``; the code is shown once.

    Nothing identifies the reporter unless they give a contact: the trail's actor is :data:`PUBLIC_FORM_LABEL`.
    ``ai_system`` (a record or id) must be one the public form offers (published on the trust page, in scope, not
    retired: :func:`~openaims.oversight.incidents.selectors.reportable_systems`); None means other or unknown.
    """
    from openaims.oversight.incidents.selectors import reportable_systems

    description = (description or "").strip()
    contact = (contact or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = ["Required: describe your concern."]
    elif len(description) > MAX_CONCERN_LENGTH:
        errors["description"] = [f"At most {MAX_CONCERN_LENGTH} characters."]
    if len(contact) > MAX_CONTACT_LENGTH:
        errors["contact"] = [f"At most {MAX_CONTACT_LENGTH} characters."]
    system = None
    if ai_system not in (None, ""):
        pk = getattr(ai_system, "pk", ai_system)
        system = reportable_systems(organization).filter(pk=pk).first()
        if system is None:
            errors["ai_system"] = ["Choose one of the listed AI systems, or “another system / not sure”."]
    if errors:
        raise ValidationError(errors)
    code = secrets.token_urlsafe(18)
    actor = system_actor(organization, label=PUBLIC_FORM_LABEL, role=Role.CONTRIBUTOR)
    with transaction.atomic():
        lock_organization(organization)
        concern = create_record(
            Concern,
            actor=actor,
            number=next_number(Concern, organization),
            ai_system=system,
            description=description,
            contact=contact,
            follow_up_hash=follow_up_hash(code),
        )
    return concern, code


def concern_triage(*, actor: Actor, concern: Concern, **fields) -> Concern:
    """Triage a concern: its status, an internal note, a link to an incident or a nonconformity."""
    require_triage(actor)
    _check_fields(fields, CONCERN_TRIAGE_FIELDS)
    fields = _strip(fields, "triage_note")
    moving = "status" in fields and fields["status"] != concern.status
    # The triage role may be read-only elsewhere (a reviewer): the check above is the permission.
    return update_record(
        concern,
        actor=actor,
        permission=Permission.VIEW,
        action=TrailAction.TRANSITION if moving else TrailAction.UPDATE,
        **fields,
    )


def concern_reply_create(*, actor: Actor, concern: Concern, text: str) -> ConcernReply:
    """Answer the reporter (shown on the follow-up page). A first answer moves a received concern under review."""
    require_triage(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Required: the reply to the reporter."]})
    with transaction.atomic():
        current = lock_rows(Concern.objects, actor.organization).get(pk=concern.pk)
        reply = create_record(
            ConcernReply, actor=actor, permission=Permission.VIEW, concern=current, text=text, by=actor.label[:300]
        )
        if current.status == ConcernStatus.RECEIVED:
            update_record(
                current,
                actor=actor,
                permission=Permission.VIEW,
                action=TrailAction.TRANSITION,
                context={"reason": "answered the reporter"},
                status=ConcernStatus.UNDER_REVIEW,
            )
        concern.refresh_from_db()
        return reply


def concern_settings_update(*, actor: Actor, triage_role: str) -> ConcernSettings:
    """Choose the role that triages concerns (members who manage members choose)."""
    actor.require(Permission.MANAGE_MEMBERS)
    if triage_role not in TRIAGE_ROLE_CHOICES:
        allowed = ", ".join(TRIAGE_ROLE_CHOICES)
        raise ValidationError({"triage_role": [f"Choose a role that may write: {allowed}."]})
    with transaction.atomic():
        found = lock_rows(ConcernSettings.objects, actor.organization).filter(organization=actor.organization).first()
        if found is None:
            return create_record(
                ConcernSettings, actor=actor, permission=Permission.MANAGE_MEMBERS, triage_role=triage_role
            )
        return update_record(found, actor=actor, permission=Permission.MANAGE_MEMBERS, triage_role=triage_role)
