"""The external audit pages: guest auditor invitations (list, invite, revoke; the public acceptance page) and
evidence requests (generic list, forms and history; the detail page with the thread, the answer and the request's
life as POSTs to their services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, re_path, reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import get_scoped
from openaims.base.views import PAGE_SIZE, ActorRequiredMixin, Column, DetailView, Resource, apply_service_errors
from openaims.external_audit import forms, selectors, services
from openaims.external_audit.choices import AWAITING_ANSWER, EvidenceRequestStatus
from openaims.external_audit.models import EvidenceRequest, GuestInvitation


def _request_context(request: EvidenceRequest) -> dict:
    return {
        "comments": selectors.comments(request),
        "answered_evidence": request.evidence.all(),
        "awaiting_answer": request.status in AWAITING_ANSWER,
        "answered": request.status == EvidenceRequestStatus.ANSWERED,
        "reopenable": request.status in (EvidenceRequestStatus.ANSWERED, EvidenceRequestStatus.ACCEPTED),
        "withdrawable": request.status not in (EvidenceRequestStatus.ACCEPTED, EvidenceRequestStatus.WITHDRAWN),
        "comment_form": forms.EvidenceRequestCommentForm(),
        "reason_form": forms.EvidenceRequestReasonForm(),
    }


evidence_requests = Resource(
    model=EvidenceRequest,
    url_prefix="evidence-requests",
    form_class=forms.EvidenceRequestForm,
    filter_form_class=forms.EvidenceRequestFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Title", "title"),
        Column("About", "subject"),
        Column("Owner", "owner"),
        Column("Due", "due_date"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.evidence_requests,
    filter_queryset=selectors.filter_evidence_requests,
    create=services.evidence_request_create,
    update=services.evidence_request_update,
    delete=services.evidence_request_delete,
    instance_kwarg="evidence_request",
    detail_template="external_audit/evidence_request_detail.html",
    detail_fields=[
        "description",
        "clause_id",
        "control_id",
        "ai_system",
        "internal_audit",
        "requested_by",
        "owner",
        "due_date",
        "status",
        "answered_at",
        "accepted_at",
    ],
    extra_detail_context=_request_context,
    title_plural="Evidence requests",
    create_permission=Permission.REQUEST,
    change_permission=Permission.REQUEST,
)


class EvidenceRequestDetailView(DetailView):
    """The generic detail page, plus what the member may do: request (accept, reopen, withdraw) or answer."""

    def base_context(self, **extra):
        actor = self.request.actor
        return super().base_context(
            can_request=actor.can(Permission.REQUEST),
            can_answer=actor.can(Permission.CHANGE),
            answer_form=forms.EvidenceRequestAnswerForm(actor=actor) if actor.can(Permission.CHANGE) else None,
            **extra,
        )


def _problems(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return "; ".join(
        f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs) for name, errs in exc.message_dict.items()
    )


class EvidenceRequestActionView(ActorRequiredMixin, View):
    """POST: answer, accept, reopen, withdraw or comment on a request."""

    resource = evidence_requests

    def post(self, request, pk, step):
        evidence_request = self.get_object(pk)
        actor = request.actor
        try:
            if step == "answer":
                form = forms.EvidenceRequestAnswerForm(request.POST, actor=actor)
                if not form.is_valid():
                    raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
                services.evidence_request_answer(
                    actor=actor,
                    evidence_request=evidence_request,
                    evidence=list(form.cleaned_data["evidence"]),
                    note=form.cleaned_data.get("note", ""),
                )
            elif step == "accept":
                services.evidence_request_accept(actor=actor, evidence_request=evidence_request)
            elif step == "reopen":
                services.evidence_request_reopen(
                    actor=actor, evidence_request=evidence_request, reason=request.POST.get("reason", "")
                )
            elif step == "withdraw":
                services.evidence_request_withdraw(
                    actor=actor, evidence_request=evidence_request, reason=request.POST.get("reason", "")
                )
            elif step == "comment":
                services.evidence_request_comment(
                    actor=actor, evidence_request=evidence_request, body=request.POST.get("body", "")
                )
        except ValidationError as exc:
            messages.error(request, f"Not done: {_problems(exc)}")
        else:
            messages.success(request, f"{evidence_request.reference}: {step} done.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


# --- Guest invitations ----------------------------------------------------------------------------------------


class GuestInvitationListView(ActorRequiredMixin, View):
    """The organization's guest auditor invitations with their status (for those who manage members)."""

    def get(self, request):
        actor = request.actor
        form = forms.GuestInvitationFilterForm(request.GET or None, actor=actor)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.filter_guest_invitations(selectors.guest_invitations(actor), filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "external_audit/invitation_list.html", {"page": page, "filter_form": form})


