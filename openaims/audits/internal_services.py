"""Every write of the internal audit (9.2) and the improvement register (10.1). Keyword-only, one transaction each,
trail recorded; locks only through :mod:`openaims.base.locks` (the organization first).

Impartiality: nobody audits their own work. The lead auditor and the team may not own an AI system in the audit's
scope (named or sampled), nor own or have decided (changed, as the trail records) the SoA entry of a control in its
scope; the refusal names the field and why.

Life of an audit: planned → in progress (:func:`internal_audit_start`) → reported (:func:`internal_audit_report`,
every checklist line has a finding) → closed (:func:`internal_audit_close`). Findings are recorded on checklist
lines while the audit is in progress; a major or minor nonconformity opens a Nonconformity (source internal audit)
through the nonconformity services, an opportunity for improvement an entry of the improvement register.
"""

from __future__ import annotations

import random
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.audits import services as nc_services
from openaims.audits.choices import (
    NONCONFORMITY_FINDINGS,
    AuditFinding,
    ChecklistItemKind,
    ImprovementSource,
    InternalAuditStatus,
    NonconformitySource,
)
from openaims.audits.models import AuditChecklistItem, AuditProgramme, Improvement, InternalAudit
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

PROGRAMME_FIELDS = {"name", "objectives", "frequency", "methods", "responsibilities", "criteria"}
AUDIT_FIELDS = {
    "title",
    "programme",
    "programme_id",
    "clause_ids",
    "control_ids",
    "ai_systems",
    "criteria",
    "lead_auditor",
    "lead_auditor_id",
    "team",
    "planned_start",
    "planned_end",
}
IMPROVEMENT_FIELDS = {"title", "description", "source", "owner", "owner_id", "status"}

#: Sampling weight of a system's worst open risk level (not rated: 0).
RISK_LEVEL_POINTS = {"low": 1, "medium": 2, "high": 4, "critical": 8}
#: Sampling weight of a system's current EU AI Act tier.
TIER_POINTS = {"prohibited": 8, "high_risk": 4, "gpai_model": 2, "limited_risk": 1}
#: Open risks counted in the weight, at most.
MAX_COUNTED_RISKS = 5
#: The key records checked for each sampled AI system (a checklist line each).
SYSTEM_RECORDS = (
    ("classification", "EU AI Act classification current and justified"),
    ("risks", "Risks assessed and treated"),
    ("impact", "Impact assessment done and kept"),
    ("monitoring", "Monitoring defined and results reviewed"),
)


def _text(fields: dict, *names: str) -> dict:
    for name in names:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


# --- Audit programmes -----------------------------------------------------------------------------------------


def audit_programme_create(*, actor: Actor, **fields) -> AuditProgramme:
    """Record an audit programme (objectives, frequency, methods, responsibilities, criteria)."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, PROGRAMME_FIELDS)
    return create_record(AuditProgramme, actor=actor, **_text(dict(fields), "name"))


def audit_programme_update(*, actor: Actor, audit_programme: AuditProgramme, **fields) -> AuditProgramme:
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, PROGRAMME_FIELDS)
    return update_record(audit_programme, actor=actor, **_text(dict(fields), "name"))


def audit_programme_delete(*, actor: Actor, audit_programme: AuditProgramme) -> None:
    """Delete a programme no audit was planned from (audits keep theirs)."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        lock_organization(actor.organization)
        count = InternalAudit.objects.filter(programme=audit_programme).count()
        if count:
            raise ValidationError({"programme": [f"{count} internal audit(s) were planned from it: it is kept."]})
        delete_record(audit_programme, actor=actor)


# --- Impartiality ---------------------------------------------------------------------------------------------


