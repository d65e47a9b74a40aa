"""Request id, the acting member, and security headers."""

from __future__ import annotations

import re
import uuid

from openaims.base.context import Actor, request_scope

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
    """For signed-in users of the web UI: their membership in the organization chosen in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            from openaims.accounts.selectors import memberships_of

            memberships = list(memberships_of(user))
            request.user_memberships = memberships
            chosen = request.session.get("organization_id")
            membership = next((m for m in memberships if str(m.organization_id) == chosen), None)
            membership = membership or (memberships[0] if memberships else None)
            if membership is not None:
                request.actor = Actor(organization=membership.organization, role=membership.role, user=user)
        return self.get_response(request)


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
