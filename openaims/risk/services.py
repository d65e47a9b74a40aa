"""Every write of the risk register. Keyword-only, one transaction each, trail recorded.

``risk_create(*, actor, **fields)`` is also how other apps (impact assessments) put a harm into the register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import Membership
from openaims.base.context import Actor
from openaims.base.locks import lock_rows
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.risk import scoring
from openaims.risk.choices import ActionStatus, RiskStatus, level_above
from openaims.risk.models import Risk, RiskAction, RiskCriteria, objectives, risk_sources
from openaims.risk.selectors import criteria_for

#: Roles that may accept a risk whose level is above the acceptance threshold (escalation).
ESCALATION_ROLES = (Role.OWNER, Role.ADMIN)
_RATINGS = ("likelihood", "consequence", "residual_likelihood", "residual_consequence")
_ACCEPTANCE = ("accepted_by", "accepted_at")


def _check_members(actor: Actor, fields: dict) -> None:
    """Refuse owners who are not members of the actor's organization, naming the field."""
    for name in ("ai_systems", "controls", "evidence"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: ["Must be a list (an empty list for none)."]})
    for name in ("owner", "owner_id"):
        value = fields.get(name)
        if value is None:
            continue
        pk = str(getattr(value, "pk", value))
        if not Membership.objects.filter(organization=actor.organization, user_id=pk).exists():
            raise ValidationError({name.removesuffix("_id"): [f"No member with id {pk} in this organization."]})


def _annex_c_id(value, items: dict[str, str]) -> str:
    """An Annex C id given as its id (any case) or its title; anything else unchanged."""
    text = str(value).strip()
    if text.upper() in items:
        return text.upper()
    return {title.lower(): item_id for item_id, title in items.items()}.get(text.lower(), text)


def _normalize(fields: dict) -> dict:
    """Annex C risk sources and objectives given by title become their ids; text is trimmed."""
    fields = dict(fields)
    if isinstance(fields.get("risk_source"), str):
        fields["risk_source"] = _annex_c_id(fields["risk_source"], risk_sources())
    if isinstance(fields.get("affected_objectives"), list | tuple):
        fields["affected_objectives"] = [_annex_c_id(o, objectives()) for o in fields["affected_objectives"]]
    return fields


def _check_ratings(criteria: RiskCriteria, values: dict) -> None:
    """Each rating on the criteria's scale, the error naming the field and the scale."""
    errors = {}
    for name in _RATINGS:
        value = values.get(name)
        size = criteria.likelihood_size if "likelihood" in name else criteria.consequence_size
        if value is None:
            if name in ("likelihood", "consequence"):
                errors[name] = [f"Rate it from 1 to {size}."]
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= size:
            labels = criteria.likelihood_labels if "likelihood" in name else criteria.consequence_labels
            errors[name] = [f"Must be a whole number from 1 to {size} ({labels[0]} … {labels[-1]}), not {value!r}."]
    if errors:
        raise ValidationError(errors)


def _levels(criteria: RiskCriteria, values: dict) -> dict:
    return {
        "inherent_level": criteria.level(values.get("likelihood"), values.get("consequence")),
        "residual_level": criteria.level(values.get("residual_likelihood"), values.get("residual_consequence")),
    }


def _status_after_lapse(risk: Risk) -> str:
    return RiskStatus.TREATING if risk.treatment_option else RiskStatus.ASSESSED


# --- Risks -----------------------------------------------------------------------------------------------


