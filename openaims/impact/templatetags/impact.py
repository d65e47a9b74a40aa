"""Template helpers of the impact pages."""

from django import template
from django.utils.html import format_html

from openaims.impact.choices import BADGE_COLOURS

register = template.Library()


@register.simple_tag
def assessment_badge(assessment):
    """The status badge of an assessment, in the impact statuses' colours."""
    colour = BADGE_COLOURS.get(assessment.status, "grey")
    return format_html('<span class="badge badge-{}">{}</span>', colour, assessment.get_status_display())
