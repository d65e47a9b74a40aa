"""Every write of nonconformities and corrective actions (10.2). Keyword-only, one transaction each, trail recorded.

Monitoring calls two of them (their names and signatures are a contract):

- :func:`nonconformity_open_for_breach` when a run breaches thresholds: it opens a nonconformity for the monitor,
  or records the new failing run on the one still open;
- :func:`nonconformities_verify_by_run` when a run passes: the monitor's open nonconformities raised by an earlier
  run are marked verified by it (a person still closes them).

Closing (:func:`nonconformity_close`) as *effective* needs at least one corrective action done and none unfinished,
a closure note, and a verification: a later passing run of the same monitor (``verified_by_run``), or a person's
verification with at least one evidence item that has not expired. A monitoring nonconformity whose monitor is still
active needs the passing run; only an admin or owner may override that, and only with evidence (the trail records
the override). Closing as *not effective* is final for that nonconformity and opens a follow-up (a new cycle with
its own number, ``previous`` pointing back), which takes over the monitor's later runs.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import Membership
from openaims.audits.choices import CLOSED_STATUSES, ActionStatus, NonconformitySource, NonconformityStatus
from openaims.audits.models import CorrectiveAction, Nonconformity, requirement_titles
from openaims.base.context import Actor
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, lock_organization, next_number, update_record

#: Days a nonconformity raised by monitoring has to be corrected and verified (its due date; a person may change it).
BREACH_DUE_DAYS = 30
#: What a monitoring breach concerns: monitoring and evaluation (9.1), AI system operation and monitoring (A.6.2.6).
BREACH_REQUIREMENTS = ["9.1", "A.6.2.6"]
#: Roles that may close a monitoring nonconformity as effective without a passing run (with evidence).
OVERRIDE_ROLES = (Role.OWNER, Role.ADMIN)

#: Fields a person sets on a nonconformity; status, runs and closure are set by the services below.
NONCONFORMITY_FIELDS = {
    "title",
    "description",
    "source",
    "severity",
    "ai_system",
    "ai_system_id",
    "requirement_ids",
    "owner",
    "owner_id",
    "detected_on",
    "due_date",
    "evidence",
}
ACTION_FIELDS = {"nonconformity", "nonconformity_id", "root_cause", "description", "owner", "owner_id", "due_date"}
ACTION_FIELDS |= {"status", "completed_on"}


def _check_fields(fields: dict, allowed: set[str]) -> None:
    errors = {name.removesuffix("_id"): ["This field is set by OpenAIMS, not here."] for name in set(fields) - allowed}
    if errors:
        raise ValidationError(errors)


def _check_members(actor: Actor, fields: dict) -> None:
    """Refuse owners who are not members of the actor's organization, naming the field."""
    if "evidence" in fields and fields["evidence"] is None:
        raise ValidationError({"evidence": ["Must be a list (an empty list for none)."]})
    for name in ("owner", "owner_id"):
        value = fields.get(name)
        if value is None:
            continue
        pk = str(getattr(value, "pk", value))
        if not Membership.objects.filter(organization=actor.organization, user_id=pk).exists():
            raise ValidationError({"owner": [f"No member with id {pk} in this organization."]})