def risk_create(*, actor: Actor, **fields) -> Risk:
    """Add a risk to the register, its levels computed from the organization's criteria.

    Accepts the model's fields (``ai_systems`` and ``controls`` as records or ids, ``owner`` or ``owner_id``);
    ``risk_source`` is an Annex C id or title, or the organization's own words. Without a review date, the next
    review is due after the criteria's review interval. A new risk cannot start accepted: use :func:`risk_accept`.
    """
    actor.require(Permission.CREATE)
    fields = _normalize(fields)
    _check_members(actor, fields)
    if fields.get("status") == RiskStatus.ACCEPTED:
        raise ValidationError({"status": ["A risk is accepted by its owner with the accept action, not on creation."]})
    with transaction.atomic():
        criteria = criteria_for(actor.organization)
        _check_ratings(criteria, fields)
        fields.update(_levels(criteria, fields))
        if not fields.get("review_date"):
            fields["review_date"] = timezone.localdate() + dt.timedelta(days=criteria.review_interval_days)
        return create_record(Risk, actor=actor, **fields)


def risk_update(*, actor: Actor, risk: Risk, **fields) -> Risk:
    """Change a risk; levels follow the ratings. An acceptance lapses when the level it accepted changes."""
    actor.require(Permission.CHANGE)
    fields = _normalize(fields)
    _check_members(actor, fields)
    for name in ("likelihood", "consequence"):
        if name in fields and fields[name] is None:
            raise ValidationError({name: ["Must not be empty."]})
    with transaction.atomic():
        current = lock_rows(Risk.objects, actor.organization).get(pk=risk.pk)
        if fields.get("status") == RiskStatus.ACCEPTED and current.status != RiskStatus.ACCEPTED:
            raise ValidationError({"status": ["Use the accept action: acceptance records who accepted and why."]})
        criteria = criteria_for(actor.organization)
        values = {name: fields.get(name, getattr(current, name)) for name in _RATINGS}
        _check_ratings(criteria, values)
        fields.update(_levels(criteria, values))
        context = {}
        if current.status == RiskStatus.ACCEPTED:
            new_level = fields["residual_level"] or fields["inherent_level"]
            leaving = fields.get("status", RiskStatus.ACCEPTED) != RiskStatus.ACCEPTED
            if new_level != current.level or leaving:
                fields.update(accepted_by=None, accepted_at=None)
                if not leaving:
                    fields["status"] = _status_after_lapse(current)
                    context["acceptance"] = f"withdrawn: level changed from {current.level} to {new_level}"
        return update_record(risk, actor=actor, context=context, **fields)


def risk_delete(*, actor: Actor, risk: Risk) -> None:
    """Delete a risk and its actions (each action's deletion is in the trail too)."""
    actor.require(Permission.DELETE)
    with transaction.atomic():
        for action in RiskAction.objects.filter(risk=risk):
            delete_record(action, actor=actor)
        delete_record(risk, actor=actor)


def acceptance_problem(actor: Actor, risk: Risk, rationale: str, criteria: RiskCriteria) -> dict | None:
    """Why ``actor`` may not accept ``risk`` now (as field errors), or None."""
    if risk.status == RiskStatus.CLOSED:
        return {"status": ["A closed risk is not accepted."]}
    above = level_above(risk.level, criteria.acceptance_threshold)
    is_owner = actor.user is not None and risk.owner_id == actor.user.pk
    if above:
        if actor.role not in ESCALATION_ROLES:
            return {
                "__all__": [
                    f"The risk is {risk.level}, above the acceptance threshold ({criteria.acceptance_threshold}): "
                    "only an admin or owner of the organization may accept it."
                ]
            }
        if not rationale.strip():
            return {
                "acceptance_rationale": [
                    f"Required: the risk is {risk.level}, above the acceptance threshold "
                    f"({criteria.acceptance_threshold})."
                ]
            }
    elif not is_owner and actor.role not in ESCALATION_ROLES:
        return {"__all__": ["Only the risk's owner (or an admin or owner of the organization) may accept it."]}
    return None


