"""``aims nc list``: table, JSON, filters, and one clear line for bad input."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from typer.testing import CliRunner

from openaims.cli.main import app
from tests.audits.helpers import make_action, make_nc, make_system

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


def test_list_table_and_json(owner_actor):
    system = make_system(owner_actor, name="Loan scorer")
    past = timezone.localdate() - dt.timedelta(days=3)
    late = make_nc(owner_actor, title="Late check", ai_system=system, detected_on=past, due_date=past)
    planned = make_nc(owner_actor, title="Missing review", source="internal_audit")
    make_action(owner_actor, planned)

    table = aims("nc", "list", "--org", "acme")
    assert table.exit_code == 0, table.output
    assert "NC-0001" in table.output and "NC-0002" in table.output and "Loan" in table.output

    body = json.loads(aims("nc", "list", "--org", "acme", "--json").output)
    assert [item["reference"] for item in body] == ["NC-0002", "NC-0001"]
    assert body[1]["overdue"] is True and body[1]["ai_system_id"] == str(system.pk)

    planned_only = json.loads(aims("nc", "list", "--org", "acme", "--status", "action_planned", "--json").output)
    assert [item["id"] for item in planned_only] == [str(planned.pk)]
    by_system = json.loads(aims("nc", "list", "--org", "acme", "--system", "Loan scorer", "--json").output)
    assert [item["id"] for item in by_system] == [str(late.pk)]
    overdue = json.loads(aims("nc", "list", "--org", "acme", "--overdue", "--json").output)
    assert [item["id"] for item in overdue] == [str(late.pk)]


def test_bad_input_is_one_line_and_non_zero(owner_actor):
    bad = aims("nc", "list", "--org", "acme", "--status", "done")
    assert bad.exit_code == 1 and "--status" in bad.output and "open" in bad.output
    assert aims("nc", "list", "--org", "acme", "--system", "Nope").exit_code == 1
    assert aims("nc", "list", "--org", "nobody").exit_code == 1


def test_list_as_a_member(owner_actor, members):
    make_nc(owner_actor)
    result = aims("nc", "list", "--org", "acme", "--user", "viewer-acme@example.org", "--json")
    assert result.exit_code == 0 and len(json.loads(result.output)) == 1