class GuestInvitationCreateView(ActorRequiredMixin, View):
    """Invite a guest auditor; the link with the token is shown once, on the answer to the POST."""

    def get(self, request):
        request.actor.require(Permission.MANAGE_MEMBERS)
        form = forms.GuestInvitationForm(actor=request.actor)
        return render(request, "external_audit/invitation_form.html", {"form": form})

    def post(self, request):
        request.actor.require(Permission.MANAGE_MEMBERS)
        form = forms.GuestInvitationForm(request.POST, actor=request.actor)
        if form.is_valid():
            try:
                invitation, raw = services.guest_invitation_create(actor=request.actor, **form.to_service())
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "expires_at" in exc.error_dict:
                    exc.error_dict["expires_on"] = exc.error_dict.pop("expires_at")
                apply_service_errors(form, exc)
            else:
                link = request.build_absolute_uri(reverse("guest-accept", args=[raw]))
                return render(
                    request, "external_audit/invitation_created.html", {"invitation": invitation, "link": link}
                )
        return render(request, "external_audit/invitation_form.html", {"form": form}, status=422)


class GuestInvitationRevokeView(ActorRequiredMixin, View):
    def post(self, request, pk):
        invitation = get_scoped(GuestInvitation, request.actor, pk, queryset=selectors.guest_invitations(request.actor))
        services.guest_invitation_revoke(actor=request.actor, invitation=invitation)
        messages.success(request, f"The invitation of {invitation} is revoked; their access ended.")
        return HttpResponseRedirect(reverse("guest-invitations-list"))


class GuestAcceptView(View):
    """The public page of an invitation link: choose a username and password (or, signed in, accept as yourself).

    A link that is unknown, revoked, lapsed or used answers a page saying so (never a server error).
    """

    def _unavailable(self, request, exc):
        return render(request, "external_audit/invitation_unavailable.html", {"message": str(exc)}, status=410)

    def get(self, request, token):
        try:
            invitation = services.guest_invitation_by_token(token)
        except services.InvitationUnavailable as exc:
            return self._unavailable(request, exc)
        return self._page(request, invitation, forms.AcceptInvitationForm(initial={"username": invitation.email}))

    def _page(self, request, invitation, form, status=200):
        context = {"invitation": invitation, "form": form, "signed_in": request.user.is_authenticated}
        return render(request, "external_audit/invitation_accept.html", context, status=status)

    def post(self, request, token):
        try:
            invitation = services.guest_invitation_by_token(token)
        except services.InvitationUnavailable as exc:
            return self._unavailable(request, exc)
        form = forms.AcceptInvitationForm(request.POST)
        try:
            if request.user.is_authenticated:
                membership = services.guest_invitation_accept(token=token, user=request.user)
            elif form.is_valid():
                membership = services.guest_invitation_accept(token=token, **form.cleaned_data)
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return self._page(request, invitation, form, status=422)
        except services.InvitationUnavailable as exc:
            return self._unavailable(request, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self._page(request, invitation, form, status=422)
        request.session["organization_id"] = str(membership.organization_id)
        messages.success(request, f"Welcome: you are a guest auditor of {membership.organization} until "
                         f"{membership.expires_at:%Y-%m-%d}.")  # fmt: skip
        return HttpResponseRedirect(reverse("dashboard"))


def urls() -> list:
    patterns = [u for u in evidence_requests.urls() if u.name != "evidence-requests-detail"]
    detail_view = EvidenceRequestDetailView.as_view(resource=evidence_requests)
    return [
        path("evidence-requests/<uuid:pk>/", detail_view, name="evidence-requests-detail"),
        re_path(
            r"^evidence-requests/(?P<pk>[0-9a-f-]{36})/(?P<step>answer|accept|reopen|withdraw|comment)/$",
            EvidenceRequestActionView.as_view(),
            name="evidence-requests-step",
        ),
        *patterns,
        path("guest-invitations/", GuestInvitationListView.as_view(), name="guest-invitations-list"),
        path("guest-invitations/new/", GuestInvitationCreateView.as_view(), name="guest-invitations-create"),
        path(
            "guest-invitations/<uuid:pk>/revoke/", GuestInvitationRevokeView.as_view(), name="guest-invitations-revoke"
        ),
        path("guest/accept/<str:token>/", GuestAcceptView.as_view(), name="guest-accept"),
    ]
