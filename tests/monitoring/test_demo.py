"""The demo shows a fairness monitor whose last weeks breach the four-fifths rule."""

from __future__ import annotations

from openaims.demo import load_demo
from openaims.monitoring.models import Alert, MetricRun


def test_demo_runs_every_week_and_the_last_weeks_breach(db):
    organization, created = load_demo()
    assert created
    runs = list(MetricRun.objects.filter(organization=organization, monitor__kind="fairness").order_by("window_start"))
    assert len(runs) == 8
    assert [r.status for r in runs] == ["passed"] * 6 + ["failed"] * 2, [(r.status, r.checks) for r in runs]
    assert all(r.rows == 600 for r in runs)
    breached = {c["metric"] for r in runs[-2:] for c in r.failed_checks}
    assert breached == {"demographic_parity_ratio"}
    assert Alert.objects.filter(organization=organization, monitor__kind="fairness").count() == 2
    assert all(r.evidence_id for r in runs)
    from openaims.audits.models import Nonconformity

    nc = Nonconformity.objects.get(organization=organization, monitor=runs[-1].monitor)
    assert nc.raised_by_run == runs[-2] and nc.last_failing_run == runs[-1]
