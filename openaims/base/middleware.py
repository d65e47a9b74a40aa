"""Request id, the acting member, security headers, and JSON problems for every error under /api/."""

from __future__ import annotations

import re
import sys
import uuid

from django.core.signals import got_request_exception
from django.http import JsonResponse

from openaims.base.context import Actor, request_scope
from openaims.base.errors import DATABASE_RETRY_SECONDS, database_unavailable, problem_body

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)


class RequestContextMiddleware:
    """Give each request an id (or keep a well-formed ``X-Request-ID``); trail events of the request share it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        with request_scope(request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class ActorMiddleware:
    """For signed-in users of the web UI: their membership in the organization chosen in the session.

    Lapsed memberships (a guest auditor's invitation past its expiry) are not memberships: the organization
    switcher hides them, and ``request.lapsed_membership`` tells the "no organization" page why. Every request a
    guest auditor makes, in the UI or the API, is recorded in the trail once answered (see
    :func:`openaims.external_audit.services.guest_access_record`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        request.lapsed_membership = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            from openaims.accounts.selectors import actor_for_membership, lapsed_memberships_of, memberships_of

            memberships = list(memberships_of(user))
            request.user_memberships = memberships
            chosen = request.session.get("organization_id")
            membership = next((m for m in memberships if str(m.organization_id) == chosen), None)
            membership = membership or (memberships[0] if memberships else None)
            if membership is not None:
                request.actor = actor_for_membership(membership)
            else:
                request.lapsed_membership = lapsed_memberships_of(user).first()
        response = self.get_response(request)
        _record_guest_access(request, response)
        return response


def _record_guest_access(request, response) -> None:
    """One trail event for a guest auditor's request: the method, the path (no query string) and the answer."""
    actor = getattr(request, "actor", None) or getattr(request, "aims_actor", None)  # the UI's, or the API's
    if not isinstance(actor, Actor) or not actor.is_guest:
        return
    from openaims.external_audit.services import guest_access_record

    guest_access_record(actor=actor, method=request.method, path=request.path, status=response.status_code)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no inline scripts) and related headers on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            # The docs page (Swagger UI served from our static files) needs inline style.
            response.setdefault(
                "Content-Security-Policy",
                CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
            )
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


_API_PREFIX = "/api/"
_API_DETAILS = {
    400: "The request is malformed.",
    403: "Not allowed.",
    404: "No such API path.",
    405: "This method is not allowed here.",
    500: "The server failed to answer this request; the failure is logged.",
    503: "The database is unavailable; try again shortly.",
}
_BODY_HEADERS = {"content-type", "content-length", "content-disposition", "content-language"}


def _remember_exception(sender, request=None, **kwargs) -> None:
    """Keep the failing exception on the request, so an API answer can say 503 when the database is down."""
    if request is not None:
        request.failure = sys.exc_info()[1]


got_request_exception.connect(_remember_exception, dispatch_uid="openaims.base.middleware.remember_exception")


class ApiProblemMiddleware:
    """Under ``/api/``, every error answer is the API's JSON problem, whoever produced it.

    The API's own errors already are; this catches the rest: an unknown path (404), a method the path does not
    have (405), a server error outside the API's handlers (500, or 503 with Retry-After when the database is
    unavailable), and Django's own refusals (e.g. a disallowed host, 400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(_API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        if status >= 500 and database_unavailable(getattr(request, "failure", None)):
            status = 503
        detail = _API_DETAILS.get(status) or problem_body(status, "")["title"]
        problem = JsonResponse(problem_body(status, detail), status=status)
        for header, value in response.items():  # security headers, Allow, WWW-Authenticate, ...
            if header.lower() not in _BODY_HEADERS:
                problem[header] = value
        problem.cookies = response.cookies
        if status == 503:
            problem["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return problem
