"""Template helpers: field values, status badges, trail changes."""

from django import template
from django.utils.html import format_html

from openaims.inventory.choices import BADGE_COLOURS

register = template.Library()


@register.simple_tag
def field_value(obj, name):
    """The display value of ``obj.name`` (choice label, yes/no, em dash for empty)."""
    display = getattr(obj, f"get_{name}_display", None)
    value = display() if callable(display) else getattr(obj, name, "")
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value in (None, "", []):
        return "—"
    return value


@register.simple_tag
def badge(obj, name):
    raw = getattr(obj, name, "")
    display = getattr(obj, f"get_{name}_display", None)
    label = display() if callable(display) else raw
    colour = BADGE_COLOURS.get(raw, "grey")
    return format_html('<span class="badge badge-{}">{}</span>', colour, label)
