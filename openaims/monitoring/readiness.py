"""Clause requirements that the monitoring records decide: ``RULES[requirement id](organization) -> Derived``.

9.1 (monitoring, measurement, analysis and evaluation): every live AI system in scope (deployed or operating) has
an active monitor whose latest run measured data within the last ``RECENT_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance.readiness import Derived
from openaims.inventory.choices import LIVE_STAGES
from openaims.inventory.models import AISystem
from openaims.monitoring.choices import RunStatus
from openaims.monitoring.models import MetricRun

#: A run older than this does not show that a system is being measured (a monthly window plus a few days).
RECENT_DAYS = 35


def measurement_rule(organization: Organization) -> Derived:
    """9.1: each live in-scope AI system is measured by an active monitor, recently."""
    url = "monitoring-index"
    systems = list(AISystem.objects.filter(organization=organization, in_scope=True, lifecycle_stage__in=LIVE_STAGES))
    if not systems:
        return Derived("not_met", "No deployed or operating AI system in scope to measure yet.", url)
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    measured = set(
        MetricRun.objects.filter(
            organization=organization,
            monitor__active=True,
            monitor__ai_system__in=systems,
            started_at__gte=since,
        )
        .exclude(status=RunStatus.ERROR)
        .values_list("monitor__ai_system", flat=True)
    )
    missing = [s.name for s in systems if s.pk not in measured]
    if len(missing) == len(systems):
        return Derived("not_met", f"No live AI system was measured in the last {RECENT_DAYS} days.", url)
    if missing:
        shown = ", ".join(f"“{name}”" for name in missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        return Derived("partial", f"Not measured in the last {RECENT_DAYS} days: {shown}.", url)
    return Derived(
        "met", f"All {len(systems)} live AI systems measured by their monitors in the last {RECENT_DAYS} days.", url
    )


RULES: dict[str, Callable[[Organization], Derived]] = {"9.1": measurement_rule}
