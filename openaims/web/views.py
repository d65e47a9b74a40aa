"""Pages that belong to no one app: sign-in, dashboard, the trail, API tokens, health."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View, defaults
from django.views.decorators.http import require_POST

from openaims.accounts import services as account_services
from openaims.accounts.choices import Permission
from openaims.accounts.models import ApiToken
from openaims.accounts.network import client_address
from openaims.base.errors import NotFound, PermissionDenied
from openaims.base.selectors import get_scoped, scoped
from openaims.base.trail import readable_history
from openaims.base.trail_api import trail_events
from openaims.inventory.choices import LifecycleStage
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier
from openaims.web.forms import LoginForm, TokenForm, TrailFilterForm

logger = logging.getLogger(__name__)


def healthz(request):
    """Whether the instance can serve, without login: 200, or 503 naming what is down (never why: no DSN, no path).

    ``{"status": "ok" | "unavailable", "checks": {"database": "ok" | "down", "data_dir": "ok" | "down"}}``
    """
    checks = {"database": _database_check(), "data_dir": _data_dir_check()}
    up = all(state == "ok" for state in checks.values())
    response = JsonResponse({"status": "ok" if up else "unavailable", "checks": checks}, status=200 if up else 503)
    response["Cache-Control"] = "no-store"
    return response


def _database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: the database does not answer", exc_info=True)
        return "down"
    return "ok"


def _data_dir_check() -> str:
    """The data directory (evidence files, prediction stores) exists and can be written."""
    directory = Path(settings.AIMS_DATA_DIR)
    if directory.is_dir() and os.access(directory, os.W_OK | os.X_OK):
        return "ok"
    logger.warning("healthz: the data directory is missing or not writable")
    return "down"


def server_error(request):
    """The 500 handler. A database that cannot be reached (down, restarting, dropped connections) is an outage,
    not a bug: pages answer a plain 503 asking to try again. API answers are the API error handler's."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError) and not request.path.startswith("/api/"):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)


class LoginView(View):
    """Sign in with username (e-mail) and password; repeated failures of one username from one address wait longer
    and longer (``accounts.services.login_wait``)."""

    def get(self, request):
        if request.user.is_authenticated:
            return HttpResponseRedirect(reverse("dashboard"))
        return render(request, "web/login.html", {"form": LoginForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        form = LoginForm(request.POST)
        next_url = request.POST.get("next", "")
        status = 200
        if form.is_valid():
            username = form.cleaned_data["username"].strip()
            address = client_address(request)
            wait = account_services.login_wait(username=username, address=address)
            if wait:
                form.add_error(None, f"Too many failed sign-ins. Try again in {wait} seconds.")
                response = render(request, "web/login.html", {"form": form, "next": next_url}, status=429)
                response["Retry-After"] = str(wait)
                return response
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                account_services.login_failed(username=username, address=address)
                form.add_error(None, "Wrong username or password.")
                status = 401
            else:
                account_services.login_succeeded(username=username, address=address)
                login(request, user)
                if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                    next_url = reverse("dashboard")
                return HttpResponseRedirect(next_url or reverse("dashboard"))
        return render(request, "web/login.html", {"form": form, "next": next_url}, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return HttpResponseRedirect(reverse("login"))


def _actor_or_redirect(request):
    if request.actor is None:
        return render(request, "base/no_membership.html", status=403)
    return None


@login_required
def dashboard(request):
    if (refused := _actor_or_redirect(request)) is not None:
        return refused
    actor = request.actor
    systems = scoped(AISystem, actor)  # a guest auditor invited to some systems sees those only
    by_stage = dict(systems.values_list("lifecycle_stage").annotate(n=Count("id")))
    stages = [(stage.label, stage.value, by_stage.get(stage.value, 0)) for stage in LifecycleStage]
    context = {
        "stages": stages,
        "system_count": systems.count(),
        "in_scope_count": systems.filter(in_scope=True).count(),
        "without_owner": systems.filter(owner__isnull=True).exclude(lifecycle_stage=LifecycleStage.RETIRED)[:10],
        "model_version_count": ModelVersion.objects.filter(organization=actor.organization).count(),
        "dataset_count": Dataset.objects.filter(organization=actor.organization).count(),
        "supplier_count": Supplier.objects.filter(organization=actor.organization).count(),
        "unassessed_suppliers": Supplier.objects.filter(
            organization=actor.organization, assessment_status="not_assessed"
        )[:10],
    }
    from openaims.oversight.incidents.selectors import dashboard_items as incident_items

    context.update(incident_items(actor))
    return render(request, "web/dashboard.html", context)


@login_required
@require_POST
def switch_organization(request):
    chosen = request.POST.get("organization_id", "")
    if any(str(m.organization_id) == chosen for m in getattr(request, "user_memberships", [])):
        request.session["organization_id"] = chosen
    return HttpResponseRedirect(reverse("dashboard"))


@login_required
def trail(request):
    """The organization's whole trail with filters (auditors, admins, owners)."""
    if (refused := _actor_or_redirect(request)) is not None:
        return refused
    form = TrailFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        events = trail_events(request.actor, filters)
    except PermissionDenied as exc:
        return render(request, "base/forbidden.html", {"message": str(exc)}, status=403)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    history = readable_history(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/trail.html",
        {"form": form, "page": page, "history": history, "querystring": query.urlencode()},
    )


@login_required
def tokens(request):
    """The member's API tokens: create one (shown once), see last use, revoke."""
    if (refused := _actor_or_redirect(request)) is not None:
        return refused
    actor = request.actor
    created = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, created = account_services.token_create(
                actor=actor,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            form = TokenForm()
    own = scoped(ApiToken, actor).filter(user=request.user)
    return render(request, "web/tokens.html", {"form": form, "tokens": own, "created": created})


@login_required
@require_POST
def token_revoke(request, pk):
    if (refused := _actor_or_redirect(request)) is not None:
        return refused
    try:
        token = get_scoped(ApiToken, request.actor, pk)
        if token.user_id != request.user.pk and not request.actor.can(Permission.MANAGE_MEMBERS):
            raise NotFound("No such API token.")
        account_services.token_revoke(actor=request.actor, token=token)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    messages.success(request, f"Token “{token.name}” revoked.")
    return HttpResponseRedirect(reverse("tokens"))
