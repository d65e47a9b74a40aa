"""Statement of Applicability rules: 38 Annex A entries, justification both ways, own controls, versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.catalog import get_framework
from openaims.controls import services
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.selectors.soa import draft_diff, version_diff
from tests.controls.conftest import justify_all, make_evidence


def entry(actor, control_id: str) -> SoAEntry:
    return SoAEntry.objects.get(organization=actor.organization, control_id=control_id)


def test_one_entry_per_annex_a_control_created_once(owner_actor, other_actor):
    assert services.soa_ensure_entries(actor=owner_actor) == 38
    assert services.soa_ensure_entries(actor=owner_actor) == 0
    entries = SoAEntry.objects.filter(organization=owner_actor.organization)
    controls = get_framework("iso42001").of_kind("control")
    assert [e.control_id for e in entries] == [c.id for c in controls]
    assert entries.get(control_id="A.6.2.4").group_id == "A.6.2"
    assert not entries.filter(custom=True).exists()
    assert not SoAEntry.objects.filter(organization=other_actor.organization).exists()
    created = TrailEvent.objects.filter(organization=owner_actor.organization, object_type="controls.soaentry")
    assert created.count() == 38 and set(created.values_list("action", flat=True)) == {"create"}
    assert created.first().actor_label.startswith("system (SoA opened by")


def test_first_access_by_a_read_only_member_writes_as_the_system(actor_of):
    auditor = actor_of(Role.AUDITOR)
    assert services.soa_ensure_entries(actor=auditor) == 38
    event = TrailEvent.objects.filter(object_type="controls.soaentry").first()
    assert event.actor_type == "system" and auditor.user.username in event.actor_label


@pytest.mark.parametrize("applicable", [True, False])
def test_justification_is_required_whichever_the_decision(owner_actor, applicable):
    services.soa_ensure_entries(actor=owner_actor)
    target = entry(owner_actor, "A.5.2")
    with pytest.raises(ValidationError) as refused:
        services.soa_entry_update(actor=owner_actor, soa_entry=target, applicable=applicable, justification="  ")
    assert "justification" in refused.value.message_dict
    expected = "risks or obligations" if applicable else "excluded"
    assert expected in refused.value.message_dict["justification"][0]
    target.refresh_from_db()
    assert target.applicable is True and target.justification == ""
    services.soa_entry_update(
        actor=owner_actor, soa_entry=target, applicable=applicable, justification="Risk R-3 needs it."
    )
    target.refresh_from_db()
    assert target.applicable is applicable


def test_changing_status_keeps_needing_the_justification(owner_actor, members):
    services.soa_ensure_entries(actor=owner_actor)
    target = entry(owner_actor, "A.2.2")
    with pytest.raises(ValidationError) as refused:
        services.soa_entry_update(actor=owner_actor, soa_entry=target, implementation_status="implemented")
    assert list(refused.value.message_dict) == ["justification"]
    evidence = make_evidence(owner_actor)
    services.soa_entry_update(
        actor=owner_actor,
        soa_entry=target,
        justification="Our AI policy is required by the board.",
        implementation_status="implemented",
        owner=members[Role.MANAGER],
        evidence=[evidence],
    )
    event = TrailEvent.objects.filter(object_id=str(target.pk), action="update").get()
    changes = event.changes_dict
    assert changes["implementation_status"] == ["not_started", "implemented"]
    assert changes["evidence"] == [[], [str(evidence.pk)]]


def test_owner_must_be_a_member(owner_actor, other_org):
    from openaims.accounts.models import User

    services.soa_ensure_entries(actor=owner_actor)
    stranger = User.objects.get(username="owner-globex@example.org")
    with pytest.raises(ValidationError) as refused:
        services.soa_entry_update(
            actor=owner_actor, soa_entry=entry(owner_actor, "A.2.2"), justification="x", owner=stranger
        )
    assert "owner" in refused.value.message_dict


def test_evidence_of_another_organization_is_refused(owner_actor, other_actor):
    services.soa_ensure_entries(actor=owner_actor)
    theirs = make_evidence(other_actor)
    with pytest.raises(ValidationError) as refused:
        services.soa_entry_update(
            actor=owner_actor, soa_entry=entry(owner_actor, "A.2.2"), justification="x", evidence=[theirs]
        )
    assert "evidence" in refused.value.message_dict


def test_custom_controls(owner_actor, actor_of):
    custom = services.soa_entry_create(
        actor=owner_actor, control_id="ORG-1", title="Model cards for every model", justification="Customer contracts."
    )
    assert custom.custom and custom.group_id == ""
    with pytest.raises(ValidationError) as clash:
        services.soa_entry_create(actor=owner_actor, control_id="A.6.2.4", title="x", justification="y")
    assert "control_id" in clash.value.message_dict
    with pytest.raises(ValidationError) as twice:
        services.soa_entry_create(actor=owner_actor, control_id="ORG-1", title="x", justification="y")
    assert "control_id" in twice.value.message_dict
    with pytest.raises(ValidationError) as unjustified:
        services.soa_entry_create(actor=owner_actor, control_id="ORG-2", title="x", applicable=False)
    assert "justification" in unjustified.value.message_dict
    services.soa_entry_update(actor=owner_actor, soa_entry=custom, title="Model cards, reviewed yearly")
    services.soa_ensure_entries(actor=owner_actor)
    annex = entry(owner_actor, "A.2.2")
    with pytest.raises(ValidationError) as fixed:
        services.soa_entry_update(actor=owner_actor, soa_entry=annex, title="Renamed", justification="x")
    assert "title" in fixed.value.message_dict
    with pytest.raises(ValidationError) as stays:
        services.soa_entry_delete(actor=owner_actor, soa_entry=annex)
    assert "control_id" in stays.value.message_dict
    with pytest.raises(PermissionDenied):
        services.soa_entry_delete(actor=actor_of(Role.CONTRIBUTOR), soa_entry=custom)
    services.soa_entry_delete(actor=owner_actor, soa_entry=custom)
    assert not SoAEntry.objects.filter(pk=custom.pk).exists()


def test_issue_refused_while_a_justification_is_missing_and_lists_them(owner_actor):
    services.soa_ensure_entries(actor=owner_actor)
    services.soa_entry_update(actor=owner_actor, soa_entry=entry(owner_actor, "A.2.2"), justification="Policy.")
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.soa_issue_version(actor=owner_actor)
    message = refused.value.message_dict["justification"][0]
    assert message.startswith("37 controls") and "A.2.3" in message and "A.10.4" in message and "A.2.2," not in message
    assert not SoAVersion.objects.exists() and TrailEvent.objects.count() == before


def test_versions_are_approved_by_a_member_who_may_approve(justified_soa, actor_of, members):
    contributor = actor_of(Role.CONTRIBUTOR)
    with pytest.raises(PermissionDenied):
        services.soa_issue_version(actor=contributor)
    with pytest.raises(ValidationError) as not_an_approver:
        services.soa_issue_version(actor=justified_soa, approved_by=members[Role.CONTRIBUTOR])
    assert "approved_by" in not_an_approver.value.message_dict
    with pytest.raises(ValidationError) as future:
        services.soa_issue_version(actor=justified_soa, approved_on=timezone.localdate() + dt.timedelta(days=1))
    assert "approved_on" in future.value.message_dict

    approved_on = timezone.localdate() - dt.timedelta(days=2)
    v1 = services.soa_issue_version(
        actor=justified_soa, approved_by=members[Role.MANAGER], approved_on=approved_on, note="First issue."
    )
    assert str(v1) == "SoA v1" and v1.approved_by == members[Role.MANAGER]
    assert v1.approved_by_name == str(members[Role.MANAGER]) and v1.approved_on == approved_on
    assert len(v1.entries) == 38 and v1.issued_by == justified_soa.label
    event = TrailEvent.objects.get(object_id=str(v1.pk))
    assert event.action == "create" and event.changes_dict["approved_by"][1] == str(members[Role.MANAGER].pk)
    assert "snapshot" not in event.changes_dict


def test_later_versions_show_the_difference(justified_soa):
    actor = justified_soa
    v1 = services.soa_issue_version(actor=actor)
    assert not version_diff(v1).changed and not version_diff(v1).removed
    assert draft_diff(actor) == (v1, version_diff(v1).__class__())
    services.soa_entry_update(
        actor=actor, soa_entry=entry(actor, "A.10.4"), applicable=False, justification="We have no customers."
    )
    services.soa_entry_update(actor=actor, soa_entry=entry(actor, "A.6.2.4"), implementation_status="partial")
    own = services.soa_entry_create(actor=actor, control_id="ORG-1", title="Model cards", justification="Contracts.")
    latest, pending = draft_diff(actor)
    assert latest == v1 and pending.added == ["ORG-1"]
    v2 = services.soa_issue_version(actor=actor)
    diff = version_diff(v2)
    assert diff.added == ["ORG-1"] and diff.removed == []
    assert diff.changed["A.10.4"]["applicable"] == (True, False)
    assert diff.changed["A.10.4"]["justification"][1] == "We have no customers."
    assert diff.changed["A.6.2.4"] == {"implementation_status": ("not_started", "partial")}
    services.soa_entry_delete(actor=actor, soa_entry=own)
    v3 = services.soa_issue_version(actor=actor)
    assert version_diff(v3).removed == ["ORG-1"] and v3.number == 3
    v1.refresh_from_db()
    assert len(v1.entries) == 38  # issued versions stay as issued


def test_justify_all_helper_leaves_an_issuable_soa(owner_actor):
    justify_all(owner_actor)
    assert services.soa_issue_version(actor=owner_actor).number == 1
