"""The inventory's API: a thin layer over services and selectors."""

import uuid

from ninja import Router

from openaims.base.api import register_crud
from openaims.base.schemas import WRITE_ERRORS
from openaims.base.selectors import get_scoped
from openaims.inventory import schemas as s
from openaims.inventory import selectors, services
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier

router = Router(tags=["Inventory"])


register_crud(
    router,
    path="systems",
    model=AISystem,
    out=s.AISystemOut,
    create_in=s.AISystemIn,
    patch_in=s.AISystemPatch,
    filters=s.AISystemFilters,
    filter_queryset=selectors.filter_ai_systems,
    create=services.ai_system_create,
    update=services.ai_system_update,
    delete=services.ai_system_delete,
    instance_kwarg="ai_system",
    queryset=selectors.api_ai_systems,
)


@router.post(
    "/systems/{id}/transition",
    response={200: s.AISystemOut, **WRITE_ERRORS},
    summary="Move an AI system to another life cycle stage",
    operation_id="transition_systems",
)
def transition(request, id: uuid.UUID, payload: s.TransitionIn):
    system = get_scoped(AISystem, request.auth, id)
    services.ai_system_transition(
        actor=request.auth, ai_system=system, to_stage=payload.to_stage, reason=payload.reason
    )
    return get_scoped(AISystem, request.auth, id, queryset=selectors.ai_systems(request.auth))


register_crud(
    router,
    path="model-versions",
    model=ModelVersion,
    out=s.ModelVersionOut,
    create_in=s.ModelVersionIn,
    patch_in=s.ModelVersionPatch,
    filters=s.ModelVersionFilters,
    filter_queryset=selectors.filter_model_versions,
    create=services.model_version_create,
    update=services.model_version_update,
    delete=services.model_version_delete,
    instance_kwarg="model_version",
    queryset=lambda qs: qs.select_related("ai_system"),
)

register_crud(
    router,
    path="datasets",
    model=Dataset,
    out=s.DatasetOut,
    create_in=s.DatasetIn,
    patch_in=s.DatasetPatch,
    filters=s.DatasetFilters,
    filter_queryset=selectors.filter_datasets,
    create=services.dataset_create,
    update=services.dataset_update,
    delete=services.dataset_delete,
    instance_kwarg="dataset",
)

register_crud(
    router,
    path="suppliers",
    model=Supplier,
    out=s.SupplierOut,
    create_in=s.SupplierIn,
    patch_in=s.SupplierPatch,
    filters=s.SupplierFilters,
    filter_queryset=selectors.filter_suppliers,
    create=services.supplier_create,
    update=services.supplier_update,
    delete=services.supplier_delete,
    instance_kwarg="supplier",
)
