"""Template helpers of the controls pages: status badges and links to pages that may not exist yet."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from openaims.controls.choices import (
    APPLICABILITY_LABELS,
    COVERAGE_BADGES,
    IMPLEMENTATION_BADGES,
    READINESS_BADGES,
    CoverageStatus,
    ImplementationStatus,
    ReadinessStatus,
)

register = template.Library()


def _badge(colour: str, label: str, value: str):
    return format_html('<span class="badge badge-{}" data-status="{}">{}</span>', colour, value, label)


@register.simple_tag
def implementation_badge(value):
    if value not in ImplementationStatus.values:
        return _badge("grey", value or "—", value or "")
    return _badge(IMPLEMENTATION_BADGES[value], ImplementationStatus(value).label, value)


@register.simple_tag
def readiness_badge(value):
    if value not in ReadinessStatus.values:
        return _badge("grey", value or "—", value or "")
    return _badge(READINESS_BADGES[value], ReadinessStatus(value).label, value)


@register.simple_tag
def coverage_badge(value):
    return _badge(COVERAGE_BADGES.get(value, "grey"), CoverageStatus(value).label, value)


@register.simple_tag
def applicability_badge(applicable):
    return _badge(
        "green" if applicable else "dark", APPLICABILITY_LABELS[bool(applicable)], str(bool(applicable)).lower()
    )


@register.simple_tag
def optional_url(name, *args):
    """The URL of ``name``, or an empty string while the page does not exist (another app still to come)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