def _decided_entries(organization, entries: list, people: list) -> dict:
    """``{user id: {control ids}}``: SoA entries in scope each person changed (the trail's update events, by the
    user or one of their API tokens). Creating the entries is bookkeeping; deciding them is authorship."""
    from openaims.accounts.models import ApiToken
    from openaims.base.models import TrailEvent
    from openaims.controls.models import SoAEntry

    if not entries or not people:
        return {}
    by_id = {str(entry.pk): entry.control_id for entry in entries}
    tokens = dict(ApiToken.objects.filter(user__in=people).values_list("pk", "user_id"))
    events = TrailEvent.objects.filter(
        organization=organization,
        object_type=SoAEntry.object_type(),
        object_id__in=list(by_id),
        action__in=[TrailAction.UPDATE, TrailAction.TRANSITION],
    ).values_list("actor_type", "actor_id", "object_id")
    user_ids = {str(person.pk) for person in people}
    decided: dict[str, set[str]] = {}
    for actor_type, actor_id, object_id in events:
        if actor_type == "token":
            user = tokens.get(_uuid_or_none(actor_id))
            actor_id = str(user) if user else ""
        if actor_type in ("user", "token") and actor_id in user_ids:
            decided.setdefault(actor_id, set()).add(by_id[object_id])
    return decided


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None


def impartiality_problems(
    organization, *, lead_auditor, team, ai_system_ids, control_ids: list[str]
) -> dict[str, list[str]]:
    """``{field: [why]}`` for each auditor who would audit their own work: an AI system of the scope they own, an
    SoA entry of a control in scope they own, or one they decided (changed, per the trail). Empty when impartial."""
    from openaims.controls.models import SoAEntry
    from openaims.inventory.models import AISystem

    problems: dict[str, list[str]] = {}
    people = [("lead_auditor", lead_auditor)] + [("team", member) for member in team or ()]
    systems = list(AISystem.objects.filter(organization=organization, pk__in=list(ai_system_ids), owner__isnull=False))
    entries = list(SoAEntry.objects.filter(organization=organization, control_id__in=control_ids or []))
    decided = _decided_entries(organization, entries, [person for _, person in people if person is not None])
    for field, person in people:
        if person is None:
            continue
        who = f"{person.username} " if field == "team" else ""
        for system in systems:
            if system.owner_id == person.pk:
                problems.setdefault(field, []).append(f"{who}owns the AI system '{system.name}' in this audit's scope")
        for entry in entries:
            if entry.owner_id == person.pk:
                problems.setdefault(field, []).append(
                    f"{who}owns the SoA entry '{entry.control_id}' of a control in this audit's scope"
                )
            elif entry.control_id in decided.get(str(person.pk), ()):
                problems.setdefault(field, []).append(
                    f"{who}decided the SoA entry '{entry.control_id}' of a control in this audit's scope"
                )
    return problems


def _check_impartiality(audit: InternalAudit, *, extra_system_ids=()) -> None:
    system_ids = {*audit.ai_systems.values_list("pk", flat=True), *audit.sampled_systems.values_list("pk", flat=True)}
    problems = impartiality_problems(
        audit.organization,
        lead_auditor=audit.lead_auditor,
        team=list(audit.team.all()),
        ai_system_ids=system_ids | set(extra_system_ids),
        control_ids=list(audit.control_ids or []),
    )
    if problems:
        raise ValidationError(problems)


# --- Internal audits ------------------------------------------------------------------------------------------


def _audit_fields(actor: Actor, fields: dict) -> dict:
    fields = _text(dict(fields), "title")
    if "lead_auditor_id" in fields:
        fields["lead_auditor"] = fields.pop("lead_auditor_id")
    if "lead_auditor" in fields:
        fields["lead_auditor"] = organization_member(actor, fields["lead_auditor"], "lead_auditor")
    if "team" in fields:
        if fields["team"] is None:
            raise ValidationError({"team": ["Must be a list (an empty list for none)."]})
        fields["team"] = [organization_member(actor, member, "team") for member in fields["team"]]
    if "programme_id" in fields:
        fields["programme"] = fields.pop("programme_id")
    if "programme" in fields:
        pk = getattr(fields["programme"], "pk", fields["programme"])
        found = AuditProgramme.objects.filter(organization=actor.organization, pk=pk).first() if pk else None
        if found is None:
            raise ValidationError({"programme": [f"No audit programme with id {pk} in this organization."]})
        fields["programme"] = found
    for name in ("clause_ids", "control_ids"):
        value = fields.get(name)
        if isinstance(value, list | tuple):
            fields[name] = [str(v).strip().upper() if name == "control_ids" else str(v).strip() for v in value]
        elif name in fields and value is None:
            fields[name] = []
    if "ai_systems" in fields and fields["ai_systems"] is None:
        raise ValidationError({"ai_systems": ["Must be a list (an empty list for none)."]})
    return fields


