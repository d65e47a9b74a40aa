"""Template context: the current organization and role of the signed-in user."""

from openaims.accounts.choices import Permission, Role


def _app_nav_items() -> list[tuple[str, str]]:
    """``(label, url)`` of every app's ``nav_items`` (on its AppConfig), in app order; unknown URL names skipped."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    items = []
    for config in apps.get_app_configs():
        for label, url_name in getattr(config, "nav_items", ()):
            try:
                items.append((label, reverse(url_name)))
            except NoReverseMatch:
                continue
    return items


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
        "app_nav_items": _app_nav_items(),
    }
