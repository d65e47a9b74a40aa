"""The external auditor's API: guest invitations (invite, list, revoke) and evidence requests (CRUD, the request's
life: answer, accept, reopen, withdraw; its comments)."""

import uuid

from django.urls import reverse
from ninja import Query, Router, Status

from openaims.accounts.choices import Permission
from openaims.base.api import paginate, register_crud, requires
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, page_schema
from openaims.base.selectors import get_scoped, scoped
from openaims.external_audit import schemas as s
from openaims.external_audit import selectors, services
from openaims.external_audit.models import EvidenceRequest, GuestInvitation

router = Router(tags=["External audit"])


# --- Guest invitations ----------------------------------------------------------------------------------------


def _invitation(request, id: uuid.UUID) -> GuestInvitation:
    return get_scoped(GuestInvitation, request.auth, id, queryset=selectors.guest_invitations(request.auth))


@router.get(
    "/guest-invitations",
    response={200: page_schema(s.GuestInvitationOut), **READ_ERRORS},
    summary="List guest auditor invitations with their status (for those who manage members)",
    operation_id="list_guest_invitations",
    auth=requires(Permission.MANAGE_MEMBERS),
)
def list_invitations(request, filters: Query[s.GuestInvitationFilters], limit: int = 50, offset: int = 0):
    qs = selectors.filter_guest_invitations(selectors.guest_invitations(request.auth), filters)
    return paginate(qs, limit, offset)


@router.post(
    "/guest-invitations",
    response={201: s.GuestInvitationCreatedOut, **WRITE_ERRORS},
    summary="Invite a guest auditor (the token is shown once)",
    operation_id="create_guest_invitations",
    auth=requires(Permission.MANAGE_MEMBERS),
)
def create_invitation(request, payload: s.GuestInvitationIn):
    invitation, raw = services.guest_invitation_create(actor=request.auth, **payload.model_dump())
    invitation = _invitation(request, invitation.pk)
    invitation.token = raw
    invitation.accept_path = reverse("guest-accept", args=[raw])
    return Status(201, invitation)


@router.get(
    "/guest-invitations/{id}",
    response={200: s.GuestInvitationOut, **READ_ERRORS},
    summary="Read a guest auditor invitation",
    operation_id="read_guest_invitations",
    auth=requires(Permission.MANAGE_MEMBERS),
)
def read_invitation(request, id: uuid.UUID):
    return _invitation(request, id)


@router.post(
    "/guest-invitations/{id}/revoke",
    response={200: s.GuestInvitationOut, **WRITE_ERRORS},
    summary="Revoke a guest auditor invitation (the guest's access ends at once)",
    operation_id="revoke_guest_invitations",
    auth=requires(Permission.MANAGE_MEMBERS),
)
def revoke_invitation(request, id: uuid.UUID):
    services.guest_invitation_revoke(actor=request.auth, invitation=_invitation(request, id))
    return _invitation(request, id)


# --- Evidence requests ----------------------------------------------------------------------------------------

register_crud(
    router,
    path="evidence-requests",
    model=EvidenceRequest,
    out=s.EvidenceRequestOut,
    create_in=s.EvidenceRequestIn,
    patch_in=s.EvidenceRequestPatch,
    filters=s.EvidenceRequestFilters,
    filter_queryset=selectors.filter_evidence_requests,
    create=services.evidence_request_create,
    update=services.evidence_request_update,
    delete=services.evidence_request_delete,
    instance_kwarg="evidence_request",
    queryset=selectors.api_evidence_requests,
    create_permission=Permission.REQUEST,
    change_permission=Permission.REQUEST,
)


def _request(request, id: uuid.UUID) -> EvidenceRequest:
    queryset = selectors.api_evidence_requests(scoped(EvidenceRequest, request.auth))
    return get_scoped(EvidenceRequest, request.auth, id, queryset=queryset)


@router.post(
    "/evidence-requests/{id}/answer",
    response={200: s.EvidenceRequestOut, **WRITE_ERRORS},
    summary="Answer an evidence request with evidence items of the organization",
    operation_id="answer_evidence_requests",
    auth=requires(Permission.CHANGE),
)
def answer_request(request, id: uuid.UUID, payload: s.EvidenceRequestAnswerIn):
    services.evidence_request_answer(
        actor=request.auth, evidence_request=_request(request, id), evidence=payload.evidence, note=payload.note
    )
    return _request(request, id)


@router.post(
    "/evidence-requests/{id}/accept",
    response={200: s.EvidenceRequestOut, **WRITE_ERRORS},
    summary="Accept the evidence answered",
    operation_id="accept_evidence_requests",
    auth=requires(Permission.REQUEST),
)
def accept_request(request, id: uuid.UUID):
    services.evidence_request_accept(actor=request.auth, evidence_request=_request(request, id))
    return _request(request, id)


@router.post(
    "/evidence-requests/{id}/reopen",
    response={200: s.EvidenceRequestOut, **WRITE_ERRORS},
    summary="Reopen an answered request, saying what is still missing (the reason becomes a comment)",
    operation_id="reopen_evidence_requests",
    auth=requires(Permission.REQUEST),
)
def reopen_request(request, id: uuid.UUID, payload: s.EvidenceRequestReasonIn):
    services.evidence_request_reopen(actor=request.auth, evidence_request=_request(request, id), reason=payload.reason)
    return _request(request, id)


@router.post(
    "/evidence-requests/{id}/withdraw",
    response={200: s.EvidenceRequestOut, **WRITE_ERRORS},
    summary="Withdraw a request no longer needed",
    operation_id="withdraw_evidence_requests",
    auth=requires(Permission.REQUEST),
)
def withdraw_request(request, id: uuid.UUID, payload: s.EvidenceRequestReasonIn):
    services.evidence_request_withdraw(
        actor=request.auth, evidence_request=_request(request, id), reason=payload.reason
    )
    return _request(request, id)


@router.get(
    "/evidence-requests/{id}/comments",
    response={200: list[s.EvidenceRequestCommentOut], **READ_ERRORS},
    summary="The request's thread of comments, oldest first",
    operation_id="comments_evidence_requests",
)
def list_comments(request, id: uuid.UUID):
    return list(selectors.comments(_request(request, id)))


@router.post(
    "/evidence-requests/{id}/comments",
    response={201: s.EvidenceRequestCommentOut, **WRITE_ERRORS},
    summary="Comment on a request (the auditor: request right; the organization: change right)",
    operation_id="comment_evidence_requests",
)
def add_comment(request, id: uuid.UUID, payload: s.EvidenceRequestCommentIn):
    comment = services.evidence_request_comment(
        actor=request.auth, evidence_request=_request(request, id), body=payload.body
    )
    return Status(201, comment)
