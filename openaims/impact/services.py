"""Every write of impact assessments and harms. Keyword-only, one transaction each, trail recorded.

Workflow: draft → in review (required answers complete) → approved (approve right, not the author) →
due for reassessment (review date passed, or a significant change of the AI system). Only drafts change:
to change an approved or due assessment, start a revision (:func:`impact_assessment_revise`), a new draft that
copies the answers and harms; approving it supersedes the revision before. The approved text therefore never
changes after approval, and the trail holds every revision.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.locks import lock_organization, lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.impact.choices import EDITABLE_STATUSES, STANDING_STATUSES, AssessmentStatus
from openaims.impact.models import Harm, ImpactAssessment
from openaims.impact.questionnaires import get_template, is_blank

#: A new approval is due for review after this long unless a date is set.
DEFAULT_REVIEW_INTERVAL = dt.timedelta(days=365)
_HARM_FIELDS = (
    "description",
    "affected_groups",
    "rights_affected",
    "severity",
    "likelihood",
    "reversibility",
    "mitigations",
    "linked_risk",
)


def _clean_answers(answers) -> dict:
    """Answers without blank values (an unanswered question has no key), text stripped."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": ["Must be an object of {question id: answer}."]})
    cleaned = {}
    for key, value in answers.items():
        if isinstance(value, str):
            value = value.strip()
        if not is_blank(value):
            cleaned[key] = value
    return cleaned


def _locked(assessment: ImpactAssessment) -> ImpactAssessment:
    return lock_rows(ImpactAssessment.objects, assessment.organization).get(pk=assessment.pk)


def _status_problem(assessment: ImpactAssessment, allowed: set[str], doing: str) -> None:
    if assessment.status not in allowed:
        names = " or ".join(sorted(AssessmentStatus(s).label.lower() for s in allowed))
        raise ValidationError(
            {
                "status": [
                    f"Only a {names} assessment can be {doing}; this one is {assessment.get_status_display().lower()}."
                ]
            }
        )


# --- Assessments -----------------------------------------------------------------------------------------


def impact_assessment_create(*, actor: Actor, **fields) -> ImpactAssessment:
    """Start a draft assessment of an AI system against a template; the actor is its author.

    Revision numbers count per AI system and template: a second assessment with the same template is the next
    revision (use :func:`impact_assessment_revise` to carry the answers over).
    """
    actor.require(Permission.CREATE)
    fields["answers"] = _clean_answers(fields.get("answers") or {})
    template = get_template(fields.get("template_id") or "")
    if template is not None:
        fields["template_version"] = template.version
    with transaction.atomic():
        lock_organization(actor.organization)  # the revision number is the next one: one creator at a time
        system = fields.get("ai_system") or fields.get("ai_system_id")
        system_id = getattr(system, "pk", system)
        last = (
            ImpactAssessment.objects.filter(
                organization=actor.organization, ai_system_id=system_id, template_id=fields.get("template_id")
            )
            .order_by("-revision")
            .values_list("revision", flat=True)
            .first()
        )
        return create_record(
            ImpactAssessment,
            actor=actor,
            author=actor.user,
            status=AssessmentStatus.DRAFT,
            revision=(last or 0) + 1,
            **fields,
        )


def impact_assessment_update(*, actor: Actor, impact_assessment: ImpactAssessment, **fields) -> ImpactAssessment:
    """Change a draft: title, answers (the whole set, replacing the stored one), conclusion, review date.

    An assessment in review, approved or due does not change: return it to draft, or start a revision.
    """
    actor.require(Permission.CHANGE)
    for name in ("ai_system", "ai_system_id", "template_id"):
        if name in fields and str(getattr(fields[name], "pk", fields[name])) != str(
            getattr(impact_assessment, name if name != "ai_system" else "ai_system_id")
        ):
            raise ValidationError({name: ["Fixed when the assessment starts: start a new assessment instead."]})
        fields.pop(name, None)
    if "answers" in fields:
        fields["answers"] = _clean_answers(fields["answers"])
    with transaction.atomic():
        current = _locked(impact_assessment)
        changed = [n for n, v in fields.items() if getattr(current, n) != v]
        if changed and current.status not in EDITABLE_STATUSES:
            hint = "return it to draft first" if current.status == AssessmentStatus.IN_REVIEW else "start a revision"
            raise ValidationError(
                {"__all__": [f"This assessment is {current.get_status_display().lower()}: {hint} to change it."]}
            )
        return update_record(impact_assessment, actor=actor, **fields)


