"""The organization's own controls run the generic cases: the SoA entries that can be created and deleted."""

from __future__ import annotations

import itertools

from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.controls import services
from openaims.controls.models import SoAEntry
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestSoAEntry(CRUDCases):
    api_path = "soa-entries"
    ui_prefix = "soa-entries"
    model = SoAEntry
    filter_param = ("custom", "true")

    def make(self, actor, **overrides):
        fields = {
            "control_id": f"ORG-{next(_numbers)}",
            "title": "Model cards for every model",
            "justification": "Required by our customer contracts.",
            **overrides,
        }
        return services.soa_entry_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "control_id": f"OWN-{next(_numbers)}",
            "title": "Red-team every release",
            "justification": "Risk R-12 (prompt injection).",
            "implementation_status": "planned",
        }

    def update_payload(self):
        return {"implementation_status": "implemented", "notes": "Done for 2025."}

    def ui_create_data(self, actor):
        data = self.create_payload(actor)
        data["applicable"] = "true"
        return data

    def ui_url(self, action: str, pk=None) -> str:
        # The SoA page is the list of entries.
        return reverse("soa") if action == "list" else super().ui_url(action, pk)

    def test_api_list_and_filter(self, api_as, owner_actor):
        record = self.make(owner_actor)
        body = api_as(Role.VIEWER).get(self.url(), {"limit": 200}).json()
        assert body["count"] == 39 and str(record.pk) in {item["id"] for item in body["items"]}
        assert [i["control_id"] for i in body["items"]][:2] == ["A.2.2", "A.2.3"]
        own = api_as(Role.VIEWER).get(self.url(), {"custom": "true"}).json()
        assert [item["id"] for item in own["items"]] == [str(record.pk)]
        bad = api_as(Role.VIEWER).get(self.url(), {"limit": 0})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "limit"

    def test_api_other_organization_is_404(self, api_as, other_actor, owner_actor):
        services.soa_ensure_entries(actor=owner_actor)  # the first read writes the 38 entries; then nothing may
        super().test_api_other_organization_is_404(api_as, other_actor)
