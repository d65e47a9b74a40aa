"""Roles and what each may do."""

from django.db import models


class Role(models.TextChoices):
    """A member's role in one organization."""

    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    CONTRIBUTOR = "contributor", "Contributor"
    REVIEWER = "reviewer", "Reviewer"
    AUDITOR = "auditor", "Auditor"
    VIEWER = "viewer", "Viewer"
    GUEST_AUDITOR = "guest_auditor", "Guest auditor"


#: The roles of the organization's own people (not guests): e.g. the role that triages concerns.
MEMBER_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value != Role.GUEST_AUDITOR]


class Permission(models.TextChoices):
    """What a role allows. Checked by services, so UI, API and CLI agree."""

    VIEW = "view", "Read records"
    CREATE = "create", "Create records"
    CHANGE = "change", "Change records"
    DELETE = "delete", "Delete records"
    APPROVE = "approve", "Approve (e.g. a deployment)"
    EXPORT = "export", "Export"
    TRAIL = "trail", "Read the organization's whole trail"
    REVIEW = "review", "Review AI decisions"
    MANAGE_MEMBERS = "manage_members", "Manage members and roles"
    REQUEST = "request", "Request evidence and comment on requests"


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(P.values),
    Role.ADMIN: frozenset(P.values),
    Role.MANAGER: frozenset({P.VIEW, P.CREATE, P.CHANGE, P.DELETE, P.APPROVE, P.EXPORT, P.REVIEW, P.REQUEST}),
    Role.CONTRIBUTOR: frozenset({P.VIEW, P.CREATE, P.CHANGE}),
    Role.REVIEWER: frozenset({P.VIEW, P.REVIEW}),
    Role.AUDITOR: frozenset({P.VIEW, P.EXPORT, P.TRAIL, P.REQUEST}),
    Role.VIEWER: frozenset({P.VIEW}),
    # An external auditor, invited until a date and maybe to some AI systems only: reads and exports what is in
    # scope and asks for evidence; the organization's whole trail stays internal.
    Role.GUEST_AUDITOR: frozenset({P.VIEW, P.EXPORT, P.REQUEST}),
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.OWNER: "Everything, including members and roles.",
    Role.ADMIN: "Everything, including members and roles.",
    Role.MANAGER: "Create, change, delete and approve records; export.",
    Role.CONTRIBUTOR: "Create and change records; no deletion or approval.",
    Role.REVIEWER: "Read records and review AI decisions.",
    Role.AUDITOR: "Read everything, export, read the trail, request evidence; write no record.",
    Role.VIEWER: "Read records.",
    Role.GUEST_AUDITOR: (
        "An external auditor until the invitation lapses: read and export what the invitation's scope covers, "
        "request evidence and comment; no trail, no writes to records."
    ),
}


def role_allows(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
