"""Edge input on real records (the schemathesis fuzz only reaches item endpoints with unknown ids): never a 500."""

from __future__ import annotations

import pytest

from openaims.accounts.choices import Role
from openaims.accounts.models import Membership
from tests.governance import test_crud as crud

# The module, not its classes: imported Test… classes would be collected a second time here.
CASES = [
    crud.TestScopeStatement,
    crud.TestContextIssue,
    crud.TestInterestedParty,
    crud.TestDocument,
    crud.TestDocumentVersion,
    crud.TestAIMSRole,
    crud.TestAIObjective,
    crud.TestCompetenceRecord,
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.api_path)
def test_null_and_foreign_values_are_refused_with_the_field_named(case, api_as, owner_actor, other_actor):
    client = api_as(Role.OWNER)
    payload = case().create_payload(owner_actor)
    created = client.post(f"/api/v1/{case.api_path}", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/{case.api_path}/{created.json()['id']}"
    stranger = str(other_actor.user.pk)
    for name in created.json():
        if name in ("id", "created_at", "updated_at"):
            continue
        for bad in (None, stranger, [stranger], "2024-13-45", 1e300):
            response = client.patch(url, {name: bad}, content_type="application/json")
            assert response.status_code in (200, 422), (name, bad, response.content)
            if response.status_code == 422:
                assert response.json()["errors"], (name, bad)


def test_members_of_another_organization_are_refused(api_as, owner_actor, other_actor):
    client = api_as(Role.OWNER)
    theirs = Membership.objects.get(user=other_actor.user)
    role = client.post(
        "/api/v1/aims-roles",
        {"name": "Lead", "responsibilities": "Leads.", "holders": [str(theirs.pk)]},
        content_type="application/json",
    )
    assert role.status_code == 422 and role.json()["errors"][0]["field"] == "holders"
    record = client.post(
        "/api/v1/competence-records",
        {"competence": "Training", "member_id": str(other_actor.user.pk)},
        content_type="application/json",
    )
    assert record.status_code == 422 and record.json()["errors"][0]["field"] == "member_id"
