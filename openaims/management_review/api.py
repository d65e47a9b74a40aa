"""The management review API (9.3): reviews, their decisions and actions (CRUD); holding a review (inputs compiled
and frozen), its inputs (frozen, or a live preview while planned), issuing and downloading the minutes, and the
progress of actions (close, cancel)."""

import uuid
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema

from openaims.accounts.choices import Permission
from openaims.base.api import register_crud, requires
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, file_answer
from openaims.base.selectors import get_scoped, scoped
from openaims.management_review import schemas as s
from openaims.management_review import selectors, services
from openaims.management_review.minutes import FORMATS, export_minutes
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision

router = Router(tags=["Management reviews"])

register_crud(
    router,
    path="management-reviews",
    model=ManagementReview,
    out=s.ManagementReviewOut,
    create_in=s.ManagementReviewIn,
    patch_in=s.ManagementReviewPatch,
    filters=s.ManagementReviewFilters,
    filter_queryset=selectors.filter_management_reviews,
    create=services.management_review_create,
    update=services.management_review_update,
    delete=services.management_review_delete,
    instance_kwarg="management_review",
    queryset=selectors.api_management_reviews,
)


def _review(request, id: uuid.UUID) -> ManagementReview:
    queryset = selectors.api_management_reviews(scoped(ManagementReview, request.auth))
    return get_scoped(ManagementReview, request.auth, id, queryset=queryset)


@router.post(
    "/management-reviews/{id}/hold",
    response={200: s.ManagementReviewOut, **WRITE_ERRORS},
    summary="Record that a planned review was held: its inputs are compiled from the records and frozen",
    operation_id="hold_management-reviews",
    auth=requires(Permission.CHANGE),
)
def hold_review(request, id: uuid.UUID, payload: s.ManagementReviewHoldIn):
    services.management_review_hold(actor=request.auth, management_review=_review(request, id), held_on=payload.held_on)
    return _review(request, id)


@router.post(
    "/management-reviews/{id}/issue",
    response={200: s.ManagementReviewOut, **WRITE_ERRORS},
    summary="Issue the minutes of a held review (it is read-only from then on); needs the approve right",
    operation_id="issue_management-reviews",
    auth=requires(Permission.APPROVE),
)
def issue_minutes(request, id: uuid.UUID):
    services.management_review_issue_minutes(actor=request.auth, management_review=_review(request, id))
    return _review(request, id)


@router.get(
    "/management-reviews/{id}/inputs",
    response={200: s.ManagementReviewInputsOut, **READ_ERRORS},
    summary="The review's inputs: the frozen snapshot once held, a live preview of the records while planned",
    operation_id="inputs_management-reviews",
)
def read_inputs(request, id: uuid.UUID):
    review = _review(request, id)
    return {
        "review_id": review.pk,
        "frozen": review.is_held,
        "inputs_sha256": review.inputs_sha256,
        "inputs": selectors.review_inputs(review),
    }


class ManagementReviewMinutesQuery(Schema):
    format: Literal["docx", "pdf"]


@router.get(
    "/management-reviews/{id}/minutes",
    response={200: None, **READ_ERRORS},
    summary="Download the review's minutes as DOCX or PDF",
    description="Needs the export right. Review, date, chair and attendees, every input, decisions and actions.",
    operation_id="minutes_management-reviews",
    openapi_extra=file_answer("The minutes, as an attachment", [ctype for _, ctype in FORMATS.values()]),
)
def download_minutes(request, id: uuid.UUID, query: Query[ManagementReviewMinutesQuery]):
    exported = export_minutes(actor=request.auth, management_review=_review(request, id), fmt=query.format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


register_crud(
    router,
    path="management-review-decisions",
    model=ReviewDecision,
    out=s.ManagementReviewDecisionOut,
    create_in=s.ManagementReviewDecisionIn,
    patch_in=s.ManagementReviewDecisionPatch,
    filters=s.ManagementReviewDecisionFilters,
    filter_queryset=selectors.filter_review_decisions,
    create=services.review_decision_create,
    update=services.review_decision_update,
    delete=services.review_decision_delete,
    instance_kwarg="review_decision",
    queryset=lambda qs: qs.select_related("review"),
)

register_crud(
    router,
    path="management-review-actions",
    model=ReviewAction,
    out=s.ManagementReviewActionOut,
    create_in=s.ManagementReviewActionIn,
    patch_in=s.ManagementReviewActionPatch,
    filters=s.ManagementReviewActionFilters,
    filter_queryset=selectors.filter_review_actions,
    create=services.review_action_create,
    update=services.review_action_update,
    delete=services.review_action_delete,
    instance_kwarg="review_action",
    queryset=lambda qs: qs.select_related("review", "owner"),
)


def _action(request, id: uuid.UUID) -> ReviewAction:
    return get_scoped(ReviewAction, request.auth, id)


@router.post(
    "/management-review-actions/{id}/close",
    response={200: s.ManagementReviewActionOut, **WRITE_ERRORS},
    summary="Record an open review action done, with a note of what was done",
    operation_id="close_management-review-actions",
    auth=requires(Permission.CHANGE),
)
def close_action(request, id: uuid.UUID, payload: s.ManagementReviewActionCloseIn):
    services.review_action_close(
        actor=request.auth, review_action=_action(request, id), note=payload.note, closed_on=payload.closed_on
    )
    return _action(request, id)


@router.post(
    "/management-review-actions/{id}/cancel",
    response={200: s.ManagementReviewActionOut, **WRITE_ERRORS},
    summary="Cancel an open review action, with a note of why",
    operation_id="cancel_management-review-actions",
    auth=requires(Permission.CHANGE),
)
def cancel_action(request, id: uuid.UUID, payload: s.ManagementReviewActionCloseIn):
    services.review_action_cancel(actor=request.auth, review_action=_action(request, id), note=payload.note)
    return _action(request, id)
