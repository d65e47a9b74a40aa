"""Template helpers of the governance pages."""

from django import template

register = template.Library()


@register.filter
def can(actor, permission: str) -> bool:
    """``{% if actor|can:"approve" %}``: whether the acting member's role allows ``permission``."""
    return actor is not None and actor.can(permission)
