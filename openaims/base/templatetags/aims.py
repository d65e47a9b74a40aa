"""Template helpers: field values, status badges, trail changes."""

import functools
import importlib

from django import template
from django.apps import apps
from django.utils.html import format_html

register = template.Library()


@functools.cache
def badge_colours(app_label: str) -> dict:
    """``BADGE_COLOURS`` of an app's ``choices`` module (statuses → colour names), or an empty dict."""
    try:
        module = importlib.import_module(f"{apps.get_app_config(app_label).name}.choices")
    except (LookupError, ModuleNotFoundError):
        return {}
    return getattr(module, "BADGE_COLOURS", {})


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
    app_label = getattr(getattr(obj, "_meta", None), "app_label", "")
    colour = badge_colours(app_label).get(raw) or badge_colours("inventory").get(raw, "grey")
    return format_html('<span class="badge badge-{}">{}</span>', colour, label)


@register.filter
def words(name: str) -> str:
    """``true_positive_rate`` → ``True positive rate``: an identifier as a label."""
    return str(name).replace("_", " ").capitalize()
