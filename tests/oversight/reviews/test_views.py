"""The review pages: the queue, an item with its decision form, oversight metrics."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import ReviewDecision, ReviewSettings
from tests.oversight.reviews.helpers import make_item, make_rule, make_settings, make_system

pytestmark = pytest.mark.django_db


def test_the_queue_lists_open_items_oldest_first_with_due_badges(ui_as, owner_actor, actor_of, other_actor):
    system = make_system(owner_actor)
    old = make_item(owner_actor, system, decision_id="old-one", submitted_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    new = make_item(owner_actor, system, decision_id="new-one")
    done = make_item(owner_actor, system, decision_id="done-one")
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=done, action="approve")
    make_item(other_actor, decision_id="theirs-one")
    page = ui_as(Role.REVIEWER).get(reverse("reviews-queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("old-one") < html.index("new-one")
    assert "done-one" not in html and "theirs-one" not in html
    assert "overdue" in html and reverse("reviews-detail", args=[old.pk]) in html
    decided = ui_as(Role.REVIEWER).get(reverse("reviews-queue"), {"status": "decided"}).content.decode()
    assert "done-one" in decided and "new-one" not in decided
    partial = (
        ui_as(Role.REVIEWER)
        .get(reverse("reviews-queue"), {"overdue": "false"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="record-table")
        .content.decode()
    )
    assert "<html" not in partial and "new-one" in partial and "old-one" not in partial
    assert reverse("systems-oversight", args=[system.pk]) in html
    assert str(new.pk)


def test_the_nav_has_the_review_queue(ui_as, org):
    html = ui_as(Role.VIEWER).get(reverse("reviews-queue")).content.decode()
    assert "Review queue" in html


def test_the_item_page_shows_the_ai_decision_and_records_a_decision(ui_as, owner_actor):
    item = make_item(owner_actor, explanation={"income": -0.41, "amount": -0.12})
    client = ui_as(Role.REVIEWER)
    html = client.get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "reject" in html and "0.620" in html and "income" in html and "Record decision" in html
    refused = client.post(reverse("reviews-detail", args=[item.pk]), {"action": "override", "outcome": "approve"})
    assert refused.status_code == 422 and "Required: say why" in refused.content.decode()
    assert not ReviewDecision.objects.filter(item=item).exists()
    done = client.post(
        reverse("reviews-detail", args=[item.pk]), {"action": "override", "outcome": "approve", "reason": "Fine."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.final_outcome == "approve"
    again = client.get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "Record decision" not in again and "Fine." in again


def test_a_blind_item_hides_output_confidence_and_explanation_until_decided(ui_as, owner_actor, actor_of):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    make_settings(owner_actor, system, blind_share=1.0)
    item = make_item(owner_actor, system, ai_output="refer-to-underwriter", explanation={"secret_feature": 0.9})
    html = ui_as(Role.REVIEWER).get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "refer-to-underwriter" not in html and "secret_feature" not in html and "0.620" not in html
    assert "Blind review" in html and "income" in html
    queue = ui_as(Role.REVIEWER).get(reverse("reviews-queue")).content.decode()
    assert "refer-to-underwriter" not in queue
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve", outcome="x", reason="y")
    html = ui_as(Role.REVIEWER).get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "refer-to-underwriter" in html and "secret_feature" in html


def test_roles_without_the_review_right_see_no_form_and_cannot_decide(ui_as, owner_actor):
    item = make_item(owner_actor)
    client = ui_as(Role.CONTRIBUTOR)
    html = client.get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "Record decision" not in html
    assert client.post(reverse("reviews-detail", args=[item.pk]), {"action": "approve"}).status_code == 403
    item.refresh_from_db()
    assert item.status == "pending"


def test_other_organizations_items_are_404(ui_as, other_actor):
    theirs = make_item(other_actor)
    client = ui_as(Role.OWNER)
    assert client.get(reverse("reviews-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("reviews-detail", args=[theirs.pk]), {"action": "approve"}).status_code == 404
    assert client.post(reverse("reviews-claim", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("systems-oversight", args=[theirs.ai_system_id])).status_code == 404


def test_take_and_release(ui_as, owner_actor):
    item = make_item(owner_actor)
    client = ui_as(Role.REVIEWER)
    assert client.post(reverse("reviews-claim", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.assigned_to is not None
    html = client.get(reverse("reviews-detail", args=[item.pk])).content.decode()
    assert "Release" in html
    client.post(reverse("reviews-claim", args=[item.pk]), {"release": "1"})
    item.refresh_from_db()
    assert item.assigned_to is None


def test_the_oversight_page_shows_the_metrics(ui_as, owner_actor, actor_of):
    system = make_system(owner_actor)
    item = make_item(owner_actor, system)
    make_item(owner_actor, system)
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="override", outcome="a", reason="b")
    client = ui_as(Role.VIEWER)
    html = client.get(reverse("systems-oversight", args=[system.pk])).content.decode()
    assert "1.000" in html and "reviewer-acme@example.org" in html and "sex=female" in html
    assert "Default: 24 hours" in html
    empty = client.get(reverse("systems-oversight", args=[system.pk]), {"start": "2099-01-01"}).content.decode()
    assert "reviewer-acme@example.org" not in empty
    bad = client.get(reverse("systems-oversight", args=[system.pk]), {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 200 and "Must be after start." in bad.content.decode()


def test_the_settings_form_keeps_the_secret_when_left_empty(ui_as, owner_actor):
    system = make_system(owner_actor)
    settings = make_settings(
        owner_actor, system, webhook_url="https://example.org/hook", webhook_secret="a-long-enough-secret-0"
    )
    client = ui_as(Role.MANAGER)
    edit = client.get(reverse("review-settings-edit", args=[settings.pk])).content.decode()
    assert "a-long-enough-secret-0" not in edit
    response = client.post(
        reverse("review-settings-edit", args=[settings.pk]),
        {
            "hours_to_decide": "6",
            "blind_share": "0.1",
            "webhook_url": "https://example.org/hook2",
            "webhook_secret": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    settings = ReviewSettings.objects.get(pk=settings.pk)
    assert settings.hours_to_decide == 6 and settings.webhook_secret == "a-long-enough-secret-0"
