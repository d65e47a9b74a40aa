"""The trail: one event per change, chained per organization, tamper-evident."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from typer.testing import CliRunner

from openaims.base.context import request_scope
from openaims.base.models import TrailEvent, TrailHead
from openaims.base.trail import record_event, verify_organization
from openaims.cli.main import app
from openaims.inventory import services
from openaims.trail import GENESIS_HASH, event_hash


def test_events_chain_per_organization(owner_actor, other_actor):
    services.ai_system_create(actor=owner_actor, name="A", purpose="p")
    services.ai_system_create(actor=other_actor, name="B", purpose="p")
    for organization in (owner_actor.organization, other_actor.organization):
        events = list(TrailEvent.objects.filter(organization=organization).order_by("sequence"))
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == GENESIS_HASH
        for before, after in zip(events, events[1:], strict=False):
            assert after.prev_hash == before.hash
        for event in events:
            assert event.hash == event_hash(event.prev_hash, event.hashed_values())
        assert TrailHead.objects.get(organization=organization).hash == events[-1].hash
        assert verify_organization(organization) == (len(events), None)


def test_event_records_actor_fields_and_changes(owner_actor):
    system = services.ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores.", tags=["B", "a"])
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Scores loans.")
    create, update = TrailEvent.objects.filter(object_id=str(system.pk)).order_by("sequence")
    assert create.action == "create" and create.object_type == "inventory.aisystem" and create.object_label == "Scorer"
    assert create.actor_type == "user" and create.actor_label == owner_actor.user.username
    assert create.changes_dict["tags"] == [None, ["a", "b"]]
    assert update.changes_dict == {"purpose": ["Scores.", "Scores loans."]}


def test_no_event_when_nothing_changes(owner_actor):
    system = services.ai_system_create(actor=owner_actor, name="Same", purpose="p")
    count = TrailEvent.objects.count()
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="p")
    assert TrailEvent.objects.count() == count


def test_events_of_one_request_share_its_id(owner_actor):
    with request_scope("req-0123456789"):
        services.dataset_create(actor=owner_actor, name="D1")
        services.dataset_create(actor=owner_actor, name="D2")
    ids = set(TrailEvent.objects.filter(object_label__in=["D1", "D2"]).values_list("request_id", flat=True))
    assert ids == {"req-0123456789"}


def test_api_request_id_is_shared_and_returned(api_as, owner_actor):
    response = api_as("owner").post(
        "/api/v1/datasets", {"name": "From API"}, content_type="application/json", HTTP_X_REQUEST_ID="abcdef123456"
    )
    assert response["X-Request-ID"] == "abcdef123456"
    assert TrailEvent.objects.get(object_label="From API").request_id == "abcdef123456"


def test_failed_write_leaves_no_event(owner_actor):
    services.ai_system_create(actor=owner_actor, name="Dup", purpose="p")
    count = TrailEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - ValidationError: the name is taken
        services.ai_system_create(actor=owner_actor, name="Dup", purpose="p")
    assert TrailEvent.objects.count() == count


def _tamper(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("column", ["object_label", "changes", "actor_label"])
def test_changing_one_stored_byte_is_detected_and_named(owner_actor, column):
    for i in range(5):
        services.dataset_create(actor=owner_actor, name=f"Set {i}")
    victim = TrailEvent.objects.get(organization=owner_actor.organization, object_label="Set 2")
    original = getattr(victim, column)
    changed = original[:-1] + chr(ord(original[-1]) ^ 1)  # flip one bit of the last character
    _tamper(
        f"UPDATE base_trailevent SET {column} = %s WHERE id = %s",
        [changed, victim.id.hex if connection.vendor == "sqlite" else victim.id],
    )
    count, broken = verify_organization(owner_actor.organization)
    assert broken is not None and broken.sequence == victim.sequence and broken.event_id == str(victim.id)
    assert count == victim.sequence - 1

    result = CliRunner().invoke(app, ["trail", "verify", "--org", owner_actor.organization.slug])
    assert result.exit_code == 1
    assert f"#{victim.sequence}" in result.output and str(victim.id) in result.output


def test_deleting_an_event_breaks_the_chain(owner_actor):
    for i in range(3):
        services.dataset_create(actor=owner_actor, name=f"Gone {i}")
    victim = TrailEvent.objects.get(organization=owner_actor.organization, object_label="Gone 1")
    _tamper(
        "DELETE FROM base_trailevent WHERE id = %s", [victim.id.hex if connection.vendor == "sqlite" else victim.id]
    )
    _, broken = verify_organization(owner_actor.organization)
    assert broken is not None and broken.sequence == victim.sequence + 1


def test_verify_ok_prints_count(owner_actor):
    services.dataset_create(actor=owner_actor, name="Fine")
    n = TrailEvent.objects.filter(organization=owner_actor.organization).count()
    result = CliRunner().invoke(app, ["trail", "verify", "--org", "acme"])
    assert result.exit_code == 0, result.output
    assert f"ok, {n} events" in result.output


def test_record_event_inside_transaction_only(owner_actor):
    with transaction.atomic():
        event = record_event(actor=owner_actor, action="access", object_type="x", object_id="1", object_label="x")
    assert event.sequence >= 1


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    from openaims.accounts.services import organization_create
    from openaims.base.context import system_actor

    organization = organization_create(name="Loose", slug="loose")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(actor=system_actor(organization), action="access", object_type="x", object_id="1")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(
    ("victim", "damage", "expected"),
    [
        (None, None, (12, None)),
        (9, "content", (8, "content does not match its hash")),
        (5, "delete", (4, "sequence 6, expected 5")),
        (4, "delete", (3, None)),
        (12, "delete", (11, "the chain ends at 11 but its head says 12")),
    ],
)
def test_verification_in_ranges_finds_the_first_break(monkeypatch, workers, victim, damage, expected):
    """Long chains are verified in ranges by worker processes (where the database allows it): same answers."""
    from openaims.accounts.services import organization_create
    from openaims.base import trail
    from openaims.base.context import system_actor

    organization = organization_create(name="Ranges", slug="ranges")
    actor = system_actor(organization)
    start = TrailEvent.objects.filter(organization=organization).count()
    for i in range(12 - start):
        with transaction.atomic():
            record_event(actor=actor, action="access", object_type="x", object_id=str(i), object_label=f"E{i}")
    if victim is not None:
        event = TrailEvent.objects.get(organization=organization, sequence=victim)
        key = event.id.hex if connection.vendor == "sqlite" else event.id
        if damage == "content":
            _tamper("UPDATE base_trailevent SET object_label = %s WHERE id = %s", ["forged", key])
        else:
            _tamper("DELETE FROM base_trailevent WHERE id = %s", [key])
    monkeypatch.setattr(trail, "PARALLEL_MIN_EVENTS", 1)
    in_ranges = workers > 1 and trail._connection_info() is not None
    if connection.vendor == "postgresql":
        assert in_ranges or workers == 1  # the ranges do run in worker processes here
    count, broken = verify_organization(organization, workers=workers)
    expected_count, reason = expected
    assert count == expected_count
    if victim is None:
        assert broken is None
    elif victim == 4 and in_ranges:
        assert broken.sequence == 4 and broken.reason == "event #4 is missing"
    elif victim == 4:
        assert broken.sequence == 5 and broken.reason == "sequence 5, expected 4"
    else:
        assert broken.sequence == victim + (damage == "delete" and victim < 12)
        assert broken.reason == reason
