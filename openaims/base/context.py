"""Who is acting, for which organization, in which request."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openaims.accounts.choices import Role, role_allows
from openaims.base.errors import PermissionDenied

if TYPE_CHECKING:
    from openaims.accounts.models import ApiToken, Organization, User

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("aims_request_id", default=None)


def current_request_id() -> str:
    """The id shared by every trail event of the current request (a new one outside a request)."""
    value = _request_id.get()
    return value or uuid.uuid4().hex


@contextmanager
def request_scope(request_id: str | None = None):
    """Group the trail events written inside the block under one request id."""
    token = _request_id.set(request_id or uuid.uuid4().hex)
    try:
        yield _request_id.get()
    finally:
        _request_id.reset(token)


@dataclass
class Actor:
    """A member acting in one organization: through the UI (user), the API (token) or the CLI (system)."""

    organization: Organization
    role: str
    user: User | None = None
    token: ApiToken | None = None
    system_label: str = ""
    #: The AI systems the actor sees (a guest auditor invited to some systems); None: the whole organization.
    system_scope: frozenset[uuid.UUID] | None = None
    #: The catalog frameworks the actor's work is limited to; None: every framework.
    framework_scope: frozenset[str] | None = None
    _label: str = field(default="", repr=False)

    @property
    def actor_type(self) -> str:
        if self.token is not None:
            return "token"
        if self.user is not None:
            return "user"
        return "system"

    @property
    def actor_id(self) -> str:
        if self.token is not None:
            return str(self.token.pk)
        if self.user is not None:
            return str(self.user.pk)
        return ""

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"{self.user.username} (token {self.token.name!r})"
        if self.user is not None:
            return self.user.username
        return self.system_label or "system"

    @property
    def is_guest(self) -> bool:
        """A guest auditor: every request they make is recorded in the trail."""
        return self.role == Role.GUEST_AUDITOR

    def in_system_scope(self, ai_system_id) -> bool:
        """Whether the actor sees the AI system with this id (always, without a system scope)."""
        return self.system_scope is None or uuid.UUID(str(ai_system_id)) in self.system_scope

    def in_framework_scope(self, framework_id: str) -> bool:
        return self.framework_scope is None or framework_id in self.framework_scope

    def can(self, permission: str) -> bool:
        return role_allows(self.role, permission)

    def require(self, permission: str) -> None:
        """Raise :class:`PermissionDenied` unless the role allows ``permission``."""
        if not self.can(permission):
            raise PermissionDenied(f"Your role ({Role(self.role).label}) does not allow this ({permission}).")


def system_actor(organization: Organization, label: str = "system", role: str = Role.OWNER) -> Actor:
    """An actor for the CLI and the demo loader when no user is named."""
    return Actor(organization=organization, role=role, system_label=label)
