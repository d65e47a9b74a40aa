"""The API's shared machinery: authentication, error answers, pagination and CRUD endpoints."""

import logging
import uuid
from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, models
from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.errors import (
    DATABASE_RETRY_SECONDS,
    NotFound,
    PermissionDenied,
    field_errors,
    problem_body,
)
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, TrailEventOut, page_schema
from openaims.base.selectors import get_scoped, scoped
from openaims.base.trail import history_for

MAX_PAGE_SIZE = 200
UNAUTHENTICATED = "Sign in, or send 'Authorization: Bearer <API token>'."
SERVER_ERROR = "The server failed to answer this request; the failure is logged."
DATABASE_DOWN = "The database is unavailable; try again shortly."
logger = logging.getLogger("django.request")


def _permitted(actor: Actor, permission: str | None) -> Actor:
    """The actor, once its role allows ``permission`` (checked before the request body is read)."""
    if permission is not None:
        actor.require(permission)
    return actor


class TokenAuth(HttpBearer):
    """``Authorization: Bearer aims_…``: the token's member, in the token's organization.

    With ``permission``, a member whose role does not allow it is refused (403) before the body is parsed.
    """

    def __init__(self, permission: str | None = None) -> None:
        self.permission = permission
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        from openaims.accounts.services import token_authenticate

        found = token_authenticate(token)
        if found is None:
            return None
        from openaims.accounts.selectors import MembershipLapsed, actor_for_membership

        api_token, membership = found
        try:
            actor = actor_for_membership(membership, token=api_token)
        except MembershipLapsed:
            return None  # 401: the member's invitation lapsed
        request.aims_actor = actor  # known even when refused below: a guest's refused request is in the trail too
        return _permitted(actor, self.permission)


class SessionActorAuth(SessionAuth):
    """The signed-in user of the web UI (CSRF-checked), in the organization chosen in the session.

    A request without a signed-in user is unauthenticated (401), whatever its method: the CSRF check is only
    for signed-in browsers.
    """

    def __init__(self, permission: str | None = None) -> None:
        self.permission = permission
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        from openaims.accounts.selectors import actor_for_membership, memberships_of

        chosen = request.session.get("organization_id")
        memberships = memberships_of(user)  # lapsed memberships are not memberships
        membership = (memberships.filter(organization_id=chosen).first() if chosen else None) or memberships.first()
        if membership is None:
            return None
        actor = actor_for_membership(membership)
        request.aims_actor = actor  # known even when refused below: a guest's refused request is in the trail too
        return _permitted(actor, self.permission)


def requires(permission: str) -> list:
    """The API's authentication for an operation that needs ``permission``: a role without it is refused (403)
    before the body is read, so a malformed body never tells such a member more than "not allowed"."""
    return [TokenAuth(permission), SessionActorAuth(permission)]


