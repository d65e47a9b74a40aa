"""The reviews API: routing rules and review settings (CRUD), submitting decisions, the queue, decisions, metrics."""

from __future__ import annotations

import uuid
from http import HTTPStatus

from django.core.exceptions import ValidationError
from ninja import Query, Router, Status

from openaims.base.api import paginate, register_crud
from openaims.base.errors import field_errors
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, Problem, TrailEventOut, page_schema
from openaims.base.selectors import get_scoped, scoped
from openaims.base.trail import history_for
from openaims.inventory.models import AISystem
from openaims.oversight.reviews import schemas as s
from openaims.oversight.reviews import selectors, services
from openaims.oversight.reviews.models import ReviewItem, ReviewSettings, RoutingRule

router = Router(tags=["Reviews"])

register_crud(
    router,
    path="routing-rules",
    model=RoutingRule,
    out=s.RoutingRuleOut,
    create_in=s.RoutingRuleIn,
    patch_in=s.RoutingRulePatch,
    filters=s.RoutingRuleFilters,
    filter_queryset=selectors.filter_routing_rules,
    create=services.routing_rule_create,
    update=services.routing_rule_update,
    delete=services.routing_rule_delete,
    instance_kwarg="routing_rule",
)

register_crud(
    router,
    path="review-settings",
    model=ReviewSettings,
    out=s.ReviewSettingsOut,
    create_in=s.ReviewSettingsIn,
    patch_in=s.ReviewSettingsPatch,
    filters=s.ReviewSettingsFilters,
    filter_queryset=selectors.filter_review_settings,
    create=services.review_settings_create,
    update=services.review_settings_update,
    delete=services.review_settings_delete,
    instance_kwarg="review_settings",
)

DECISION_ERRORS = {**WRITE_ERRORS, 409: Problem}


def _item(actor, id) -> ReviewItem:
    return get_scoped(ReviewItem, actor, id, queryset=selectors.api_review_items(scoped(ReviewItem, actor)))


def _conflict(exc: ValidationError) -> Status:
    body = {
        "status": 409,
        "title": HTTPStatus(409).phrase,
        "detail": "The review item was decided already; nothing changed.",
        "errors": field_errors(exc),
    }
    return Status(409, body)


@router.post(
    "/systems/{id}/reviews",
    response={200: s.ReviewSubmitOut, 201: s.ReviewSubmitOut, **WRITE_ERRORS},
    summary="Send an AI decision for human review (routing rules decide whether a person sees it)",
    description=(
        "201: queued as a new review item. 200: a retry with the same idempotency key (the first item is "
        "returned), or `routed: false` when no active routing rule matched (nothing stored). Needs the create "
        "right (the calling system's token)."
    ),
    operation_id="submit_reviews",
)
def submit_review(request, id: uuid.UUID, payload: s.ReviewSubmitIn):
    system = get_scoped(AISystem, request.auth, id)
    result = services.review_item_submit(actor=request.auth, ai_system=system, **payload.model_dump())
    review = _item(request.auth, result.item.pk) if result.item is not None else None
    body = {"routed": result.routed, "created": result.created, "review": review}
    return Status(201 if result.created else 200, body)


@router.get(
    "/reviews",
    response={200: page_schema(s.ReviewItemOut), **READ_ERRORS},
    summary="The review queue, oldest first (filters: AI system, status, open, overdue, blind)",
    operation_id="list_reviews",
)
def list_reviews(request, filters: Query[s.ReviewFilters], limit: int = 50, offset: int = 0):
    qs = selectors.filter_review_items(selectors.review_items(request.auth), filters)
    return paginate(selectors.api_review_items(qs), limit, offset)


@router.get(
    "/reviews/{id}",
    response={200: s.ReviewItemOut, **READ_ERRORS},
    summary="Read a review item: its status, the final outcome once decided, and its decisions",
    operation_id="read_reviews",
)
def read_review(request, id: uuid.UUID):
    return _item(request.auth, id)


@router.post(
    "/reviews/{id}/decision",
    response={200: s.ReviewItemOut, **DECISION_ERRORS},
    summary="Decide a review item: approve, override (outcome and reason) or escalate (reason); review right",
    description="409 when the item was decided already (by another reviewer): nothing changes.",
    operation_id="decide_reviews",
)
def decide_review(request, id: uuid.UUID, payload: s.ReviewDecisionIn):
    item = _item(request.auth, id)
    try:
        services.review_item_decide(actor=request.auth, item=item, **payload.model_dump())
    except services.AlreadyDecided as exc:
        return _conflict(exc)
    return _item(request.auth, id)


@router.post(
    "/reviews/{id}/claim",
    response={200: s.ReviewItemOut, **DECISION_ERRORS},
    summary="Take an open review item (others cannot decide it while you hold it)",
    operation_id="claim_reviews",
)
def claim_review(request, id: uuid.UUID):
    try:
        services.review_item_claim(actor=request.auth, item=_item(request.auth, id))
    except services.AlreadyDecided as exc:
        return _conflict(exc)
    return _item(request.auth, id)


@router.post(
    "/reviews/{id}/release",
    response={200: s.ReviewItemOut, **DECISION_ERRORS},
    summary="Release a review item you took",
    operation_id="release_reviews",
)
def release_review(request, id: uuid.UUID):
    try:
        services.review_item_claim(actor=request.auth, item=_item(request.auth, id), release=True)
    except services.AlreadyDecided as exc:
        return _conflict(exc)
    return _item(request.auth, id)


@router.get(
    "/reviews/{id}/history",
    response={200: list[TrailEventOut], **READ_ERRORS},
    summary="Trail events of a review item, newest first",
    operation_id="history_reviews",
)
def review_history(request, id: uuid.UUID):
    item = _item(request.auth, id)
    events = list(history_for(item)[:500])
    return [_Redacted(e) for e in events] if item.output_hidden else events


#: What a blind reviewer must not see until the item is decided, also in its trail.
HIDDEN_FIELDS = ("ai_output", "confidence", "explanation")


class _Redacted:
    """A trail event of a blind open item without the AI's output in its changes."""

    def __init__(self, event):
        self._event = event

    def __getattr__(self, name):
        return getattr(self._event, name)

    @property
    def changes_dict(self) -> dict:
        return {k: v for k, v in self._event.changes_dict.items() if k not in HIDDEN_FIELDS}


@router.get(
    "/systems/{id}/oversight-metrics",
    response={200: s.OversightMetricsOut, **READ_ERRORS},
    summary="Oversight metrics of an AI system: override rate, time to decision, overdue items, blind agreement",
    description="Overall, per reviewer and per subject group, over the items submitted in [start, end).",
    operation_id="oversight_metrics",
)
def oversight_metrics(request, id: uuid.UUID, window: Query[s.OversightMetricsQuery]):
    system = get_scoped(AISystem, request.auth, id)
    if window.start and window.end and window.end <= window.start:
        raise ValidationError({"end": ["Must be after start."]})
    return selectors.oversight_metrics(system, window.start, window.end)
