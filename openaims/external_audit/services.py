"""Every write of the external audit: guest auditor invitations, their accesses, and evidence requests.

Keyword-only, one transaction each, trail recorded; locks only through :mod:`openaims.base.locks`.

Invitations: :func:`guest_invitation_create` (manage members) gives a link shown once; :func:`guest_invitation_accept`
(the public page) makes a guest auditor membership with the invitation's expiry and scope;
:func:`guest_invitation_revoke` ends it at once. Every request a guest makes is one ``access`` event
(:func:`guest_access_record`).

Evidence requests: the auditor (request right) asks; the owner (change right) answers with evidence items; the
auditor accepts or reopens; either side comments. Life: open → answered → accepted, or → reopened → answered …;
withdrawn ends an unaccepted request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone

from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import Membership, User
from openaims.base.context import Actor, system_actor
from openaims.base.locks import lock_organization, lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, next_number, refuse_unsettable, update_record
from openaims.base.trail import record_event
from openaims.external_audit.choices import AWAITING_ANSWER, FINAL, EvidenceRequestStatus, InvitationStatus
from openaims.external_audit.models import EvidenceRequest, EvidenceRequestComment, GuestInvitation

logger = logging.getLogger(__name__)

INVITATION_TOKEN_PREFIX = "aimsg_"
#: The longest a guest auditor invitation may run.
MAX_INVITATION_DAYS = 180
ACCESS_OBJECT_TYPE = "external_audit.guestaccess"
REQUEST_FIELDS = {
    "title",
    "description",
    "clause_id",
    "control_id",
    "ai_system",
    "ai_system_id",
    "internal_audit",
    "internal_audit_id",
    "owner",
    "owner_id",
    "due_date",
}


def hash_invitation_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- Accesses -------------------------------------------------------------------------------------------------


def guest_access_record(*, actor: Actor, method: str, path: str, status: int) -> None:
    """One ``access`` trail event for a guest auditor's request: who, the method, the path and the answer status.

    Bookkeeping of a read: a database that cannot take the event is logged, never a reason to fail the answer.
    """
    path = path[:250]
    try:
        with transaction.atomic():
            record_event(
                actor=actor,
                action=TrailAction.ACCESS,
                object_type=ACCESS_OBJECT_TYPE,
                object_id=actor.user.pk.hex if actor.user is not None else "",
                object_label=f"{method} {path}",
                changes={"method": [None, method], "path": [None, path], "status": [None, status]},
            )
    except DatabaseError:
        logger.exception("guest access of %s to %s %s not recorded", actor.label, method, path)


# --- Invitations ----------------------------------------------------------------------------------------------


def _check_frameworks(frameworks, field: str = "scope_frameworks") -> list[str]:
    from openaims.catalog import builtin_frameworks

    if frameworks is None:
        return []
    if not isinstance(frameworks, list | tuple) or any(not isinstance(f, str) for f in frameworks):
        raise ValidationError({field: ["Must be a list of framework ids."]})
    known = builtin_frameworks()
    values = list(dict.fromkeys(f.strip() for f in frameworks if f.strip()))
    unknown = [f for f in values if f not in known]
    if unknown:
        raise ValidationError(
            {field: [f"Unknown framework: {', '.join(unknown)} (known: {', '.join(sorted(known))})."]}
        )
    return values


def _check_expiry(expires_at, now: dt.datetime) -> None:
    if not isinstance(expires_at, dt.datetime):
        raise ValidationError({"expires_at": ["Required: when the access lapses."]})
    if timezone.is_naive(expires_at):
        raise ValidationError({"expires_at": ["Give a time zone."]})
    if expires_at <= now:
        raise ValidationError({"expires_at": ["Must be in the future."]})
    if expires_at > now + dt.timedelta(days=MAX_INVITATION_DAYS):
        raise ValidationError({"expires_at": [f"At most {MAX_INVITATION_DAYS} days from now."]})


def guest_invitation_create(
    *,
    actor: Actor,
    email: str,
    name: str,
    firm: str,
    expires_at: dt.datetime,
    scope_systems=(),
    scope_frameworks=(),
) -> tuple[GuestInvitation, str]:
    """Invite an external auditor until ``expires_at`` (in the future, at most 180 days), to the whole organization
    or to some AI systems and frameworks. Returns the invitation and its token, shown once and never stored."""
    actor.require(Permission.MANAGE_MEMBERS)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": ["Enter a valid e-mail address."]}) from None
    _check_expiry(expires_at, timezone.now())
    if scope_systems is None:
        raise ValidationError({"scope_systems": ["Must be a list (an empty list for the whole organization)."]})
    frameworks = _check_frameworks(list(scope_frameworks) if isinstance(scope_frameworks, tuple) else scope_frameworks)
    raw = INVITATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    invitation = create_record(
        GuestInvitation,
        actor=actor,
        permission=Permission.MANAGE_MEMBERS,
        email=email,
        name=(name or "").strip(),
        firm=(firm or "").strip(),
        expires_at=expires_at,
        scope_all_systems=not scope_systems,
        scope_systems=list(scope_systems),
        scope_frameworks=frameworks,
        invited_by=actor.user,
        prefix=raw[: len(INVITATION_TOKEN_PREFIX) + 6],
        token_hash=hash_invitation_token(raw),
    )
    return invitation, raw


def guest_invitation_revoke(*, actor: Actor, invitation: GuestInvitation) -> GuestInvitation:
    """Revoke an invitation; the guest's membership made from it lapses at once."""
    actor.require(Permission.MANAGE_MEMBERS)
    with transaction.atomic():
        current = lock_rows(GuestInvitation.objects, actor.organization).get(pk=invitation.pk)
        if current.revoked_at is not None:
            return current
        now = timezone.now()
        if current.membership_id is not None:
            membership = Membership.objects.get(pk=current.membership_id)
            if membership.expires_at is None or membership.expires_at > now:
                update_record(
                    membership,
                    actor=actor,
                    permission=Permission.MANAGE_MEMBERS,
                    action=TrailAction.TRANSITION,
                    context={"reason": "guest invitation revoked"},
                    expires_at=now,
                )
        return update_record(
            current, actor=actor, permission=Permission.MANAGE_MEMBERS, action=TrailAction.TRANSITION, revoked_at=now
        )


