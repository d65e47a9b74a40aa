"""Writes of readiness: a person's assessment of a clause requirement that no rule derives."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.locks import lock_rows
from openaims.base.services import create_record, update_record
from openaims.controls.annex import clause_requirements
from openaims.controls.choices import ReadinessStatus
from openaims.controls.models import RequirementAssessment
from openaims.evidence.models import Evidence
from openaims.evidence.selectors import valid_q


def _ids(values) -> list[str]:
    return [str(getattr(v, "pk", v)) for v in values]


def requirement_assessment_set(
    *, actor: Actor, requirement_id: str, status: str, evidence=None, notes: str | None = None
) -> RequirementAssessment:
    """Set the status of a clause requirement, with its evidence and notes, as the acting member.

    Refused for a requirement that a rule derives from records (the rule decides), and "met" is refused
    unless at least one linked evidence item has not expired; each error names its field.
    """
    from openaims.controls.selectors.readiness import rule_for

    actor.require(Permission.CHANGE)
    known = {item.id for item in clause_requirements()}
    if requirement_id not in known:
        raise ValidationError({"requirement_id": [f"No clause requirement {requirement_id!r} in ISO/IEC 42001."]})
    if rule_for(requirement_id) is not None:
        raise ValidationError(
            {"requirement_id": [f"{requirement_id} is derived from records; fix the records it names instead."]}
        )
    if status not in ReadinessStatus.values:
        raise ValidationError({"status": [f"Unknown status {status!r} (use {', '.join(ReadinessStatus.values)})."]})
    if evidence is not None and not isinstance(evidence, list | tuple):
        raise ValidationError({"evidence": ["Must be a list (an empty list for none)."]})
    with transaction.atomic():
        existing = (
            lock_rows(RequirementAssessment.objects, actor.organization)
            .filter(organization=actor.organization, requirement_id=requirement_id)
            .first()
        )
        if evidence is None:
            evidence = list(existing.evidence.all()) if existing is not None else []
        if status == ReadinessStatus.MET:
            valid = Evidence.objects.filter(valid_q(), organization=actor.organization, pk__in=_ids(evidence))
            if not valid.exists():
                raise ValidationError(
                    {"evidence": ["“Met” needs at least one linked evidence item that has not expired."]}
                )
        fields = {"status": status, "evidence": evidence, "set_by": actor.user, "set_by_label": actor.label[:300]}
        if notes is not None:
            fields["notes"] = notes
        if existing is None:
            return create_record(RequirementAssessment, actor=actor, requirement_id=requirement_id, **fields)
        return update_record(existing, actor=actor, **fields)
