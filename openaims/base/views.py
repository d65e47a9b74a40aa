"""Generic list, detail, create, edit, delete and history views, driven by a ``Resource`` per model.

Views are thin: they parse a form, call the model's service, and render. A service's ValidationError
goes back into the form; NotFound is a 404 and PermissionDenied a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import capfirst
from django.views import View
from django.views.decorators.http import require_POST

from openaims.accounts.choices import Permission
from openaims.base.errors import NotFound, PermissionDenied
from openaims.base.selectors import get_scoped
from openaims.base.trail import history_for, readable_history

PAGE_SIZE = 50


@dataclass
class Column:
    label: str
    attr: str
    link: bool = False
    badge: bool = False


@dataclass
class Resource:
    """How the UI shows and edits one model; every write goes through the services named here."""

    model: type[models.Model]
    url_prefix: str
    form_class: type[forms.Form]
    columns: list[Column]
    queryset: Callable  # actor -> QuerySet
    filter_queryset: Callable  # (QuerySet, dict) -> QuerySet
    create: Callable
    update: Callable
    delete: Callable
    instance_kwarg: str
    filter_form_class: type[forms.Form] | None = None
    create_form_class: type[forms.Form] | None = None  # when creating needs other fields than editing
    detail_fields: list[str] = field(default_factory=list)
    detail_template: str = "base/detail.html"
    title_plural: str = ""
    extra_detail_context: Callable | None = None  # obj -> dict, for a model's own detail template
    create_permission: str = Permission.CREATE
    change_permission: str = Permission.CHANGE
    delete_permission: str = Permission.DELETE

    def detail_context(self, obj) -> dict:
        return self.extra_detail_context(obj) if self.extra_detail_context else {}

    @property
    def name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def plural(self) -> str:
        return self.title_plural or capfirst(str(self.model._meta.verbose_name_plural))

    def url(self, action: str, pk=None) -> str:
        name = f"{self.url_prefix}-{action}"
        return reverse(name, args=[pk]) if pk is not None else reverse(name)

    def urls(self) -> list:
        return [
            path(f"{self.url_prefix}/", ListView.as_view(resource=self), name=f"{self.url_prefix}-list"),
            path(f"{self.url_prefix}/new/", CreateView.as_view(resource=self), name=f"{self.url_prefix}-create"),
            path(f"{self.url_prefix}/<uuid:pk>/", DetailView.as_view(resource=self), name=f"{self.url_prefix}-detail"),
            path(f"{self.url_prefix}/<uuid:pk>/edit/", EditView.as_view(resource=self), name=f"{self.url_prefix}-edit"),
            path(
                f"{self.url_prefix}/<uuid:pk>/delete/",
                DeleteView.as_view(resource=self),
                name=f"{self.url_prefix}-delete",
            ),
            path(
                f"{self.url_prefix}/<uuid:pk>/history/",
                HistoryView.as_view(resource=self),
                name=f"{self.url_prefix}-history",
            ),
        ]


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError into the form, on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            target = name if name in form.fields else None
            for message in messages_:
                form.add_error(target, f"{name}: {message}" if target is None and name != "__all__" else message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class ActorRequiredMixin:
    """Signed-in member of an organization; services errors become 404/403 pages."""

    resource: Resource | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        if request.actor is None:
            return render(request, "base/no_membership.html", status=403)
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except PermissionDenied as exc:
            return render(request, "base/forbidden.html", {"message": str(exc)}, status=403)

    def get_object(self, pk):
        return get_scoped(
            self.resource.model, self.request.actor, pk, queryset=self.resource.queryset(self.request.actor)
        )

    def base_context(self, **extra):
        actor = self.request.actor
        return {
            "resource": self.resource,
            "can_create": actor.can(self.resource.create_permission),
            "can_change": actor.can(self.resource.change_permission),
            "can_delete": actor.can(self.resource.delete_permission),
            **extra,
        }


class ListView(ActorRequiredMixin, View):
    def get(self, request):
        res = self.resource
        filter_form = res.filter_form_class(request.GET or None, actor=request.actor) if res.filter_form_class else None
        filters = filter_form.cleaned_data if filter_form is not None and filter_form.is_valid() else {}
        qs = res.filter_queryset(res.queryset(request.actor), filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = self.base_context(page=page, filter_form=filter_form, querystring=query.urlencode())
        template = (
            "base/list_table.html" if request.htmx and request.htmx.target == "record-table" else "base/list.html"
        )
        return render(request, template, context)


class DetailView(ActorRequiredMixin, View):
    def get(self, request, pk):
        obj = self.get_object(pk)
        rows = []
        for name in self.resource.detail_fields:
            model_field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            if model_field.many_to_many:
                value = ", ".join(str(o) for o in getattr(obj, name).all()) or "—"
            else:
                value = display() if display else getattr(obj, name)
            rows.append((model_field.verbose_name, value))
        history = readable_history(history_for(obj)[:20])
        context = self.base_context(object=obj, rows=rows, history=history, **self.resource.detail_context(obj))
        return render(request, self.resource.detail_template, context)


class _FormView(ActorRequiredMixin, View):
    permission = Permission.CREATE

    def form(self, data=None, initial=None):
        return self.resource.form_class(data, initial=initial, actor=self.request.actor)

    def render_form(self, form, obj=None, status=200):
        return render(self.request, "base/form.html", self.base_context(form=form, object=obj), status=status)


class CreateView(_FormView):
    def form(self, data=None, initial=None):
        form_class = self.resource.create_form_class or self.resource.form_class
        return form_class(data, initial=initial, actor=self.request.actor)

    def get(self, request):
        request.actor.require(self.resource.create_permission)
        return self.render_form(self.form(initial=request.GET.dict()))

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                obj = self.resource.create(actor=request.actor, **form.to_service())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{capfirst(self.resource.name)} “{obj}” created.")
                return HttpResponseRedirect(self.resource.url("detail", obj.pk))
        return self.render_form(form, status=422)


class EditView(_FormView):
    def get(self, request, pk):
        obj = self.get_object(pk)
        request.actor.require(self.resource.change_permission)
        return self.render_form(self.form(initial=self.resource.form_class.initial_from(obj)), obj)

    def post(self, request, pk):
        obj = self.get_object(pk)
        form = self.form(request.POST)
        if form.is_valid():
            try:
                self.resource.update(actor=request.actor, **{self.resource.instance_kwarg: obj}, **form.to_service())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{capfirst(self.resource.name)} “{obj}” saved.")
                return HttpResponseRedirect(self.resource.url("detail", obj.pk))
        return self.render_form(form, obj, status=422)


class DeleteView(ActorRequiredMixin, View):
    def get(self, request, pk):
        obj = self.get_object(pk)
        request.actor.require(self.resource.delete_permission)
        return render(request, "base/confirm_delete.html", self.base_context(object=obj))

    @method_decorator(require_POST)
    def post(self, request, pk):
        obj = self.get_object(pk)
        label = str(obj)
        try:
            self.resource.delete(actor=request.actor, **{self.resource.instance_kwarg: obj})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.resource.url("detail", obj.pk))
        messages.success(request, f"{capfirst(self.resource.name)} “{label}” deleted.")
        return HttpResponseRedirect(self.resource.url("list"))


class HistoryView(ActorRequiredMixin, View):
    def get(self, request, pk):
        obj = self.get_object(pk)
        return render(
            request,
            "base/history.html",
            self.base_context(object=obj, history=readable_history(history_for(obj)[:500])),
        )


def forbidden(request, message: str):
    return HttpResponseForbidden(message)
