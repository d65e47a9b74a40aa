"""``aims management-review``: plan, list, show, hold, decide, action, close-action, issue, minutes; bad input is one
clear line naming the flag and a non-zero exit, changing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.management_review.models import ManagementReview, ReviewAction

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")


def aims(*args: str):
    return runner.invoke(app, list(args))


def test_a_review_from_plan_to_minutes(owner_actor, members, tmp_path):
    today = dt.date.today()
    planned = aims(
        "management-review", "plan", "Annual review", "--planned-for", str(today), "--chair", "owner-acme@example.org",
        "--attendee", "manager-acme@example.org", "--attendee", "owner-acme@example.org", "--json",
    )  # fmt: skip
    assert planned.exit_code == 0, planned.output
    body = json.loads(planned.output)
    assert body["reference"] == "MR-0001" and len(body["attendees"]) == 2 and body["status"] == "planned"
    assert "MR-0001" in aims("management-review", "list").output
    preview = aims("management-review", "show", "MR-0001")
    assert preview.exit_code == 0 and "(live)" in preview.output and "Risks and opportunities" in preview.output

    held = aims("management-review", "hold", "mr-1")
    assert held.exit_code == 0 and "SHA-256" in held.output
    decided = aims(
        "management-review", "decide", "MR-0001", "--text", "Fund a reviewer.", "--category", "resource_need"
    )
    assert decided.exit_code == 0, decided.output
    given = aims(
        "management-review", "action", "MR-0001", "--title", "Recruit", "--owner", "manager-acme@example.org",
        "--due", str(today + dt.timedelta(days=30)), "--json",
    )  # fmt: skip
    assert given.exit_code == 0, given.output
    action_id = json.loads(given.output)["id"]
    assert aims("management-review", "issue", body["id"]).exit_code == 0
    closed = aims("management-review", "close-action", action_id, "--note", "Hired Dr Lee.", "--json")
    assert closed.exit_code == 0 and json.loads(closed.output)["status"] == "done"
    shown = json.loads(aims("management-review", "show", "MR-0001", "--json").output)
    assert shown["status"] == "minutes_issued" and shown["inputs"]["version"] == 1
    assert shown["decisions"] == [{"category": "resource_need", "text": "Fund a reviewer."}]
    listed = json.loads(aims("management-review", "list", "--status", "minutes_issued", "--json").output)
    assert [item["reference"] for item in listed] == ["MR-0001"]

    for fmt in ("pdf", "docx"):
        out = tmp_path / f"minutes.{fmt}"
        written = aims("management-review", "minutes", "MR-0001", "--format", fmt, "--out", str(out))
        assert written.exit_code == 0, written.output
        assert out.read_bytes()[:4] == (b"%PDF" if fmt == "pdf" else b"PK\x03\x04")
    event = TrailEvent.objects.filter(object_id=body["id"]).order_by("sequence").first()
    assert event.actor_type == "system"


def test_bad_input_is_one_line_and_non_zero(owner_actor, members, other_org, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMS_ORG", "acme")
    today = str(dt.date.today())
    before = TrailEvent.objects.count()
    bad_date = aims("management-review", "plan", "R", "--planned-for", "soon")
    assert bad_date.exit_code == 1 and "--planned-for" in bad_date.output
    stranger = aims("management-review", "plan", "R", "--planned-for", today, "--attendee", "owner-globex@example.org")
    assert stranger.exit_code == 1 and "--attendee" in stranger.output
    interval = aims("management-review", "plan", "R", "--planned-for", today, "--interval-months", "0")
    assert interval.exit_code == 1 and "--interval-months" in interval.output
    assert aims("management-review", "list", "--status", "done").exit_code == 1
    assert TrailEvent.objects.count() == before and not ManagementReview.objects.exists()

    aims("management-review", "plan", "R", "--planned-for", today)
    before = TrailEvent.objects.count()
    no_people = aims("management-review", "hold", "MR-0001")
    assert no_people.exit_code == 1 and "chair" in no_people.output and "attendees" in no_people.output
    missing = aims("management-review", "hold", "MR-0009")
    assert missing.exit_code == 1 and "ID" in missing.output
    planned = aims("management-review", "decide", "MR-0001", "--text", "x")
    assert planned.exit_code == 1 and "status" in planned.output
    category = aims("management-review", "decide", "MR-0001", "--text", "x", "--category", "wish")
    assert category.exit_code == 1 and "--category" in category.output
    fmt = aims("management-review", "minutes", "MR-0001", "--format", "odt", "--out", str(tmp_path / "x"))
    assert fmt.exit_code == 1 and "--format" in fmt.output
    unknown = aims("management-review", "close-action", "nope", "--note", "x")
    assert unknown.exit_code == 1 and "ACTION_ID" in unknown.output
    assert TrailEvent.objects.count() == before and not ReviewAction.objects.exists()
    assert ManagementReview.objects.get().status == "planned"