class InvitationUnavailable(Exception):
    """The link is unknown, revoked, lapsed or already used: the page says which, in plain words."""


def guest_invitation_by_token(raw: str) -> GuestInvitation:
    """The pending invitation of a link, or :class:`InvitationUnavailable` saying why not."""
    if not raw or not raw.startswith(INVITATION_TOKEN_PREFIX) or len(raw) > 200:
        raise InvitationUnavailable("This invitation link is not valid.")
    invitation = (
        GuestInvitation.objects.select_related("organization").filter(token_hash=hash_invitation_token(raw)).first()
    )
    if invitation is None:
        raise InvitationUnavailable("This invitation link is not valid.")
    status = invitation.status
    if status == InvitationStatus.REVOKED:
        raise InvitationUnavailable("This invitation was revoked. Ask the organization for a new one.")
    if status == InvitationStatus.LAPSED:
        raise InvitationUnavailable(
            f"This invitation lapsed on {invitation.expires_at:%Y-%m-%d}. Ask the organization for a new one."
        )
    if status == InvitationStatus.ACTIVE:
        raise InvitationUnavailable("This invitation was already accepted: sign in instead.")
    return invitation


def guest_invitation_accept(
    *, token: str, user: User | None = None, username: str = "", password: str = ""
) -> Membership:
    """Accept an invitation: as ``user`` (signed in), or as a new user with ``username`` and ``password`` (Django's
    password validators). Makes the guest auditor membership with the invitation's expiry and scope."""
    from openaims.accounts.services import user_create

    with transaction.atomic():
        invitation = guest_invitation_by_token(token)
        organization = invitation.organization
        lock_organization(organization)
        invitation = lock_rows(GuestInvitation.objects, organization).get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationUnavailable("This invitation was already accepted: sign in instead.")
        if user is None:
            username = (username or "").strip()
            if not username:
                raise ValidationError({"username": ["Required: the name you will sign in with."]})
            if User.objects.filter(username=username).exists():
                raise ValidationError({"username": ["This username is taken: sign in first if it is yours."]})
            if not password:
                raise ValidationError({"password": ["Required."]})
            candidate = User(username=username, email=invitation.email)
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from None
            first, _, last = invitation.name.partition(" ")
            user = user_create(
                username=username, password=password, email=invitation.email, first_name=first, last_name=last
            )
        actor = system_actor(
            organization, label=f"{user.username} (accepting the guest invitation {invitation.prefix})"
        )
        scope = {
            "expires_at": invitation.expires_at,
            "scope_all_systems": invitation.scope_all_systems,
            "scope_systems": list(invitation.scope_systems.all()),
            "scope_frameworks": list(invitation.scope_frameworks),
        }
        membership = Membership.objects.filter(organization=organization, user=user).first()
        if membership is not None and membership.role != Role.GUEST_AUDITOR:
            raise ValidationError({"username": [f"{user.username} is already a member of {organization}."]})
        if membership is None:
            membership = create_record(
                Membership, actor=actor, permission=Permission.VIEW, user=user, role=Role.GUEST_AUDITOR, **scope
            )
        else:  # a guest auditor again (an earlier invitation): the new one's expiry and scope
            membership = update_record(
                membership, actor=actor, permission=Permission.VIEW, role=Role.GUEST_AUDITOR, **scope
            )
        update_record(
            invitation,
            actor=actor,
            permission=Permission.VIEW,
            action=TrailAction.TRANSITION,
            accepted_at=timezone.now(),
            accepted_by=user,
            membership=membership,
        )
        return membership