def risk_accept(*, actor: Actor, risk: Risk, rationale: str = "") -> Risk:
    """The risk owner accepts the remaining risk, with a rationale; above the threshold it takes an admin or owner."""
    actor.require(Permission.CHANGE)
    with transaction.atomic():
        current = lock_rows(Risk.objects, actor.organization).get(pk=risk.pk)
        criteria = criteria_for(actor.organization)
        if problem := acceptance_problem(actor, current, rationale, criteria):
            raise ValidationError(problem)
        return update_record(
            risk,
            actor=actor,
            action=TrailAction.TRANSITION,
            context={"accepted_level": current.level, "threshold": criteria.acceptance_threshold},
            status=RiskStatus.ACCEPTED,
            acceptance_rationale=rationale.strip(),
            accepted_by=actor.user,
            accepted_at=timezone.now(),
        )


# --- Treatment actions -----------------------------------------------------------------------------------


def _completion(fields: dict, action: RiskAction | None = None) -> dict:
    status = fields.get("status", action.status if action else ActionStatus.OPEN)
    if status == ActionStatus.DONE and (action is None or action.completed_on is None):
        fields["completed_on"] = timezone.localdate()
    elif status == ActionStatus.OPEN:
        fields["completed_on"] = None
    return fields


def risk_action_create(*, actor: Actor, **fields) -> RiskAction:
    actor.require(Permission.CREATE)
    _check_members(actor, fields)
    return create_record(RiskAction, actor=actor, **_completion(fields))


def risk_action_update(*, actor: Actor, risk_action: RiskAction, **fields) -> RiskAction:
    actor.require(Permission.CHANGE)
    _check_members(actor, fields)
    current = RiskAction.objects.filter(pk=risk_action.pk).first() or risk_action
    return update_record(risk_action, actor=actor, **_completion(fields, current))


def risk_action_delete(*, actor: Actor, risk_action: RiskAction) -> None:
    delete_record(risk_action, actor=actor)


# --- Criteria and re-scoring -----------------------------------------------------------------------------


@dataclass
class LevelChange:
    """How one risk's levels moved when the criteria changed."""

    risk: Risk
    inherent_before: str
    inherent_after: str
    residual_before: str
    residual_after: str
    acceptance_withdrawn: bool = False

    def describe(self) -> str:
        parts = []
        if self.inherent_before != self.inherent_after:
            parts.append(f"inherent {self.inherent_before or '—'} → {self.inherent_after or '—'}")
        if self.residual_before != self.residual_after:
            parts.append(f"residual {self.residual_before or '—'} → {self.residual_after or '—'}")
        if self.acceptance_withdrawn:
            parts.append("acceptance withdrawn")
        return f"{self.risk}: " + ", ".join(parts)


@dataclass
class CriteriaChange:
    criteria: RiskCriteria
    changes: list[LevelChange] = field(default_factory=list)
    rescored: int = 0


_CRITERIA_FIELDS = (
    "likelihood_labels",
    "consequence_labels",
    "matrix",
    "acceptance_threshold",
    "methodology",
    "review_interval_days",
)