def _locked(audit: InternalAudit) -> InternalAudit:
    return lock_rows(InternalAudit.objects, audit.organization).get(pk=audit.pk)


def _refuse_unless(audit: InternalAudit, statuses: tuple, what: str) -> None:
    if audit.status not in statuses:
        raise ValidationError({"status": [f"{audit.reference} is {audit.get_status_display().lower()}: {what}."]})


def internal_audit_create(*, actor: Actor, **fields) -> InternalAudit:
    """Plan an audit from a programme; it gets the organization's next number (IA-0001) and starts planned."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, AUDIT_FIELDS)
    fields = _audit_fields(actor, fields)
    if "programme" not in fields:
        raise ValidationError({"programme": ["Required: the audit programme this audit is planned from."]})
    with transaction.atomic():
        lock_organization(actor.organization)
        audit = create_record(
            InternalAudit, actor=actor, number=next_number(InternalAudit, actor.organization), **fields
        )
        _check_impartiality(audit)
        return audit


def internal_audit_update(*, actor: Actor, internal_audit: InternalAudit, **fields) -> InternalAudit:
    """Change the plan of an audit not reported yet (the auditors stay impartial)."""
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, AUDIT_FIELDS)
    fields = _audit_fields(actor, fields)
    with transaction.atomic():
        current = _locked(internal_audit)
        _refuse_unless(current, (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS), "its plan is kept")
        updated = update_record(internal_audit, actor=actor, **fields)
        _check_impartiality(updated)
        return updated


def internal_audit_delete(*, actor: Actor, internal_audit: InternalAudit) -> None:
    """Delete a planned audit and its checklist (each deletion in the trail); started audits are records."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        current = _locked(internal_audit)
        _refuse_unless(current, (InternalAuditStatus.PLANNED,), "only a planned audit is deleted")
        for item in AuditChecklistItem.objects.filter(audit=current):
            delete_record(item, actor=actor)
        delete_record(internal_audit, actor=actor)


def _transition(actor: Actor, audit: InternalAudit, reason: str, **fields) -> InternalAudit:
    return update_record(
        audit,
        actor=actor,
        permission=Permission.CHANGE,
        action=TrailAction.TRANSITION,
        context={"reason": reason},
        **fields,
    )


def internal_audit_start(*, actor: Actor, internal_audit: InternalAudit) -> InternalAudit:
    """A planned audit starts (today); findings are recorded from now on."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = _locked(internal_audit)
        _refuse_unless(current, (InternalAuditStatus.PLANNED,), "it has already started")
        _check_impartiality(current)
        return _transition(
            actor, current, "audit started", status=InternalAuditStatus.IN_PROGRESS, started_on=timezone.localdate()
        )


def internal_audit_report(*, actor: Actor, internal_audit: InternalAudit, summary: str) -> InternalAudit:
    """Issue the audit's results (9.2.2): every checklist line has a finding, and a summary for management."""
    actor.require(Permission.CHANGE)
    summary = (summary or "").strip()
    with transaction.atomic():
        current = _locked(internal_audit)
        _refuse_unless(current, (InternalAuditStatus.IN_PROGRESS,), "only an audit in progress is reported")
        if not summary:
            raise ValidationError({"summary": ["Required: the conclusions reported to management."]})
        lines = AuditChecklistItem.objects.filter(audit=current)
        if not lines.exists():
            raise ValidationError({"checklist": ["Generate the checklist and record the findings first."]})
        open_lines = lines.filter(finding="").count()
        if open_lines:
            raise ValidationError({"checklist": [f"{open_lines} checklist line(s) have no finding yet."]})
        return _transition(
            actor,
            current,
            "results reported",
            status=InternalAuditStatus.REPORTED,
            reported_on=timezone.localdate(),
            report_summary=summary,
        )


