"""The evidence pages: the generic list, detail, edit, delete and history, plus upload and download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from openaims.base.views import ActorRequiredMixin, Column, EditView, Resource, apply_service_errors
from openaims.evidence import forms, selectors, services
from openaims.evidence.choices import EvidenceKind
from openaims.evidence.downloads import file_response
from openaims.evidence.models import Evidence
from openaims.evidence.storage import StoredFileProblem, too_large_message
from openaims.evidence.uploads import install_upload_limit

evidence = Resource(
    model=Evidence,
    url_prefix="evidence",
    form_class=forms.EvidenceForm,
    create_form_class=forms.EvidenceCreateForm,
    filter_form_class=forms.EvidenceFilterForm,
    columns=[
        Column("Title", "title", link=True),
        Column("Kind", "kind", badge=True),
        Column("Expiry", "expiry"),
        Column("Collected", "collected_on"),
        Column("Owner", "owner"),
        Column("File, link or record", "reference"),
    ],
    queryset=selectors.evidence_items,
    filter_queryset=selectors.filter_evidence,
    create=services.evidence_create,
    update=services.evidence_update,
    delete=services.evidence_delete,
    instance_kwarg="evidence",
    detail_template="evidence/evidence_detail.html",
    title_plural="Evidence",
)


@method_decorator(csrf_exempt, name="dispatch")  # checked in post(), once the upload limit is in place
class EvidenceCreateView(ActorRequiredMixin, View):
    """The new-item form: a file (multipart, size-limited while it arrives), a link or a record."""

    resource = evidence

    def render_form(self, form, status=200, upload_error=""):
        context = self.base_context(form=form, upload_error=upload_error)
        return render(self.request, "evidence/evidence_form.html", context, status=status)

    @method_decorator(csrf_protect)
    def get(self, request):
        request.actor.require(self.resource.create_permission)
        return self.render_form(forms.EvidenceCreateForm(initial=request.GET.dict(), actor=request.actor))

    def post(self, request):
        # The limit must be installed before anything reads the body, including the CSRF check.
        limit = install_upload_limit(request, raise_error=False)
        return self._post(request, limit)

    @method_decorator(csrf_protect)
    def _post(self, request, limit):
        request.actor.require(self.resource.create_permission)
        form = forms.EvidenceCreateForm(request.POST, request.FILES, actor=request.actor)
        if limit.exceeded:
            form.is_valid()
            form.errors["file"] = form.error_class([too_large_message(limit.max_bytes)])  # not "choose a file"
            return self.render_form(form, status=413)
        if form.is_valid():
            fields = form.to_service()
            kind, upload = fields.pop("kind"), fields.pop("file", None)
            try:
                if kind == EvidenceKind.FILE:
                    obj = services.evidence_upload(
                        actor=request.actor, content=upload.chunks(), file_name=upload.name or "", **fields
                    )
                else:
                    obj = services.evidence_create(actor=request.actor, kind=kind, **fields)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{capfirst(self.resource.name)} “{obj}” created.")
                return HttpResponseRedirect(self.resource.url("detail", obj.pk))
        return self.render_form(form, status=422)


class EvidenceEditView(EditView):
    """The generic edit page, showing only the fields of the item's kind."""

    resource = evidence

    def get_object(self, pk):
        self.object = super().get_object(pk)
        return self.object

    def form(self, data=None, initial=None):
        return forms.EvidenceForm(data, initial=initial, actor=self.request.actor, kind=self.object.kind)


class EvidenceDownloadView(ActorRequiredMixin, View):
    """The stored file as an attachment, after checking its hash; a damaged file is refused, never served."""

    resource = evidence

    def get(self, request, pk):
        obj = self.get_object(pk)
        if not obj.has_file:
            return render(request, "evidence/file_problem.html", {"object": obj, "problem": "No stored file."}, 404)
        try:
            return file_response(obj)
        except StoredFileProblem as exc:
            return render(request, "evidence/file_problem.html", {"object": obj, "problem": str(exc)}, status=409)
