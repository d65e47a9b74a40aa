"""Fixtures of the controls tests: evidence items and a fully justified Statement of Applicability."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from openaims.controls import services
from openaims.controls.models import SoAEntry
from openaims.evidence.services import evidence_create

_numbers = itertools.count(1)


def make_evidence(actor, *, valid_until: dt.date | None = None, title: str | None = None):
    """A link as evidence, valid until ``valid_until`` (no expiry when None)."""
    n = next(_numbers)
    return evidence_create(
        actor=actor,
        kind="url",
        title=title or f"Evidence {n}",
        url=f"https://evidence.example.org/{n}",
        collected_on=timezone.localdate() - dt.timedelta(days=400),
        valid_until=valid_until,
    )


def justify_all(actor, text: str = "Needed for the credit-scoring risk R-7 and the AI Act obligations.") -> None:
    """Give every entry of the actor's SoA a justification (and so make it issuable)."""
    services.soa_ensure_entries(actor=actor)
    for entry in SoAEntry.objects.filter(organization=actor.organization):
        if not entry.justification:
            services.soa_entry_update(actor=actor, soa_entry=entry, justification=f"{text} ({entry.control_id})")


@pytest.fixture
def justified_soa(owner_actor):
    justify_all(owner_actor)
    return owner_actor
