"""The risk API: risks and their treatment actions (CRUD), accepting a risk, the risk criteria, the heat map."""

import uuid

from ninja import Router

from openaims.accounts.choices import Permission
from openaims.base.api import register_crud
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS
from openaims.base.selectors import get_scoped, scoped
from openaims.risk import schemas as s
from openaims.risk import selectors, services
from openaims.risk.models import Risk, RiskAction

router = Router(tags=["Risks"])

register_crud(
    router,
    path="risks",
    model=Risk,
    out=s.RiskOut,
    create_in=s.RiskIn,
    patch_in=s.RiskPatch,
    filters=s.RiskFilters,
    filter_queryset=selectors.filter_risks,
    create=services.risk_create,
    update=services.risk_update,
    delete=services.risk_delete,
    instance_kwarg="risk",
    queryset=selectors.api_risks,
)


@router.post(
    "/risks/{id}/accept",
    response={200: s.RiskOut, **WRITE_ERRORS},
    summary="Accept a risk: its owner, with a rationale; above the acceptance threshold an admin or owner",
    operation_id="accept_risks",
)
def accept_risk(request, id: uuid.UUID, payload: s.RiskAcceptIn):
    risk = get_scoped(Risk, request.auth, id)
    services.risk_accept(actor=request.auth, risk=risk, rationale=payload.rationale)
    return get_scoped(Risk, request.auth, id, queryset=selectors.api_risks(scoped(Risk, request.auth)))


register_crud(
    router,
    path="risk-actions",
    model=RiskAction,
    out=s.RiskActionOut,
    create_in=s.RiskActionIn,
    patch_in=s.RiskActionPatch,
    filters=s.RiskActionFilters,
    filter_queryset=selectors.filter_risk_actions,
    create=services.risk_action_create,
    update=services.risk_action_update,
    delete=services.risk_action_delete,
    instance_kwarg="risk_action",
)


@router.get(
    "/risk-criteria",
    response={200: s.RiskCriteriaOut, **READ_ERRORS},
    summary="The risk criteria: scales, matrix of levels, acceptance threshold (the default until set)",
    operation_id="read_risk-criteria",
)
def read_criteria(request):
    request.auth.require(Permission.VIEW)
    return selectors.criteria_for(request.auth.organization)


@router.put(
    "/risk-criteria",
    response={200: s.RiskCriteriaChangeOut, **WRITE_ERRORS},
    summary="Set the risk criteria; every risk is re-scored and the risks whose level changed are listed",
    operation_id="update_risk-criteria",
)
def update_criteria(request, payload: s.RiskCriteriaIn):
    fields = {k: v for k, v in payload.model_dump(mode="json", exclude_unset=True).items() if v is not None}
    result = services.risk_criteria_update(actor=request.auth, **fields)
    return {
        "criteria": result.criteria,
        "rescored": result.rescored,
        "changed": [
            {
                "risk_id": c.risk.pk,
                "title": c.risk.title,
                "inherent_before": c.inherent_before or None,
                "inherent_after": c.inherent_after or None,
                "residual_before": c.residual_before or None,
                "residual_after": c.residual_after or None,
                "acceptance_withdrawn": c.acceptance_withdrawn,
            }
            for c in result.changes
        ],
    }
