"""Scoring: the default matrix, levels stored on risks, validation naming the field, re-scoring on new criteria."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.base.models import TrailEvent
from openaims.risk import scoring, services
from openaims.risk.choices import RiskStatus
from openaims.risk.models import Risk, RiskCriteria
from openaims.risk.selectors import criteria_for
from tests.risk.helpers import make_risk, make_system


def test_default_matrix_is_the_classic_5x5():
    matrix = scoring.default_matrix(5, 5)
    assert matrix[0][0] == "low" and matrix[4][4] == "critical"
    assert matrix[2][2] == "medium"  # 3 × 3 = 9
    assert matrix[3][3] == "high"  # 4 × 4 = 16
    assert matrix[3][4] == "critical"  # 4 × 5 = 20
    for size in range(3, 8):
        assert scoring.matrix_problems(scoring.default_matrix(size, size), size, size) == []


def test_matrix_problems_name_shape_level_and_monotony():
    assert "3 rows" in scoring.matrix_problems([["low"] * 3], 3, 3)[0]
    bad = scoring.default_matrix(3, 3)
    bad[0][0] = "severe"
    assert "not a level" in scoring.matrix_problems(bad, 3, 3)[0]
    drop = scoring.default_matrix(3, 3)
    drop[2][2] = "low"
    assert "must not drop" in scoring.matrix_problems(drop, 3, 3)[0]


def test_rescale_keeps_both_ends():
    assert [scoring.rescale(r, 5, 7) for r in range(1, 6)] == [1, 3, 4, 6, 7]
    assert [scoring.rescale(r, 5, 3) for r in range(1, 6)] == [1, 2, 2, 3, 3]
    assert scoring.rescale(None, 5, 3) is None


def test_risk_create_with_the_signature_other_apps_use(owner_actor):
    system = make_system(owner_actor)
    risk = services.risk_create(
        actor=owner_actor,
        title="Unfair refusals",
        description="Harm found in the impact assessment.",
        ai_systems=[system],
        likelihood=4,
        consequence=5,
        owner=owner_actor.user,
        risk_source="Level of automation",
    )
    assert risk.inherent_level == "critical" and risk.residual_level == ""
    assert risk.risk_source == "C.3.3" and list(risk.ai_systems.all()) == [system]
    assert risk.review_date is not None and risk.status == RiskStatus.IDENTIFIED
    event = TrailEvent.objects.get(object_id=str(risk.pk))
    assert event.action == "create" and event.changes_dict["inherent_level"] == [None, "critical"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"likelihood": 6}, "likelihood"),
        ({"consequence": 0}, "consequence"),
        ({"residual_likelihood": 2}, "residual_consequence"),
        ({"risk_source": "C.3.99"}, "risk_source"),
        ({"affected_objectives": ["C.9"]}, "affected_objectives"),
        ({"status": "accepted"}, "status"),
        ({"status": "treating"}, "treatment_option"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_risk_names_the_field_and_writes_nothing(owner_actor, fields, field):
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        make_risk(owner_actor, **fields)
    assert field in exc.value.message_dict
    assert TrailEvent.objects.count() == before and not Risk.objects.exists()


def test_objectives_by_title_or_id(owner_actor):
    risk = make_risk(owner_actor, affected_objectives=["fairness", "c.2.7"], risk_source="Our vendor's black box")
    assert risk.affected_objectives == ["C.2.5", "C.2.7"]
    assert risk.risk_source == "Our vendor's black box" and risk.risk_source_label == "Our vendor's black box"
    assert risk.objective_labels == ["C.2.5 Fairness", "C.2.7 Privacy"]


def test_update_recomputes_levels_and_residual(owner_actor):
    risk = make_risk(owner_actor, likelihood=5, consequence=5)
    services.risk_update(actor=owner_actor, risk=risk, residual_likelihood=2, residual_consequence=2)
    risk.refresh_from_db()
    assert (risk.inherent_level, risk.residual_level, risk.level) == ("critical", "low", "low")
    services.risk_update(actor=owner_actor, risk=risk, likelihood=1, consequence=1)
    risk.refresh_from_db()
    assert risk.inherent_level == "low"


def test_default_criteria_until_saved(org):
    criteria = criteria_for(org)
    assert criteria._state.adding and not RiskCriteria.objects.filter(organization=org).exists()
    assert (
        criteria.likelihood_size == 5 and criteria.consequence_size == 5 and criteria.acceptance_threshold == "medium"
    )


def test_changing_the_matrix_rescores_every_risk_with_trail(owner_actor):
    moved = make_risk(owner_actor, title="Moves", likelihood=3, consequence=3)  # medium
    stays = make_risk(owner_actor, title="Stays", likelihood=1, consequence=1)  # low
    matrix = scoring.default_matrix(5, 5)
    matrix[2][2] = "high"
    for row in matrix[3:]:
        row[2:] = [max(c, "high", key=["low", "medium", "high", "critical"].index) for c in row[2:]]
    for row in matrix[2:]:
        row[3:] = [max(c, "high", key=["low", "medium", "high", "critical"].index) for c in row[3:]]
    result = services.risk_criteria_update(actor=owner_actor, matrix=matrix)
    assert [c.risk.pk for c in result.changes] == [moved.pk]
    change = result.changes[0]
    assert (change.inherent_before, change.inherent_after) == ("medium", "high")
    assert "inherent medium → high" in change.describe()
    moved.refresh_from_db()
    stays.refresh_from_db()
    assert moved.inherent_level == "high" and stays.inherent_level == "low"
    last = TrailEvent.objects.filter(object_id=str(moved.pk)).order_by("sequence").last()
    assert last.changes_dict["inherent_level"] == ["medium", "high"]
    assert last.changes_dict["reason"] == [None, "risk criteria changed"]
    assert TrailEvent.objects.filter(object_type="risk.riskcriteria", action="create").count() == 1


def test_resizing_a_scale_rescales_ratings_and_levels(owner_actor):
    risk = make_risk(owner_actor, likelihood=5, consequence=5, residual_likelihood=3, residual_consequence=1)
    result = services.risk_criteria_update(
        actor=owner_actor,
        likelihood_labels=["Unlikely", "Possible", "Likely"],
        consequence_labels=["Low", "Mid", "Top"],
    )
    risk.refresh_from_db()
    assert (risk.likelihood, risk.consequence, risk.residual_likelihood, risk.residual_consequence) == (3, 3, 2, 1)
    criteria = result.criteria
    assert criteria.matrix == scoring.default_matrix(3, 3)
    assert risk.inherent_level == criteria.level(3, 3) == "critical"
    assert risk.residual_level == criteria.level(2, 1)
    assert result.rescored == 1


def test_bad_criteria_name_the_field_and_change_nothing(owner_actor):
    risk = make_risk(owner_actor)
    before = TrailEvent.objects.count()
    for fields, field in (
        ({"likelihood_labels": ["a", "b"]}, "likelihood_labels"),
        ({"consequence_labels": ["a"] * 8}, "consequence_labels"),
        ({"matrix": [["low"] * 5] * 4}, "matrix"),
        ({"acceptance_threshold": "extreme"}, "acceptance_threshold"),
        ({"likelihood_labels": ["x", "x", "y"]}, "likelihood_labels"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.risk_criteria_update(actor=owner_actor, **fields)
        assert field in exc.value.message_dict
    assert TrailEvent.objects.count() == before
    risk.refresh_from_db()
    assert risk.inherent_level == "medium"


def test_criteria_need_the_approve_right(actor_of):
    from openaims.base.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.risk_criteria_update(actor=actor_of("contributor"), acceptance_threshold="low")
