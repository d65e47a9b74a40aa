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


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(P.values),
    Role.ADMIN: frozenset(P.values),
    Role.MANAGER: frozenset({P.VIEW, P.CREATE, P.CHANGE, P.DELETE, P.APPROVE, P.EXPORT, P.REVIEW}),
    Role.CONTRIBUTOR: frozenset({P.VIEW, P.CREATE, P.CHANGE}),
    Role.REVIEWER: frozenset({P.VIEW, P.REVIEW}),
    Role.AUDITOR: frozenset({P.VIEW, P.EXPORT, P.TRAIL}),
    Role.VIEWER: frozenset({P.VIEW}),
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    Role.OWNER: "Everything, including members and roles.",
    Role.ADMIN: "Everything, including members and roles.",
    Role.MANAGER: "Create, change, delete and approve records; export.",
    Role.CONTRIBUTOR: "Create and change records; no deletion or approval.",
    Role.REVIEWER: "Read records and review AI decisions.",
    Role.AUDITOR: "Read everything, export, read the trail; write nothing.",
    Role.VIEWER: "Read records.",
}


def role_allows(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