# --- Evidence requests ----------------------------------------------------------------------------------------


def _member(actor: Actor, value, field: str) -> User | None:
    if value in (None, ""):
        return None
    pk = str(getattr(value, "pk", value))
    membership = (
        Membership.objects.filter(organization=actor.organization, user_id=pk)
        .exclude(role=Role.GUEST_AUDITOR)
        .select_related("user")
        .first()
        if _is_uuid(pk)
        else None
    )
    if membership is None:
        raise ValidationError({field: [f"No member of the organization with id {pk} (guest auditors do not answer)."]})
    return membership.user


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _request_fields(actor: Actor, fields: dict) -> dict:
    """Normalised fields: ids resolved within the organization (and a guest's scope), the subject checked."""
    from openaims.audits.models import InternalAudit
    from openaims.inventory.models import AISystem

    fields = dict(fields)
    for name in ("owner", "ai_system", "internal_audit"):
        if f"{name}_id" in fields:
            fields[name] = fields.pop(f"{name}_id")
    for name in ("title", "description", "clause_id", "control_id"):
        if name in fields:
            value = fields[name]
            fields[name] = (value or "").strip()
    if fields.get("control_id"):
        fields["control_id"] = fields["control_id"].upper()
    if (fields.get("clause_id") or fields.get("control_id")) and not actor.in_framework_scope("iso42001"):
        name = "clause_id" if fields.get("clause_id") else "control_id"
        raise ValidationError({name: ["ISO/IEC 42001 is outside the frameworks of your invitation."]})
    if "owner" in fields:
        fields["owner"] = _member(actor, fields["owner"], "owner")
    for name, model in (("ai_system", AISystem), ("internal_audit", InternalAudit)):
        value = fields.get(name)
        if value in (None, ""):
            if name in fields:
                fields[name] = None
            continue
        pk = str(getattr(value, "pk", value))
        found = model.objects.filter(organization=actor.organization, pk=pk).first() if _is_uuid(pk) else None
        if name == "ai_system" and found is not None and not actor.in_system_scope(found.pk):
            found = None  # outside a guest's scope: it does not exist for them
        if found is None:
            label = model._meta.verbose_name
            raise ValidationError({name: [f"No {label} with id {pk} in this organization."]})
        fields[name] = found
    if "due_date" in fields:
        due = fields["due_date"]
        if not isinstance(due, dt.date):
            raise ValidationError({"due_date": ["Required: a date (YYYY-MM-DD)."]})
        if due < timezone.localdate():
            raise ValidationError({"due_date": ["Must not be in the past."]})
    return fields


def _locked(request: EvidenceRequest) -> EvidenceRequest:
    return lock_rows(EvidenceRequest.objects, request.organization).get(pk=request.pk)


def _refuse_unless(request: EvidenceRequest, statuses, what: str) -> None:
    if request.status not in statuses:
        raise ValidationError({"status": [f"{request.reference} is {request.get_status_display().lower()}: {what}."]})


def _transition(actor: Actor, request: EvidenceRequest, reason: str, permission: str, **fields) -> EvidenceRequest:
    return update_record(
        request, actor=actor, permission=permission, action=TrailAction.TRANSITION, context={"reason": reason}, **fields
    )


def evidence_request_create(*, actor: Actor, **fields) -> EvidenceRequest:
    """Ask for evidence (by clause, Annex A control or AI system), with a due date and the member who answers.
    It gets the organization's next number (ER-0001) and starts open."""
    actor.require(Permission.REQUEST)
    refuse_unsettable(fields, REQUEST_FIELDS)
    fields = _request_fields(actor, fields)
    if "due_date" not in fields:
        raise ValidationError({"due_date": ["Required: when the evidence is due."]})
    with transaction.atomic():
        lock_organization(actor.organization)
        return create_record(
            EvidenceRequest,
            actor=actor,
            permission=Permission.REQUEST,
            number=next_number(EvidenceRequest, actor.organization),
            requested_by=actor.user,
            **fields,
        )


def evidence_request_update(*, actor: Actor, evidence_request: EvidenceRequest, **fields) -> EvidenceRequest:
    """Change what a request asks, its owner or its due date (not once accepted or withdrawn)."""
    actor.require(Permission.REQUEST)
    refuse_unsettable(fields, REQUEST_FIELDS)
    fields = _request_fields(actor, fields)
    with transaction.atomic():
        current = _locked(evidence_request)
        _refuse_unless(current, [s for s in EvidenceRequestStatus if s not in FINAL], "it is kept as it is")
        return update_record(evidence_request, actor=actor, permission=Permission.REQUEST, **fields)


