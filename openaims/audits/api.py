"""The nonconformity API: nonconformities and corrective actions (CRUD), and closing a nonconformity (10.2)."""

import uuid

from ninja import Router

from openaims.audits import schemas as s
from openaims.audits import selectors, services
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.base.api import register_crud
from openaims.base.schemas import WRITE_ERRORS
from openaims.base.selectors import get_scoped, scoped

router = Router(tags=["Nonconformities"])

register_crud(
    router,
    path="nonconformities",
    model=Nonconformity,
    out=s.NonconformityOut,
    create_in=s.NonconformityIn,
    patch_in=s.NonconformityPatch,
    filters=s.NonconformityFilters,
    filter_queryset=selectors.filter_nonconformities,
    create=services.nonconformity_create,
    update=services.nonconformity_update,
    delete=services.nonconformity_delete,
    instance_kwarg="nonconformity",
    queryset=selectors.api_nonconformities,
)


@router.post(
    "/nonconformities/{id}/close",
    response={200: s.NonconformityOut, **WRITE_ERRORS},
    summary="Close a nonconformity as effective (a done action, and a later passing run or evidence) or as not "
    "effective (opens a follow-up); needs the approve right",
    operation_id="close_nonconformities",
)
def close_nonconformity(request, id: uuid.UUID, payload: s.NonconformityCloseIn):
    nonconformity = get_scoped(Nonconformity, request.auth, id)
    services.nonconformity_close(
        actor=request.auth,
        nonconformity=nonconformity,
        effective=payload.effective,
        note=payload.note,
        evidence=payload.evidence,
    )
    queryset = selectors.api_nonconformities(scoped(Nonconformity, request.auth))
    return get_scoped(Nonconformity, request.auth, id, queryset=queryset)


register_crud(
    router,
    path="corrective-actions",
    model=CorrectiveAction,
    out=s.CorrectiveActionOut,
    create_in=s.CorrectiveActionIn,
    patch_in=s.CorrectiveActionPatch,
    filters=s.CorrectiveActionFilters,
    filter_queryset=selectors.filter_corrective_actions,
    create=services.corrective_action_create,
    update=services.corrective_action_update,
    delete=services.corrective_action_delete,
    instance_kwarg="corrective_action",
    queryset=lambda qs: qs.select_related("nonconformity"),
)