def risk_criteria_update(*, actor: Actor, **fields) -> CriteriaChange:
    """Set the organization's risk criteria and re-score every risk in the same transaction.

    When a scale changes size without a new matrix, the default matrix of the new size applies; ratings move
    to the new scale keeping both ends (5 of 5 becomes 7 of 7). Returns the risks whose level changed.
    An acceptance lapses when the accepted level changes, or when the risk is now above the threshold
    and was accepted without a rationale.
    """
    actor.require(Permission.APPROVE)
    unknown = sorted(set(fields) - set(_CRITERIA_FIELDS))
    if unknown:
        raise ValidationError({name: ["Not a field of the risk criteria."] for name in unknown})
    with transaction.atomic():
        existing = lock_rows(RiskCriteria.objects, actor.organization).filter(organization=actor.organization).first()
        old = existing or RiskCriteria(organization=actor.organization)
        old_matrix, old_sizes = old.matrix, (old.likelihood_size, old.consequence_size)
        wanted = {name: fields.get(name, getattr(old, name)) for name in _CRITERIA_FIELDS}
        probe = RiskCriteria(organization=actor.organization, **wanted)
        new_sizes = (probe.likelihood_size, probe.consequence_size)
        if (
            "matrix" not in fields
            and new_sizes != old_sizes
            and all(scoring.MIN_SCALE <= n <= scoring.MAX_SCALE for n in new_sizes)
        ):
            wanted["matrix"] = scoring.default_matrix(*new_sizes)
        if existing is None:
            criteria = create_record(RiskCriteria, actor=actor, permission=Permission.APPROVE, **wanted)
        else:
            changed = {k: v for k, v in wanted.items() if getattr(existing, k) != v}
            criteria = update_record(existing, actor=actor, permission=Permission.APPROVE, **changed)
        result = CriteriaChange(criteria=criteria)
        same_threshold = wanted["acceptance_threshold"] == old.acceptance_threshold
        if criteria.matrix == old_matrix and new_sizes == old_sizes and same_threshold:
            return result
        for risk in (
            lock_rows(Risk.objects, actor.organization).filter(organization=actor.organization).order_by("title")
        ):
            change = _rescore(actor, risk, criteria, old_sizes, new_sizes)
            result.rescored += 1
            if change is not None:
                result.changes.append(change)
        return result


def _rescore(actor, risk: Risk, criteria: RiskCriteria, old_sizes, new_sizes) -> LevelChange | None:
    ratings = {
        "likelihood": scoring.rescale(risk.likelihood, old_sizes[0], new_sizes[0]),
        "consequence": scoring.rescale(risk.consequence, old_sizes[1], new_sizes[1]),
        "residual_likelihood": scoring.rescale(risk.residual_likelihood, old_sizes[0], new_sizes[0]),
        "residual_consequence": scoring.rescale(risk.residual_consequence, old_sizes[1], new_sizes[1]),
    }
    levels = _levels(criteria, ratings)
    new_level = levels["residual_level"] or levels["inherent_level"]
    fields = {**ratings, **levels}
    withdrawn = risk.status == RiskStatus.ACCEPTED and (
        new_level != risk.level
        or (level_above(new_level, criteria.acceptance_threshold) and not risk.acceptance_rationale.strip())
    )
    if withdrawn:
        fields.update(status=_status_after_lapse(risk), accepted_by=None, accepted_at=None)
    if all(getattr(risk, k) == v for k, v in fields.items()):
        return None
    change = LevelChange(
        risk=risk,
        inherent_before=risk.inherent_level,
        inherent_after=levels["inherent_level"],
        residual_before=risk.residual_level,
        residual_after=levels["residual_level"],
        acceptance_withdrawn=withdrawn,
    )
    update_record(
        risk, actor=actor, permission=Permission.APPROVE, context={"reason": "risk criteria changed"}, **fields
    )
    levels_moved = change.inherent_before != change.inherent_after or change.residual_before != change.residual_after
    return change if levels_moved or withdrawn else None


# --- Significant changes of an AI system (8.2) -----------------------------------------------------------


def review_risks_on_significant_change(*, actor: Actor, change) -> int:
    """Listener of ``openaims.inventory.changes``: a significant change of an AI system brings the review of its
    open and accepted risks forward to today (8.2: assess again when significant changes occur).

    Written by the system in the name of the change's author (who may not hold the change right on risks).
    Returns how many risks were brought forward.
    """
    from openaims.base.context import system_actor
    from openaims.risk.selectors import REVIEWED_STATUSES

    today = timezone.localdate()
    due = Risk.objects.filter(
        organization=actor.organization, ai_systems=change.ai_system, status__in=REVIEWED_STATUSES
    ).exclude(review_date__lte=today)
    writer = system_actor(actor.organization, label=f"system (significant change by {actor.label})")
    count = 0
    for risk in due.distinct():
        update_record(
            risk,
            actor=writer,
            context={"reason": f"{change.detail} ({change.ai_system}): review due"},
            review_date=today,
        )
        count += 1
    return count