def impact_assessment_delete(*, actor: Actor, impact_assessment: ImpactAssessment) -> None:
    """Delete a draft or an assessment in review; approved, due and superseded ones stay as the record."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = _locked(impact_assessment)
        if current.status not in (AssessmentStatus.DRAFT, AssessmentStatus.IN_REVIEW):
            raise ValidationError(
                {"__all__": [f"An assessment that is {current.get_status_display().lower()} stays on record."]}
            )
        delete_record(impact_assessment, actor=actor)


def impact_assessment_submit(*, actor: Actor, impact_assessment: ImpactAssessment, note: str = "") -> ImpactAssessment:
    """Send a draft for review. Every required question must be answered: the error names those that are not."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = _locked(impact_assessment)
        _status_problem(current, {AssessmentStatus.DRAFT}, "submitted for review")
        template = current.template
        if template is None:
            raise ValidationError({"template_id": [f"No template {current.template_id!r}."]})
        missing = template.missing_required(current.answers)
        if missing:
            raise ValidationError(
                {
                    "answers": [f"{q.id}: required, not answered ({q.text})" for q in missing],
                }
            )
        return update_record(
            impact_assessment,
            actor=actor,
            action=TrailAction.TRANSITION,
            context={"note": (note or "").strip()},
            status=AssessmentStatus.IN_REVIEW,
        )