def _normalize(fields: dict) -> dict:
    """Requirement ids in any case (``a.6.2.6``) become the catalog's; text is trimmed."""
    fields = dict(fields)
    ids = fields.get("requirement_ids")
    if isinstance(ids, list | tuple):
        known = {rid.upper(): rid for rid in requirement_titles()}
        fields["requirement_ids"] = [known.get(str(i).strip().upper(), str(i).strip()) for i in ids]
    elif "requirement_ids" in fields and ids is None:
        fields["requirement_ids"] = []
    for name in ("title", "description"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


def _create_numbered(actor: Actor, **fields) -> Nonconformity:
    """Create a nonconformity with the organization's next number (NC-0001, NC-0002, ...)."""
    with transaction.atomic():
        lock_organization(actor.organization)
        return create_record(
            Nonconformity, actor=actor, number=next_number(Nonconformity, actor.organization), **fields
        )


def _locked(nonconformity: Nonconformity) -> Nonconformity:
    return lock_rows(Nonconformity.objects, nonconformity.organization).get(pk=nonconformity.pk)


def _refuse_closed(nonconformity: Nonconformity, what: str) -> None:
    if nonconformity.status in CLOSED_STATUSES:
        raise ValidationError(
            {"status": [f"{nonconformity.reference} is closed ({nonconformity.get_status_display()}): {what}."]}
        )


# --- Nonconformities ----------------------------------------------------------------------------------------


def nonconformity_create(*, actor: Actor, **fields) -> Nonconformity:
    """Record a nonconformity; it gets the organization's next number and starts open."""
    actor.require(Permission.CREATE)
    _check_fields(fields, NONCONFORMITY_FIELDS)
    fields = _normalize(fields)
    _check_members(actor, fields)
    return _create_numbered(actor, **fields)


def nonconformity_update(*, actor: Actor, nonconformity: Nonconformity, **fields) -> Nonconformity:
    """Change what a person sets on an open nonconformity (a closed one is a record and stays as closed)."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, NONCONFORMITY_FIELDS)
    fields = _normalize(fields)
    _check_members(actor, fields)
    with transaction.atomic():
        current = _locked(nonconformity)
        _refuse_closed(current, "it is no longer changed")
        return update_record(nonconformity, actor=actor, **fields)


def nonconformity_delete(*, actor: Actor, nonconformity: Nonconformity) -> None:
    """Delete an open nonconformity and its corrective actions (each deletion in the trail). Closed ones stay."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = _locked(nonconformity)
        _refuse_closed(current, "it is kept as the record of its correction")
        for action in CorrectiveAction.objects.filter(nonconformity=current):
            delete_record(action, actor=actor)
        delete_record(nonconformity, actor=actor)


def _status_from_actions(nonconformity: Nonconformity) -> str:
    if nonconformity.verified_by_run_id:
        return NonconformityStatus.AWAITING_VERIFICATION
    statuses = list(CorrectiveAction.objects.filter(nonconformity=nonconformity).values_list("status", flat=True))
    if not statuses:
        return NonconformityStatus.OPEN
    if all(s == ActionStatus.DONE for s in statuses):
        return NonconformityStatus.AWAITING_VERIFICATION
    return NonconformityStatus.ACTION_PLANNED


def _sync_status(actor: Actor, nonconformity: Nonconformity, reason: str, permission: str) -> None:
    """Move an open nonconformity to the status its corrective actions (and verifying run) give it."""
    current = _locked(nonconformity)
    if current.status in CLOSED_STATUSES:
        return
    wanted = _status_from_actions(current)
    if wanted != current.status:
        update_record(
            current,
            actor=actor,
            permission=permission,
            action=TrailAction.TRANSITION,
            context={"reason": reason},
            status=wanted,
        )


def _usable_evidence(actor: Actor, evidence) -> list:
    """The evidence items given (records or ids) of the actor's organization, none expired; else a field error."""
    from openaims.evidence.models import Evidence

    ids = []
    for item in evidence or ():
        ids.append(str(getattr(item, "pk", item)))
    found = {str(e.pk): e for e in Evidence.objects.filter(organization=actor.organization, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationError({"evidence": [f"No evidence item with id {', '.join(missing)} in this organization."]})
    expired = [e for e in found.values() if e.is_expired]
    if expired:
        names = ", ".join(f"“{e}” (valid until {e.valid_until})" for e in expired)
        raise ValidationError({"evidence": [f"Expired evidence does not verify anything: {names}."]})
    return list(found.values())


def nonconformity_close(
    *, actor: Actor, nonconformity: Nonconformity, effective: bool, note: str, evidence=()
) -> Nonconformity:
    """Close a nonconformity as effective (verified by a later passing run, or by a person with evidence) or as
    not effective (which opens a follow-up nonconformity). Needs the approve right; the rules are in the module's
    docstring. Returns the closed nonconformity (the follow-up is ``closed.follow_ups.first()``)."""
    actor.require(Permission.APPROVE)
    note = (note or "").strip()
    with transaction.atomic():
        current = _locked(nonconformity)
        _refuse_closed(current, "it cannot be closed again")
        if not note:
            what = "how the fix was verified" if effective else "why the corrective action did not work"
            raise ValidationError({"note": [f"Required: say {what}."]})
        items = _usable_evidence(actor, evidence)
        context: dict = {}
        if effective:
            context["verification"] = _effectiveness_problem_or_basis(actor, current, items)
            status = NonconformityStatus.CLOSED_EFFECTIVE
        else:
            status = NonconformityStatus.CLOSED_NOT_EFFECTIVE
        existing = [str(pk) for pk in current.evidence.values_list("pk", flat=True)]
        closed = update_record(
            current,
            actor=actor,
            permission=Permission.APPROVE,
            action=TrailAction.TRANSITION,
            context=context,
            status=status,
            closure_note=note,
            closed_by=actor.user,
            closed_by_label=actor.label[:300],
            closed_at=timezone.now(),
            evidence=list(dict.fromkeys([*existing, *(str(e.pk) for e in items)])),
            verification_evidence=items,
        )
        if not effective:
            _open_follow_up(actor, closed, note)
        return closed


def _effectiveness_problem_or_basis(actor: Actor, nc: Nonconformity, items: list) -> str:
    """What verifies ``nc`` as effective (for the trail), or a ValidationError naming the missing field."""
    statuses = list(nc.actions.values_list("status", flat=True))
    if ActionStatus.DONE not in statuses:
        raise ValidationError({"actions": ["At least one corrective action must be done before closing as effective."]})
    unfinished = len([s for s in statuses if s != ActionStatus.DONE])
    if unfinished:
        raise ValidationError(
            {"actions": [f"{unfinished} corrective action(s) not done yet: finish them (or delete them) first."]}
        )
    if nc.verified_by_run_id:
        return f"passing run {nc.verified_by_run_id} of the monitor"
    monitor_active = nc.monitor is not None and nc.monitor.active
    if nc.source == NonconformitySource.MONITORING and monitor_active:
        if actor.role not in OVERRIDE_ROLES:
            raise ValidationError(
                {
                    "verified_by_run": [
                        f"Required: a later run of monitor “{nc.monitor}” that passes. Only an admin or owner may "
                        "close it as effective without one, with evidence."
                    ]
                }
            )
        if not items:
            raise ValidationError(
                {"evidence": ["An admin's or owner's override of the passing run needs evidence (not expired)."]}
            )
        return f"override by {actor.label} ({actor.role}) without a passing run, on evidence"
    if not items:
        raise ValidationError(
            {
                "evidence": [
                    "Required: at least one evidence item (not expired) showing the action worked"
                    + (", or a later passing run of the monitor." if nc.monitor_id else ".")
                ]
            }
        )
    return f"verified by {actor.label} on evidence"


def _open_follow_up(actor: Actor, closed: Nonconformity, note: str) -> Nonconformity:
    """The next cycle of a nonconformity closed as not effective: same concern, new number, open."""
    description = f"Follow-up of {closed.reference}, closed as not effective: {note}"
    if closed.description:
        description += f"\n\n{closed.description}"
    return _create_numbered(
        actor,
        permission=Permission.APPROVE,
        title=closed.title,
        description=description,
        source=closed.source,
        severity=closed.severity,
        ai_system=closed.ai_system,
        requirement_ids=closed.requirement_ids,
        owner=closed.owner,
        detected_on=timezone.localdate(),
        due_date=timezone.localdate() + dt.timedelta(days=BREACH_DUE_DAYS),
        monitor=closed.monitor,
        raised_by_run=closed.last_failing_run or closed.raised_by_run,
        last_failing_run=closed.last_failing_run or closed.raised_by_run,
        evidence=list(closed.evidence.all()),
        previous=closed,
    )


# --- The monitoring contract ----------------------------------------------------------------------------------


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def describe_breach(breach: dict) -> str:
    """``demographic_parity_ratio (overall) = 0.72, required >= 0.8``."""
    group = breach.get("group") or "overall"
    return (
        f"{breach.get('metric', '?')} ({group}) = {_format_value(breach.get('value'))}, "
        f"required {breach.get('operator', '?')} {_format_value(breach.get('threshold'))}"
    )


def _with_run_evidence(nonconformity: Nonconformity, run) -> list[str]:
    ids = [str(pk) for pk in nonconformity.evidence.values_list("pk", flat=True)]
    if run.evidence_id and str(run.evidence_id) not in ids:
        ids.append(str(run.evidence_id))
    return ids


def nonconformity_open_for_breach(*, actor: Actor, metric_run, breaches: list[dict]) -> Nonconformity:
    """A run breached thresholds: open a nonconformity for its monitor, or record the run on the one still open.

    ``breaches`` are ``{metric, group, value, operator, threshold}``. A new nonconformity has source monitoring, the
    monitor's AI system and that system's owner, a description listing the breaches, the run as evidence and
    raising run, and is due in :data:`BREACH_DUE_DAYS` days. If one is open for the monitor, the run is added to it
    (evidence, ``last_failing_run``, trail); one awaiting verification goes back to action planned, its verifying
    run cleared, since the fix did not hold. Calling it again with the same run changes nothing.
    """
    monitor = metric_run.monitor
    lines = [describe_breach(b) for b in breaches or []] or ["(no breach details given)"]
    with transaction.atomic():
        lock_organization(actor.organization)
        existing = (
            lock_rows(Nonconformity.objects, actor.organization)
            .filter(organization=actor.organization, monitor=monitor)
            .exclude(status__in=CLOSED_STATUSES)
            .order_by("-number")
            .first()
        )
        if existing is None:
            system = monitor.ai_system
            owner = system.owner if system is not None else None
            if (
                owner is not None
                and not Membership.objects.filter(organization=actor.organization, user=owner).exists()
            ):
                owner = None
            window = f"{metric_run.window_start:%Y-%m-%d} to {metric_run.window_end:%Y-%m-%d}"
            return _create_numbered(
                actor,
                title=f"{monitor.name[:150]}: threshold breached",
                description=f"Monitor “{monitor}” breached its thresholds over {window}:\n"
                + "\n".join(f"- {line}" for line in lines),
                source=NonconformitySource.MONITORING,
                ai_system=system,
                requirement_ids=list(BREACH_REQUIREMENTS),
                owner=owner,
                detected_on=timezone.localdate(),
                due_date=timezone.localdate() + dt.timedelta(days=BREACH_DUE_DAYS),
                monitor=monitor,
                raised_by_run=metric_run,
                last_failing_run=metric_run,
                evidence=[metric_run.evidence_id] if metric_run.evidence_id else [],
            )
        if metric_run.pk in (existing.last_failing_run_id, existing.raised_by_run_id):
            return existing
        fields: dict = {"last_failing_run": metric_run, "evidence": _with_run_evidence(existing, metric_run)}
        reason = "breached again: " + "; ".join(lines)
        action = TrailAction.UPDATE
        if existing.status == NonconformityStatus.AWAITING_VERIFICATION:
            fields.update(status=NonconformityStatus.ACTION_PLANNED, verified_by_run=None)
            reason += "; the fix did not hold, back to action planned"
            action = TrailAction.TRANSITION
        elif existing.verified_by_run_id:
            fields["verified_by_run"] = None
        return update_record(
            existing, actor=actor, permission=Permission.CREATE, action=action, context={"reason": reason}, **fields
        )


def nonconformities_verify_by_run(*, actor: Actor, metric_run) -> list[Nonconformity]:
    """A run passed: each open nonconformity of its monitor whose latest failing run ended earlier is marked verified
    by this run (``verified_by_run``, the run as evidence) and awaits verification. Nothing is closed here: a person
    closes it as effective. A failed run, or one no later than the failure, verifies nothing."""
    if not metric_run.passed:
        return []
    verified = []
    with transaction.atomic():
        candidates = (
            lock_rows(Nonconformity.objects, actor.organization, of=("self",))
            .filter(organization=actor.organization, monitor=metric_run.monitor_id, verified_by_run__isnull=True)
            .exclude(status__in=CLOSED_STATUSES)
            .select_related("raised_by_run", "last_failing_run")
            .order_by("number")
        )
        for nc in candidates:
            failing = nc.last_failing_run or nc.raised_by_run
            # A run over the same (or an earlier) window as the failure cannot show the fix.
            if failing is None or metric_run.window_end <= failing.window_end:
                continue
            update_record(
                nc,
                actor=actor,
                permission=Permission.CREATE,
                action=TrailAction.TRANSITION,
                context={
                    "reason": f"monitor passed over {metric_run.window_start:%Y-%m-%d} to "
                    f"{metric_run.window_end:%Y-%m-%d}: ready to close as effective"
                },
                status=NonconformityStatus.AWAITING_VERIFICATION,
                verified_by_run=metric_run,
                evidence=_with_run_evidence(nc, metric_run),
            )
            verified.append(nc)
    return verified


# --- Corrective actions ---------------------------------------------------------------------------------------


def _completion(fields: dict, action: CorrectiveAction | None = None) -> dict:
    status = fields.get("status", action.status if action else ActionStatus.PLANNED)
    if status == ActionStatus.DONE:
        if not fields.get("completed_on") and (action is None or action.completed_on is None):
            fields["completed_on"] = timezone.localdate()
    else:
        fields["completed_on"] = None
    return fields


def _nonconformity_of(actor: Actor, fields: dict) -> Nonconformity:
    value = fields.get("nonconformity", fields.get("nonconformity_id"))
    if value is None:
        raise ValidationError({"nonconformity": ["Required: the nonconformity this action corrects."]})
    pk = getattr(value, "pk", value)
    found = Nonconformity.objects.filter(organization=actor.organization, pk=pk).first()
    if found is None:
        raise ValidationError({"nonconformity": [f"No nonconformity with id {pk} in this organization."]})
    return found


def corrective_action_create(*, actor: Actor, **fields) -> CorrectiveAction:
    """Plan a corrective action; the nonconformity moves to action planned (or awaiting verification when done)."""
    actor.require(Permission.CREATE)
    _check_fields(fields, ACTION_FIELDS)
    _check_members(actor, fields)
    with transaction.atomic():
        nc = _locked(_nonconformity_of(actor, fields))
        _refuse_closed(nc, "add actions to its follow-up instead")
        fields.pop("nonconformity_id", None)
        fields["nonconformity"] = nc
        action = create_record(CorrectiveAction, actor=actor, **_completion(fields))
        _sync_status(actor, nc, f"corrective action added: {action}", Permission.CREATE)
        return action


def corrective_action_update(*, actor: Actor, corrective_action: CorrectiveAction, **fields) -> CorrectiveAction:
    """Change a corrective action of an open nonconformity; a status change moves the nonconformity along."""
    actor.require(Permission.CHANGE)
    _check_fields(fields, ACTION_FIELDS - {"nonconformity", "nonconformity_id"})
    _check_members(actor, fields)
    with transaction.atomic():
        current = lock_rows(CorrectiveAction.objects, actor.organization).get(pk=corrective_action.pk)
        nc = _locked(current.nonconformity)
        _refuse_closed(nc, "its actions are kept as they were")
        updated = update_record(corrective_action, actor=actor, **_completion(fields, current))
        if updated.status != current.status:
            _sync_status(
                actor, nc, f"corrective action {updated.get_status_display().lower()}: {updated}", Permission.CHANGE
            )
        return updated


def corrective_action_delete(*, actor: Actor, corrective_action: CorrectiveAction) -> None:
    """Delete a corrective action of an open nonconformity."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        nc = _locked(corrective_action.nonconformity)
        _refuse_closed(nc, "its actions are kept as they were")
        label = str(corrective_action)
        delete_record(corrective_action, actor=actor)
        _sync_status(actor, nc, f"corrective action deleted: {label}", Permission.DELETE)
