"""EU AI Act classification over the API: try answers without saving, or store a classification on an AI system."""

from __future__ import annotations

import uuid

from ninja import Router, Status

from openaims.accounts.choices import Permission
from openaims.base.errors import NotFound
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, Problem
from openaims.base.selectors import get_scoped
from openaims.inventory import classification as services
from openaims.inventory.classification_schemas import ClassificationOut, ClassificationResultOut, EUAIActAnswers
from openaims.inventory.models import AISystem
from openaims.inventory.selectors import classifications, current_classification

router = Router(tags=["EU AI Act classification"])

TRY_ERRORS = {400: Problem, 401: Problem, 403: Problem, 413: Problem, 422: Problem}


@router.post(
    "/classify/eu-ai-act",
    response={200: ClassificationResultOut, **TRY_ERRORS},
    summary="Classify answers under the EU AI Act, without saving",
    operation_id="classify_eu_ai_act",
)
def classify_eu_ai_act(request, payload: EUAIActAnswers):  # type: ignore[valid-type]
    request.auth.require(Permission.VIEW)
    return services.classify_answers(payload.model_dump(exclude_unset=True)).to_dict()


@router.post(
    "/systems/{id}/classification",
    response={201: ClassificationOut, **WRITE_ERRORS},
    summary="Classify an AI system under the EU AI Act and store the result as its current classification",
    operation_id="create_system_classification",
)
def classify_system(request, id: uuid.UUID, payload: EUAIActAnswers):  # type: ignore[valid-type]
    system = get_scoped(AISystem, request.auth, id)
    stored = services.ai_system_classify(
        actor=request.auth, ai_system=system, answers=payload.model_dump(exclude_unset=True)
    )
    return Status(201, stored)


@router.get(
    "/systems/{id}/classification",
    response={200: ClassificationOut, **READ_ERRORS},
    summary="The current EU AI Act classification of an AI system (404 when it was never classified)",
    operation_id="read_system_classification",
)
def read_classification(request, id: uuid.UUID):
    system = get_scoped(AISystem, request.auth, id)
    current = current_classification(system)
    if current is None:
        raise NotFound(f"AI system {system.name!r} has not been classified yet.")
    return current


@router.get(
    "/systems/{id}/classifications",
    response={200: list[ClassificationOut], **READ_ERRORS},
    summary="Every EU AI Act classification of an AI system, newest first",
    operation_id="list_system_classifications",
)
def list_classifications(request, id: uuid.UUID):
    system = get_scoped(AISystem, request.auth, id)
    return list(classifications(request.auth, system).select_related("classified_by")[:200])
