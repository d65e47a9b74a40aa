"""Template context: the current organization and role of the signed-in user."""

from openaims.accounts.choices import Permission, Role


def membership(request):
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    return {
        "actor": actor,
        "current_organization": actor.organization,
        "current_role": Role(actor.role).label,
        "user_memberships": getattr(request, "user_memberships", []),
        "can_read_trail": actor.can(Permission.TRAIL),
    }