def evidence_request_delete(*, actor: Actor, evidence_request: EvidenceRequest) -> None:
    """Delete a request made by mistake: never answered and without comments (others are withdrawn instead)."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = _locked(evidence_request)
        if current.answered_at is not None or current.comments.exists():
            raise ValidationError({"status": [f"{current.reference} was answered or discussed: withdraw it instead."]})
        delete_record(current, actor=actor)


def evidence_request_withdraw(*, actor: Actor, evidence_request: EvidenceRequest, reason: str = "") -> EvidenceRequest:
    """The requester no longer needs it."""
    actor.require(Permission.REQUEST)
    with transaction.atomic():
        current = _locked(evidence_request)
        _refuse_unless(current, [s for s in EvidenceRequestStatus if s not in FINAL], "it cannot be withdrawn")
        return _transition(
            actor, current, reason or "withdrawn", Permission.REQUEST, status=EvidenceRequestStatus.WITHDRAWN
        )


def evidence_request_answer(
    *, actor: Actor, evidence_request: EvidenceRequest, evidence: list, note: str = ""
) -> EvidenceRequest:
    """The organization answers with evidence items of its own (and a note); the request is answered."""
    from openaims.evidence.models import Evidence

    actor.require(Permission.CHANGE)
    if not isinstance(evidence, list | tuple) or not evidence:
        raise ValidationError({"evidence": ["Attach at least one evidence item."]})
    ids = [str(getattr(e, "pk", e)) for e in evidence]
    bad = [i for i in ids if not _is_uuid(i)]
    own = Evidence.objects.filter(organization=actor.organization, pk__in=[i for i in ids if i not in bad])
    found = {str(pk) for pk in own.values_list("pk", flat=True)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"evidence": [f"No evidence item with id {', '.join(missing)} in this organization."]})
    with transaction.atomic():
        current = _locked(evidence_request)
        _refuse_unless(current, AWAITING_ANSWER, "it is not waiting for an answer")
        return _transition(
            actor,
            current,
            "answered",
            Permission.CHANGE,
            status=EvidenceRequestStatus.ANSWERED,
            evidence=sorted(set(ids) | {str(pk) for pk in current.evidence.values_list("pk", flat=True)}),
            answer_note=(note or "").strip(),
            answered_at=timezone.now(),
        )


def evidence_request_accept(*, actor: Actor, evidence_request: EvidenceRequest) -> EvidenceRequest:
    """The requester accepts the evidence answered."""
    actor.require(Permission.REQUEST)
    with transaction.atomic():
        current = _locked(evidence_request)
        _refuse_unless(current, (EvidenceRequestStatus.ANSWERED,), "only an answered request is accepted")
        return _transition(
            actor,
            current,
            "accepted",
            Permission.REQUEST,
            status=EvidenceRequestStatus.ACCEPTED,
            accepted_at=timezone.now(),
        )


def evidence_request_reopen(*, actor: Actor, evidence_request: EvidenceRequest, reason: str) -> EvidenceRequest:
    """The answer is not enough: the request is open again, with the reason as a comment in its thread."""
    actor.require(Permission.REQUEST)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Required: what is still missing."]})
    with transaction.atomic():
        current = _locked(evidence_request)
        _refuse_unless(
            current, (EvidenceRequestStatus.ANSWERED, EvidenceRequestStatus.ACCEPTED), "only an answer is reopened"
        )
        reopened = _transition(
            actor, current, reason, Permission.REQUEST, status=EvidenceRequestStatus.REOPENED, accepted_at=None
        )
        _comment(actor, reopened, reason)
        return reopened


def _comment(actor: Actor, request: EvidenceRequest, body: str) -> EvidenceRequestComment:
    return create_record(
        EvidenceRequestComment,
        actor=actor,
        permission=Permission.VIEW,
        request=request,
        author=actor.user,
        author_label=actor.label[:300],
        body=body,
    )


def evidence_request_comment(*, actor: Actor, evidence_request: EvidenceRequest, body: str) -> EvidenceRequestComment:
    """A message in the request's thread, from the auditor (request right) or the organization (change right)."""
    if not (actor.can(Permission.REQUEST) or actor.can(Permission.CHANGE)):
        actor.require(Permission.REQUEST)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["Required: the message."]})
    if len(body) > 20000:
        raise ValidationError({"body": ["At most 20000 characters."]})
    with transaction.atomic():
        current = _locked(evidence_request)
        return _comment(actor, current, body)
