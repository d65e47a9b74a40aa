"""Readiness of 9.2.1 and 9.2.2 derived from the internal audit records."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from openaims.audits import internal_services as services
from openaims.audits.models import AuditChecklistItem, InternalAudit, Nonconformity
from openaims.audits.readiness import audit_programme_rule, internal_audit_rule
from openaims.base.services import update_record
from openaims.controls.selectors.readiness import requirement_readiness, rule_for
from tests.audits.internal_helpers import make_audit, make_programme

DAY = dt.timedelta(days=1)


def _reported_audit(actor, programme, **overrides):
    """An audit run today through its life up to reported, every line found conforming but the first (minor)."""
    today = timezone.localdate()
    audit = make_audit(
        actor, programme, lead_auditor=actor.user, planned_start=today - DAY, planned_end=today, **overrides
    )
    services.internal_audit_generate_checklist(actor=actor, audit=audit)
    services.internal_audit_start(actor=actor, internal_audit=audit)
    for index, line in enumerate(AuditChecklistItem.objects.filter(audit=audit).order_by("position")):
        finding = "minor_nonconformity" if index == 0 else "conformity"
        services.audit_checklist_item_record_finding(actor=actor, item=line, finding=finding)
    return services.internal_audit_report(actor=actor, internal_audit=audit, summary="One minor finding.")


def test_rules_decide_9_2(owner_actor):
    assert rule_for("9.2.1") == ("9.2.1", internal_audit_rule)
    assert rule_for("9.2.2") == ("9.2.2", audit_programme_rule)
    item = requirement_readiness(owner_actor, "9.2.2")
    assert item.source == "derived" and item.status == "not_met"
    assert item.url == reverse("internal-audits-calendar")


def test_9_2_2_programme_and_planned_audits(owner_actor):
    org = owner_actor.organization
    assert audit_programme_rule(org).status == "not_met"
    programme = make_programme(owner_actor, criteria="")
    derived = audit_programme_rule(org)
    assert derived.status == "partial" and "no audit has been planned" in derived.explanation
    audit = make_audit(owner_actor, programme)
    derived = audit_programme_rule(org)
    assert derived.status == "partial" and "IA-0001 (criteria, lead auditor)" in derived.explanation
    services.internal_audit_update(
        actor=owner_actor, internal_audit=audit, criteria="ISO/IEC 42001", lead_auditor=owner_actor.user
    )
    derived = audit_programme_rule(org)
    assert derived.status == "met" and "1 audit programme(s)" in derived.explanation
    past = timezone.localdate() - 10 * DAY
    make_audit(owner_actor, programme, lead_auditor=owner_actor.user, planned_start=past, planned_end=past + DAY)
    derived = audit_programme_rule(org)
    assert derived.status == "partial" and "without a report: IA-0002" in derived.explanation


def test_9_2_1_audits_at_planned_intervals_and_findings_handled(owner_actor):
    org = owner_actor.organization
    programme = make_programme(owner_actor, frequency="quarterly", criteria="ISO/IEC 42001")
    assert internal_audit_rule(org).status == "not_met"
    audit = _reported_audit(owner_actor, programme)
    derived = internal_audit_rule(org)
    assert derived.status == "met", derived.explanation
    assert audit_programme_rule(org).status == "met"

    # Reported longer ago than the programme's frequency: the interval is missed.
    stale = InternalAudit.objects.get(pk=audit.pk)
    update_record(stale, actor=owner_actor, reported_on=timezone.localdate() - 93 * DAY)
    derived = internal_audit_rule(org)
    assert derived.status == "partial" and "longer ago than its frequency (quarterly)" in derived.explanation
    update_record(stale, actor=owner_actor, reported_on=timezone.localdate() - 30 * DAY)
    assert internal_audit_rule(org).status == "met"

    # A nonconformity finding whose nonconformity was deleted is not handled.
    line = AuditChecklistItem.objects.get(audit=audit, finding="minor_nonconformity")
    from openaims.audits.services import nonconformity_delete

    nonconformity_delete(actor=owner_actor, nonconformity=Nonconformity.objects.get(pk=line.nonconformity_id))
    derived = internal_audit_rule(org)
    assert derived.status == "partial" and "without a nonconformity in IA-0001" in derived.explanation

    # An audit due and not started.
    past = timezone.localdate() - 5 * DAY
    make_audit(owner_actor, programme, planned_start=past, planned_end=past + DAY)
    assert "due and not started: IA-0002" in internal_audit_rule(org).explanation