def internal_audit_close(*, actor: Actor, internal_audit: InternalAudit) -> InternalAudit:
    """Close a reported audit once every nonconformity finding has its Nonconformity."""
    actor.require(Permission.APPROVE)
    with transaction.atomic():
        current = _locked(internal_audit)
        _refuse_unless(current, (InternalAuditStatus.REPORTED,), "only a reported audit is closed")
        missing = AuditChecklistItem.objects.filter(
            audit=current, finding__in=list(NONCONFORMITY_FINDINGS), nonconformity__isnull=True
        ).count()
        if missing:
            raise ValidationError({"checklist": [f"{missing} nonconformity finding(s) have no nonconformity."]})
        return _transition(actor, current, "audit closed", status=InternalAuditStatus.CLOSED)


# --- Sampling -------------------------------------------------------------------------------------------------


def sampling_weight(ai_system) -> tuple[int, str]:
    """How strongly an AI system is drawn into an audit's sample, and why (a text for the record).

    ``weight = 1 + points of its worst open risk level (low 1, medium 2, high 4, critical 8) + points of its current
    EU AI Act tier (prohibited 8, high-risk 4, general-purpose model 2, limited risk 1) + its open risks (at most 5)``.
    Every system keeps a chance (weight ≥ 1); a high-risk system with critical open risks is drawn far more often,
    which is where an audit finds most. Each term is read from records: the risk register and the classification.
    """
    from openaims.inventory.selectors import current_classification
    from openaims.risk.choices import RiskStatus

    risks = list(ai_system.risks.exclude(status=RiskStatus.CLOSED))
    levels = [RISK_LEVEL_POINTS.get(risk.level, 0) for risk in risks]
    level_points = max(levels, default=0)
    classification = current_classification(ai_system)
    tier = classification.tier if classification is not None else ""
    tier_points = TIER_POINTS.get(tier, 0)
    risk_points = min(len(risks), MAX_COUNTED_RISKS)
    weight = 1 + level_points + tier_points + risk_points
    basis = (
        f"1 + worst open risk {level_points} + tier {tier or 'unclassified'} {tier_points} + open risks {risk_points}"
    )
    return weight, basis


def draw_weighted(candidates: list[tuple[str, int]], size: int, seed: int) -> list[str]:
    """``size`` keys drawn without replacement, each with probability proportional to its weight, reproducibly.

    Efraimidis-Spirakis: each key gets ``u ** (1 / weight)`` with ``u`` uniform from ``random.Random(seed)`` in the
    candidates' order; the largest keys win. The same candidates, weights and seed always give the same sample.
    """
    rng = random.Random(seed)
    keyed = [(rng.random() ** (1.0 / weight), key) for key, weight in candidates]
    keyed.sort(reverse=True)
    return [key for _, key in keyed[:size]]