def impact_assessment_return(*, actor: Actor, impact_assessment: ImpactAssessment, note: str = "") -> ImpactAssessment:
    """Send an assessment in review back to draft (changes requested), with a note saying why."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = _locked(impact_assessment)
        _status_problem(current, {AssessmentStatus.IN_REVIEW}, "returned to draft")
        return update_record(
            impact_assessment,
            actor=actor,
            action=TrailAction.TRANSITION,
            context={"note": (note or "").strip()},
            status=AssessmentStatus.DRAFT,
        )


def impact_assessment_approve(*, actor: Actor, impact_assessment: ImpactAssessment, note: str = "") -> ImpactAssessment:
    """Approve an assessment in review: needs the approve right, and the approver must not be its author.

    Records who approved and when, clears the stale flag (the approver confirms it reflects the system as it
    is), sets the next review date a year ahead unless a later one is set, and supersedes the revision before.
    """
    actor.require(Permission.APPROVE)
    with transaction.atomic():
        current = _locked(impact_assessment)
        _status_problem(current, {AssessmentStatus.IN_REVIEW}, "approved")
        if actor.user is None:
            raise ValidationError({"approved_by": ["Approval needs a named member (e.g. the CLI's --user)."]})
        if current.author_id is not None and current.author_id == actor.user.pk:
            raise ValidationError(
                {
                    "approved_by": [
                        "The author cannot approve their own assessment: another member with the approve right must."
                    ]
                }
            )
        previous = (
            lock_rows(ImpactAssessment.objects, actor.organization)
            .filter(
                organization=actor.organization,
                ai_system_id=current.ai_system_id,
                template_id=current.template_id,
                status__in=STANDING_STATUSES,
            )
            .exclude(pk=current.pk)
        )
        for old in previous:
            update_record(
                old,
                actor=actor,
                permission=Permission.APPROVE,
                action=TrailAction.TRANSITION,
                context={"superseded_by": str(current)},
                status=AssessmentStatus.SUPERSEDED,
            )
        today = timezone.localdate()
        fields = {
            "status": AssessmentStatus.APPROVED,
            "approved_by": actor.user,
            "approved_at": timezone.now(),
            "stale": False,
            "stale_reason": "",
        }
        if current.next_review_date is None or current.next_review_date <= today:
            fields["next_review_date"] = today + DEFAULT_REVIEW_INTERVAL
        return update_record(
            impact_assessment,
            actor=actor,
            permission=Permission.APPROVE,
            action=TrailAction.TRANSITION,
            context={"note": (note or "").strip(), "was_stale": current.stale_reason},
            **fields,
        )


def impact_assessment_revise(*, actor: Actor, impact_assessment: ImpactAssessment) -> ImpactAssessment:
    """Start the next revision of an approved or due assessment: a draft with its answers and harms copied.

    The approved revision stays in force (and keeps its stale or due flag) until the new one is approved.
    """
    actor.require(Permission.CREATE)
    with transaction.atomic():
        current = _locked(impact_assessment)
        _status_problem(current, set(STANDING_STATUSES), "revised")
        newer = ImpactAssessment.objects.filter(
            organization=actor.organization,
            ai_system_id=current.ai_system_id,
            template_id=current.template_id,
            revision__gt=current.revision,
        ).first()
        if newer is not None:
            raise ValidationError({"__all__": [f"A newer revision exists already: “{newer}”."]})
        template = current.template
        revision = create_record(
            ImpactAssessment,
            actor=actor,
            ai_system_id=current.ai_system_id,
            template_id=current.template_id,
            template_version=template.version if template else current.template_version,
            title=current.title,
            answers=dict(current.answers),
            conclusion=current.conclusion,
            next_review_date=current.next_review_date,
            author=actor.user,
            revision=current.revision + 1,
            previous=current,
            status=AssessmentStatus.DRAFT,
            stale=current.stale,
            stale_reason=current.stale_reason,
        )
        for harm in current.harms.all():
            create_record(
                Harm,
                actor=actor,
                assessment=revision,
                **{name: getattr(harm, name) for name in _HARM_FIELDS},
            )
        return revision


# --- Reassessment: by date and by significant change ------------------------------------------------------


def mark_due_assessments(*, actor: Actor, today: dt.date | None = None) -> list[ImpactAssessment]:
    """Mark approved assessments whose next review date has passed as due for reassessment; return them.

    Run by ``aims impact mark-due`` (e.g. daily from cron); the readiness rules count an overdue review as a
    blocker even before this runs.
    """
    actor.require(Permission.CHANGE)
    today = today or timezone.localdate()
    marked = []
    with transaction.atomic():
        due = lock_rows(ImpactAssessment.objects, actor.organization).filter(
            organization=actor.organization, status=AssessmentStatus.APPROVED, next_review_date__lt=today
        )
        for assessment in due:
            reason = f"Review date {assessment.next_review_date.isoformat()} passed."
            marked.append(
                update_record(
                    assessment,
                    actor=actor,
                    permission=Permission.VIEW,
                    action=TrailAction.TRANSITION,
                    context={"reason": reason},
                    status=AssessmentStatus.DUE,
                )
            )
    return marked


def mark_stale_for_change(*, actor: Actor, change) -> list[ImpactAssessment]:
    """Listener of ``openaims.inventory.changes``: a significant change makes the system's assessments stale.

    Approved assessments become due for reassessment; drafts and assessments in review are flagged, so the
    author and the approver see that the system changed since the work began. Runs inside the change's
    transaction with the permission the change itself needed, so it never refuses a change the actor may make.
    """
    from openaims.inventory.changes import ChangeKind

    kind = ChangeKind(change.kind).label if change.kind in ChangeKind.values else change.kind
    when = timezone.localdate().isoformat()
    reason = f"{kind}: {change.detail} ({when})."
    marked = []
    assessments = lock_rows(ImpactAssessment.objects, actor.organization).filter(
        organization=actor.organization,
        ai_system_id=change.ai_system.pk,
        status__in=[
            AssessmentStatus.APPROVED,
            AssessmentStatus.DUE,
            AssessmentStatus.DRAFT,
            AssessmentStatus.IN_REVIEW,
        ],
    )
    for assessment in assessments:
        fields: dict = {"stale": True, "stale_reason": reason}
        if assessment.status == AssessmentStatus.APPROVED:
            fields["status"] = AssessmentStatus.DUE
        marked.append(
            update_record(
                assessment,
                actor=actor,
                permission=Permission.VIEW,
                action=TrailAction.TRANSITION,
                context={"significant_change": change.kind},
                **fields,
            )
        )
    return marked


# --- Harms ------------------------------------------------------------------------------------------------


def _editable_assessment(assessment_or_id, actor: Actor) -> ImpactAssessment:
    pk = getattr(assessment_or_id, "pk", assessment_or_id)
    assessment = ImpactAssessment.objects.filter(pk=pk, organization=actor.organization).first()
    if assessment is None:
        raise ValidationError({"assessment": [f"No impact assessment with id {pk} in this organization."]})
    if assessment.status not in EDITABLE_STATUSES:
        raise ValidationError(
            {
                "assessment": [
                    f"“{assessment}” is {assessment.get_status_display().lower()}: harms change only in a draft "
                    "(return it to draft, or start a revision)."
                ]
            }
        )
    return assessment


def harm_create(*, actor: Actor, **fields) -> Harm:
    """Add a harm to a draft assessment."""
    actor.require(Permission.CREATE)
    with transaction.atomic():
        _editable_assessment(fields.get("assessment") or fields.get("assessment_id"), actor)
        return create_record(Harm, actor=actor, **fields)


def harm_update(*, actor: Actor, harm: Harm, **fields) -> Harm:
    """Change a harm of a draft assessment (:func:`harm_link_risk` links a risk whatever the assessment's status)."""
    actor.require(Permission.CHANGE)
    for name in ("assessment", "assessment_id"):
        if name in fields and str(getattr(fields[name], "pk", fields[name])) != str(harm.assessment_id):
            raise ValidationError({name: ["A harm stays in its assessment."]})
        fields.pop(name, None)
    with transaction.atomic():
        current = lock_rows(Harm.objects, actor.organization).get(pk=harm.pk)
        changed = [n for n, v in fields.items() if getattr(current, n) != v]
        if changed:
            _editable_assessment(current.assessment_id, actor)
        return update_record(harm, actor=actor, **fields)


def harm_delete(*, actor: Actor, harm: Harm) -> None:
    actor.require(Permission.DELETE)
    with transaction.atomic():
        _editable_assessment(harm.assessment_id, actor)
        delete_record(harm, actor=actor)


# --- Harms into the risk register (6.1.4 feeds 6.1.2) -------------------------------------------------------


def _on_scale(value: int, size: int) -> int:
    """A rating on the 1-5 harm scale as the nearest point of a risk criteria scale of ``size`` points."""
    return max(1, min(size, int(1 + (value - 1) * (size - 1) / 4 + 0.5)))  # half up, not to even


def _linkable_harm(actor: Actor, harm: Harm) -> Harm:
    current = lock_rows(Harm.objects, actor.organization).select_related("assessment__ai_system").get(pk=harm.pk)
    if current.organization_id != actor.organization.pk:
        from openaims.base.errors import NotFound

        raise NotFound("No such harm.")
    if current.assessment.status == AssessmentStatus.SUPERSEDED:
        raise ValidationError({"assessment": ["The assessment is superseded: link the harm of the newer revision."]})
    return current


def harm_to_risk(*, actor: Actor, harm: Harm, owner=None) -> Harm:
    """Turn a harm into a risk of the register and link it: one step, one transaction, trail on both sides.

    The risk concerns the assessment's AI system; its likelihood and consequence are the harm's likelihood and
    severity, placed on the organization's risk criteria scales (the same numbers on a 5-point scale); its
    description carries the harm, the groups and rights affected, reversibility and the mitigations.
    """
    from openaims.risk.selectors import criteria_for
    from openaims.risk.services import risk_create

    actor.require(Permission.CREATE)
    with transaction.atomic():
        current = _linkable_harm(actor, harm)
        if current.linked_risk_id is not None:
            raise ValidationError({"linked_risk": [f"Already linked to the risk “{current.linked_risk}”."]})
        assessment = current.assessment
        criteria = criteria_for(actor.organization)
        lines = [current.description]
        if current.affected_groups:
            lines.append(f"Affected: {current.affected_groups}")
        if current.rights_affected:
            lines.append(f"Rights affected: {'; '.join(current.rights_labels)}")
        lines.append(f"Reversibility: {current.get_reversibility_display()}")
        if current.mitigations:
            lines.append(f"Mitigations identified: {current.mitigations}")
        lines.append(f"From the impact assessment “{assessment}”.")
        title = " ".join(current.description.split())
        owner_id = getattr(owner, "pk", owner) if owner is not None else assessment.ai_system.owner_id
        risk = risk_create(
            actor=actor,
            title=f"Harm: {title[:180]}" if len(title) <= 180 else f"Harm: {title[:179]}…",
            description="\n".join(lines),
            ai_systems=[assessment.ai_system],
            likelihood=_on_scale(current.likelihood, criteria.likelihood_size),
            consequence=_on_scale(current.severity, criteria.consequence_size),
            **({"owner_id": owner_id} if owner_id else {}),
            risk_source=f"Impact assessment: {assessment.title}"[:300],
        )
        return update_record(
            current,
            actor=actor,
            permission=Permission.CREATE,
            action=TrailAction.TRANSITION,
            context={"risk_created": str(risk)},
            linked_risk=risk,
        )


def harm_link_risk(*, actor: Actor, harm: Harm, risk) -> Harm:
    """Link a harm to a risk already in the register (or unlink it with ``risk=None``), at any status but superseded."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = _linkable_harm(actor, harm)
        return update_record(current, actor=actor, action=TrailAction.TRANSITION, linked_risk=risk)
