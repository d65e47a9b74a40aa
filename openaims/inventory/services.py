"""Every write of the inventory. Keyword-only, one transaction each, trail recorded."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.accounts.models import Membership
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.inventory.changes import ChangeKind, SignificantChange, notify
from openaims.inventory.choices import LIFECYCLE_ORDER, LIVE_STAGES, LifecycleStage, ModelVersionStatus
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier

MIN_REASON_LENGTH = 10
#: Fields whose change is a new purpose of the AI system (a significant change).
PURPOSE_FIELDS = ("purpose", "intended_use")


def _check_owner(actor: Actor, owner) -> None:
    if owner is None:
        return
    owner_id = getattr(owner, "pk", owner)
    if not Membership.objects.filter(organization=actor.organization, user_id=owner_id).exists():
        raise ValidationError({"owner": [f"No member with id {owner_id} in this organization."]})


def _normalise_tags(fields: dict) -> None:
    if isinstance(fields.get("tags"), list):
        fields["tags"] = sorted({t.strip().lower() for t in fields["tags"] if isinstance(t, str) and t.strip()})


def ai_system_create(*, actor: Actor, **fields) -> AISystem:
    """Register an AI system. Starting in a live stage needs the approve right and records the approver."""
    _normalise_tags(fields)
    stage = fields.get("lifecycle_stage", LifecycleStage.IDEA)
    with transaction.atomic():
        _check_owner(actor, fields.get("owner") or fields.get("owner_id"))
        if stage in LIVE_STAGES:
            actor.require(Permission.APPROVE)
            fields["deployment_approved_by"] = actor.user
            fields["deployment_approved_at"] = timezone.now()
        return create_record(AISystem, actor=actor, **fields)


def ai_system_update(*, actor: Actor, ai_system: AISystem, **fields) -> AISystem:
    """Change an AI system's descriptive fields. The life cycle stage changes only by transition."""
    if "lifecycle_stage" in fields and fields["lifecycle_stage"] != ai_system.lifecycle_stage:
        raise ValidationError({"lifecycle_stage": ["Change the life cycle stage with a transition, not an edit."]})
    fields.pop("lifecycle_stage", None)
    _normalise_tags(fields)
    with transaction.atomic():
        if "owner" in fields or "owner_id" in fields:
            _check_owner(actor, fields.get("owner") or fields.get("owner_id"))
        before = {name: getattr(ai_system, name) for name in PURPOSE_FIELDS}
        ai_system = update_record(ai_system, actor=actor, **fields)
        changed = [name for name in PURPOSE_FIELDS if getattr(ai_system, name) != before[name]]
        if changed:
            labels = ", ".join(str(AISystem._meta.get_field(name).verbose_name) for name in changed)
            notify(actor=actor, change=SignificantChange(ai_system, ChangeKind.PURPOSE, f"{labels} changed"))
        return ai_system


def lifecycle_transition_problem(current: str, target: str, reason: str) -> str | None:
    """Why a move from ``current`` to ``target`` is refused, or None.

    One step forward or back needs no reason, nor does retiring a live system; any other jump
    (e.g. idea → retired, design → deployed) needs a reason of at least ten characters.
    """
    if target not in LIFECYCLE_ORDER:
        return f"Unknown stage {target!r}."
    if target == current:
        return f"The system is already in stage {LifecycleStage(current).label!r}."
    distance = LIFECYCLE_ORDER.index(target) - LIFECYCLE_ORDER.index(current)
    plain = abs(distance) == 1 or (target == LifecycleStage.RETIRED and current in LIVE_STAGES)
    if not plain and len(reason.strip()) < MIN_REASON_LENGTH:
        return (
            f"Moving from {LifecycleStage(current).label!r} to {LifecycleStage(target).label!r} skips stages: "
            f"give a reason of at least {MIN_REASON_LENGTH} characters."
        )
    return None


def ai_system_transition(*, actor: Actor, ai_system: AISystem, to_stage: str, reason: str = "") -> AISystem:
    """Move an AI system to another life cycle stage. Deployment records who approved it."""
    actor.require(Permission.CHANGE)
    problem = lifecycle_transition_problem(ai_system.lifecycle_stage, to_stage, reason or "")
    if problem:
        raise ValidationError({"to_stage": [problem]})
    fields: dict = {"lifecycle_stage": to_stage}
    if to_stage in LIVE_STAGES and ai_system.lifecycle_stage not in LIVE_STAGES:
        actor.require(Permission.APPROVE)
        fields["deployment_approved_by"] = actor.user
        fields["deployment_approved_at"] = timezone.now()
    with transaction.atomic():
        before = LifecycleStage(ai_system.lifecycle_stage).label
        ai_system = update_record(
            ai_system, actor=actor, action=TrailAction.TRANSITION, context={"reason": reason.strip()}, **fields
        )
        detail = f"{before} → {LifecycleStage(to_stage).label}"
        notify(actor=actor, change=SignificantChange(ai_system, ChangeKind.LIFECYCLE, detail))
        return ai_system


def ai_system_delete(*, actor: Actor, ai_system: AISystem) -> None:
    delete_record(ai_system, actor=actor)


def _deployed(actor: Actor, model_version: ModelVersion) -> None:
    detail = f"model version {model_version.version} deployed"
    notify(actor=actor, change=SignificantChange(model_version.ai_system, ChangeKind.MODEL_DEPLOYED, detail))


def model_version_create(*, actor: Actor, **fields) -> ModelVersion:
    with transaction.atomic():
        model_version = create_record(ModelVersion, actor=actor, **fields)
        if model_version.status == ModelVersionStatus.DEPLOYED:
            _deployed(actor, model_version)
        return model_version


def model_version_update(*, actor: Actor, model_version: ModelVersion, **fields) -> ModelVersion:
    with transaction.atomic():
        was_deployed = ModelVersion.objects.filter(pk=model_version.pk, status=ModelVersionStatus.DEPLOYED).exists()
        model_version = update_record(model_version, actor=actor, **fields)
        if model_version.status == ModelVersionStatus.DEPLOYED and not was_deployed:
            _deployed(actor, model_version)
        return model_version


def model_version_delete(*, actor: Actor, model_version: ModelVersion) -> None:
    delete_record(model_version, actor=actor)


def dataset_create(*, actor: Actor, **fields) -> Dataset:
    return create_record(Dataset, actor=actor, **fields)


def dataset_update(*, actor: Actor, dataset: Dataset, **fields) -> Dataset:
    return update_record(dataset, actor=actor, **fields)


def dataset_delete(*, actor: Actor, dataset: Dataset) -> None:
    delete_record(dataset, actor=actor)


def supplier_create(*, actor: Actor, **fields) -> Supplier:
    return create_record(Supplier, actor=actor, **fields)


def supplier_update(*, actor: Actor, supplier: Supplier, **fields) -> Supplier:
    return update_record(supplier, actor=actor, **fields)


def supplier_delete(*, actor: Actor, supplier: Supplier) -> None:
    delete_record(supplier, actor=actor)