def internal_audit_draw_sample(*, actor: Actor, audit: InternalAudit, size: int, seed: int) -> InternalAudit:
    """Draw the audit's sample of AI systems, risk-weighted (:func:`sampling_weight`), reproducible from ``seed``.

    The population is the audit's AI systems when its scope names some, else every in-scope system of the
    inventory. The seed, each candidate's weight and basis, and the systems drawn are recorded on the audit.
    """
    from openaims.inventory.models import AISystem

    actor.require(Permission.CHANGE)
    if not isinstance(size, int) or size < 1:
        raise ValidationError({"size": ["Must be a whole number of at least 1."]})
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ValidationError({"seed": ["Must be a whole number from 0 to 2^63 - 1."]})
    with transaction.atomic():
        current = _locked(audit)
        _refuse_unless(
            current, (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS), "its sample is kept as drawn"
        )
        population = current.ai_systems.all() if current.ai_systems.exists() else None
        if population is None:
            population = AISystem.objects.filter(organization=actor.organization, in_scope=True)
        systems = list(population.order_by("name"))
        if not systems:
            raise ValidationError({"size": ["No AI system to draw from: the inventory has none in scope."]})
        if size > len(systems):
            raise ValidationError({"size": [f"Larger than the {len(systems)} AI system(s) to draw from."]})
        weights = []
        for system in systems:
            weight, basis = sampling_weight(system)
            weights.append({"ai_system_id": str(system.pk), "name": system.name, "weight": weight, "basis": basis})
        drawn = draw_weighted([(w["ai_system_id"], w["weight"]) for w in weights], size, seed)
        _check_impartiality(current, extra_system_ids=drawn)
        return update_record(
            current,
            actor=actor,
            permission=Permission.CHANGE,
            context={"reason": f"sample of {size} drawn with seed {seed}"},
            sample_seed=seed,
            sample_weights=weights,
            sampled_systems=drawn,
        )


# --- Checklist ------------------------------------------------------------------------------------------------


def _requirements_in_scope(ids: list[str]) -> list:
    """The clause requirements named by the scope: a requirement itself, or every requirement under a clause."""
    from openaims.controls.annex import clause_requirements, iso42001

    framework = iso42001()
    wanted = set(ids)
    found = []
    for item in clause_requirements():
        chain = {item.id, *(a.id for a in framework.ancestors(item.id))}
        if chain & wanted:
            found.append(item)
    return found


def _applicable_controls(organization, ids: list[str]) -> list[tuple[str, str]]:
    """``(control id, title)`` of the controls in scope that the latest issued SoA lists as applicable."""
    from openaims.controls.models import SoAVersion

    issued = SoAVersion.objects.filter(organization=organization).order_by("-number").first()
    if issued is None:
        return []
    rows = {row.get("control_id"): row for row in issued.entries}
    return [(cid, rows[cid].get("title", "")) for cid in ids if cid in rows and rows[cid].get("applicable")]


