"""Template helpers of the risk pages, and the flag the SoA shows on a control excluded while it treats a high risk."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from openaims.risk.selectors import soa_conflicts

register = template.Library()


def _conflicts(context) -> dict:
    """``soa_conflicts`` of the request's actor, computed once per request (the SoA table shows ~40 rows)."""
    request = context.get("request")
    actor = getattr(request, "actor", None)
    if actor is None:
        return {}
    if not hasattr(request, "_soa_conflicts"):
        request._soa_conflicts = soa_conflicts(actor)
    return request._soa_conflicts


@register.simple_tag(takes_context=True)
def soa_conflict_flag(context, entry):
    """A red badge on an SoA entry that is excluded while it treats a high or critical risk, naming the risks."""
    risks = _conflicts(context).get(entry.pk)
    if not risks:
        return ""
    names = "; ".join(f"{r.title} ({r.inherent_level})" for r in risks)
    one = len(risks) == 1
    url = reverse("risks-detail", args=[risks[0].pk]) if one else reverse("risk-overview") + "#soa-conflicts"
    return format_html(
        '<a class="badge badge-red soa-conflict" href="{}" title="Excluded, but treats: {}">treats {} high risk{}</a>',
        url,
        names,
        len(risks),
        "" if one else "s",
    )


@register.simple_tag
def risk_links(risks):
    """Links to ``risks``, comma separated."""
    return format_html_join(", ", '<a href="{}">{}</a>', ((reverse("risks-detail", args=[r.pk]), r) for r in risks))