def _problem(api: NinjaAPI, request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, problem_body(status, detail, errors), status=status)


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "filters", "data")]
    return ".".join(parts)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error becomes a JSON problem naming the field and the problem."""

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        errors = [{"field": _location(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in exc.errors]
        if any(e.get("type") == "json_invalid" for e in exc.errors):
            return _problem(api, request, 400, "The request body is not valid JSON.", errors)
        return _problem(api, request, 422, "The request has invalid fields.", errors)

    @api.exception_handler(ValidationError)
    def _model_validation(request, exc: ValidationError):
        return _problem(api, request, 422, "The request has invalid fields.", field_errors(exc))

    @api.exception_handler(NotFound)
    def _not_found(request, exc: NotFound):
        return _problem(api, request, 404, str(exc) or "Not found.")

    @api.exception_handler(Http404)
    def _http404(request, exc):
        return _problem(api, request, 404, "Not found.")

    @api.exception_handler(PermissionDenied)
    def _denied(request, exc: PermissionDenied):
        return _problem(api, request, 403, str(exc))

    @api.exception_handler(DjangoPermissionDenied)
    def _django_denied(request, exc):
        return _problem(api, request, 403, str(exc) or "Not allowed.")

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        response = _problem(api, request, 401, UNAUTHENTICATED)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return _problem(api, request, exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        return _problem(api, request, 413, "The request body is too large.")

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request, exc):
        return _problem(api, request, 400, "The request is malformed.")

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def _database_down(request, exc):
        _log_failure(request, 503)
        response = _problem(api, request, 503, DATABASE_DOWN)
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return response

    @api.exception_handler(Exception)
    def _server_error(request, exc):
        _log_failure(request, 500)
        return _problem(api, request, 500, SERVER_ERROR)


def _log_failure(request, status: int) -> None:
    """Log the failure being handled with its traceback, and tell listeners (error reporters, the test client)."""
    logger.error(
        "%s: %s",
        "Service Unavailable" if status == 503 else "Internal Server Error",
        request.path,
        exc_info=True,
        extra={"status_code": status, "request": request},
    )
    got_request_exception.send(sender=None, request=request)


class PageQuery(Schema):
    limit: int = 50
    offset: int = 0


def paginate(queryset: models.QuerySet, limit: int, offset: int) -> dict:
    """One page of ``queryset``; limits outside 1..200 and negative offsets are refused with the field named."""
    errors = []
    if not 1 <= limit <= MAX_PAGE_SIZE:
        errors.append({"field": "limit", "message": f"must be between 1 and {MAX_PAGE_SIZE}"})
    if offset < 0 or offset > 10**9:
        errors.append({"field": "offset", "message": "must be between 0 and 1000000000"})
    if errors:
        raise ValidationError({e["field"]: [e["message"]] for e in errors})
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "items": list(queryset[offset : offset + limit]),
    }


def register_crud(
    router: Router,
    *,
    path: str,
    model: type[models.Model],
    out: type[Schema],
    create_in: type[Schema],
    patch_in: type[Schema],
    filters: type[Schema],
    filter_queryset: Callable[[models.QuerySet, Schema], models.QuerySet],
    create: Callable[..., models.Model],
    update: Callable[..., models.Model],
    delete: Callable[..., None],
    instance_kwarg: str,
    queryset: Callable[[models.QuerySet], models.QuerySet] = lambda qs: qs,
    create_permission: str = Permission.CREATE,
    change_permission: str = Permission.CHANGE,
    delete_permission: str = Permission.DELETE,
) -> None:
    """List, create, read, update and delete endpoints for one model, all through its services.

    The writes refuse a role without the given permission (403) before the body is read; the services check
    their own rules again. A PATCH that sends no field changes nothing and answers the record.
    """
    filter_schema = filters
    name = model._meta.verbose_name
    plural = model._meta.verbose_name_plural
    page = page_schema(out)
    item_path = f"/{path}/{{id}}"

    def _get(actor: Actor, id: uuid.UUID):
        return get_scoped(model, actor, id, queryset=queryset(scoped(model, actor)))

    @router.get(f"/{path}", response={200: page, **READ_ERRORS}, summary=f"List {plural}", operation_id=f"list_{path}")
    def list_(request, filters: Query[filter_schema], limit: int = 50, offset: int = 0):  # type: ignore[valid-type]
        qs = filter_queryset(queryset(scoped(model, request.auth)), filters)
        return paginate(qs, limit, offset)

    @router.post(
        f"/{path}",
        response={201: out, **WRITE_ERRORS},
        summary=f"Create a {name}",
        operation_id=f"create_{path}",
        auth=requires(create_permission),
    )
    def create_(request, payload: create_in):  # type: ignore[valid-type]
        obj = create(actor=request.auth, **payload.model_dump())
        return Status(201, _get(request.auth, obj.pk))

    @router.get(item_path, response={200: out, **READ_ERRORS}, summary=f"Read a {name}", operation_id=f"read_{path}")
    def read_(request, id: uuid.UUID):
        return _get(request.auth, id)

    @router.patch(
        item_path,
        response={200: out, **WRITE_ERRORS},
        summary=f"Change a {name}",
        operation_id=f"update_{path}",
        auth=requires(change_permission),
    )
    def update_(request, id: uuid.UUID, payload: patch_in):  # type: ignore[valid-type]
        obj = _get(request.auth, id)
        changes = payload.model_dump(exclude_unset=True)
        if changes:
            update(actor=request.auth, **{instance_kwarg: obj}, **changes)
        return _get(request.auth, id)

    @router.delete(
        item_path,
        response={204: None, **WRITE_ERRORS},
        summary=f"Delete a {name}",
        operation_id=f"delete_{path}",
        auth=requires(delete_permission),
    )
    def delete_(request, id: uuid.UUID):
        delete(actor=request.auth, **{instance_kwarg: _get(request.auth, id)})
        return Status(204, None)

    @router.get(
        f"{item_path}/history",
        response={200: list[TrailEventOut], **READ_ERRORS},
        summary=f"Trail events of a {name}, newest first",
        operation_id=f"history_{path}",
    )
    def history_(request, id: uuid.UUID):
        return list(history_for(_get(request.auth, id))[:500])