def internal_audit_generate_checklist(*, actor: Actor, audit: InternalAudit) -> list[AuditChecklistItem]:
    """Add the checklist lines the scope calls for and the audit lacks: one per clause requirement in scope, one per
    control in scope that the issued SoA lists as applicable, and one per key record of each sampled AI system (the
    named ones when nothing was sampled). Lines already there (and their findings) stay. Returns the new lines."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = _locked(audit)
        _refuse_unless(current, (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS), "its checklist is kept")
        wanted: list[dict] = []
        for item in _requirements_in_scope(current.clause_ids or []):
            wanted.append({"kind": ChecklistItemKind.REQUIREMENT, "reference": item.id, "title": item.title})
        for control_id, title in _applicable_controls(actor.organization, current.control_ids or []):
            wanted.append({"kind": ChecklistItemKind.CONTROL, "reference": control_id, "title": title})
        systems = list(current.sampled_systems.order_by("name")) or list(current.ai_systems.order_by("name"))
        for system in systems:
            for key, title in SYSTEM_RECORDS:
                wanted.append(
                    {
                        "kind": ChecklistItemKind.RECORD,
                        "reference": key,
                        "ai_system": system,
                        "title": f"{system.name}: {title}"[:300],
                    }
                )
        existing = set(AuditChecklistItem.objects.filter(audit=current).values_list("kind", "reference", "ai_system"))
        position = AuditChecklistItem.objects.filter(audit=current).aggregate(p=Max("position"))["p"] or 0
        created = []
        for line in wanted:
            system = line.get("ai_system")
            if (line["kind"], line["reference"], system.pk if system else None) in existing:
                continue
            position += 1
            created.append(create_record(AuditChecklistItem, actor=actor, audit=current, position=position, **line))
        return created


def audit_checklist_item_record_finding(
    *, actor: Actor, item: AuditChecklistItem, finding: str, notes: str = "", evidence=()
) -> AuditChecklistItem:
    """Record the finding on a checklist line of an audit in progress.

    A major or minor nonconformity opens a Nonconformity (source internal audit) linked to the line, or changes the
    severity of the one already raised from it; an opportunity for improvement adds an entry to the improvement
    register. A line whose nonconformity still exists keeps a nonconformity finding.
    """
    actor.require(Permission.CHANGE)
    if finding not in AuditFinding.values:
        raise ValidationError({"finding": [f"Must be one of {', '.join(AuditFinding.values)}."]})
    with transaction.atomic():
        current = lock_rows(AuditChecklistItem.objects, actor.organization).select_related("audit").get(pk=item.pk)
        audit = _locked(current.audit)
        _refuse_unless(audit, (InternalAuditStatus.IN_PROGRESS,), "findings are recorded while it is in progress")
        fields: dict = {"finding": finding, "notes": (notes or "").strip(), "evidence": list(evidence or ())}
        nc = current.nonconformity
        if finding in NONCONFORMITY_FINDINGS:
            severity = NONCONFORMITY_FINDINGS[AuditFinding(finding)]
            if nc is None:
                fields["nonconformity"] = nc_services.nonconformity_create(
                    actor=actor, **_nonconformity_fields(audit, current, severity, fields)
                )
            elif nc.severity != severity and not nc.is_closed:
                nc_services.nonconformity_update(actor=actor, nonconformity=nc, severity=severity)
        elif nc is not None:
            raise ValidationError(
                {
                    "finding": [
                        f"{nc.reference} was raised from this line: close or delete it before changing the finding."
                    ]
                }
            )
        if finding == AuditFinding.OPPORTUNITY and current.improvement_id is None:
            fields["improvement"] = improvement_create(
                actor=actor,
                title=f"{audit.reference}: {current.title}"[:200],
                description=fields["notes"],
                source=ImprovementSource.INTERNAL_AUDIT,
            )
        return update_record(current, actor=actor, **fields)


def _nonconformity_fields(audit: InternalAudit, item: AuditChecklistItem, severity: str, fields: dict) -> dict:
    requirement_ids = [item.reference] if item.kind != ChecklistItemKind.RECORD else []
    return {
        "title": f"{audit.reference}: {item.title}"[:200],
        "description": fields["notes"] or f"Found by internal audit {audit}.",
        "source": NonconformitySource.INTERNAL_AUDIT,
        "severity": severity,
        "ai_system": item.ai_system,
        "requirement_ids": requirement_ids,
        "evidence": fields["evidence"],
    }


# --- Improvement register -------------------------------------------------------------------------------------


def _improvement_fields(actor: Actor, fields: dict) -> dict:
    fields = _text(dict(fields), "title", "description")
    if "owner_id" in fields:
        fields["owner"] = fields.pop("owner_id")
    if "owner" in fields:
        fields["owner"] = organization_member(actor, fields["owner"], "owner")
    if "description" in fields and fields["description"] is None:
        fields["description"] = ""
    return fields


def improvement_create(*, actor: Actor, **fields) -> Improvement:
    """Add an opportunity for improvement to the register (10.1)."""
    actor.require(Permission.CREATE)
    refuse_unsettable(fields, IMPROVEMENT_FIELDS)
    return create_record(Improvement, actor=actor, **_improvement_fields(actor, fields))


def improvement_update(*, actor: Actor, improvement: Improvement, **fields) -> Improvement:
    actor.require(Permission.CHANGE)
    refuse_unsettable(fields, IMPROVEMENT_FIELDS)
    return update_record(improvement, actor=actor, **_improvement_fields(actor, fields))


def improvement_delete(*, actor: Actor, improvement: Improvement) -> None:
    actor.require(Permission.DELETE)
    delete_record(improvement, actor=actor)
