"""``aims audit``: programme, plan, list, sample and checklist; one clear line and a non-zero exit for bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from openaims.audits.models import InternalAudit
from openaims.base.models import TrailEvent
from openaims.cli.main import app
from tests.audits.helpers import make_system

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


def test_programme_plan_list_sample_checklist(owner_actor, members):
    make_system(owner_actor, name="Loan scorer")
    make_system(owner_actor, name="Chat helper")
    made = aims("audit", "programme", "AIMS audits", "--objectives", "Check the AIMS.", "--frequency", "semiannual")
    assert made.exit_code == 0, made.output
    planned = aims(
        "audit", "plan", "Spring audit", "--programme", "AIMS audits", "--start", "2030-03-02", "--end",
        "2030-03-06", "--clauses", "9.2", "--lead", "owner-acme@example.org", "--team", "auditor-acme@example.org",
        "--json",
    )  # fmt: skip
    assert planned.exit_code == 0, planned.output
    body = json.loads(planned.output)
    assert body["reference"] == "IA-0001" and body["clause_ids"] == ["9.2"] and len(body["team"]) == 1

    listed = json.loads(aims("audit", "list", "--org", "acme", "--json").output)
    assert [item["reference"] for item in listed] == ["IA-0001"]
    assert "IA-0001" in aims("audit", "list").output

    first = json.loads(aims("audit", "sample", "IA-0001", "--size", "1", "--seed", "9", "--json").output)
    again = json.loads(aims("audit", "sample", "ia-1", "--size", "1", "--seed", "9", "--json").output)
    assert first["sampled_systems"] == again["sampled_systems"] and first["sample_seed"] == 9
    table = aims("audit", "sample", body["id"], "--size", "2", "--seed", "9")
    assert table.exit_code == 0 and "Loan" in table.output and "Chat" in table.output

    lines = json.loads(aims("audit", "checklist", "IA-0001", "--json").output)
    assert [line["reference"] for line in lines][:2] == ["9.2.1", "9.2.2"]
    assert len(lines) == 2 + 2 * 4  # two requirements, four key records of each sampled system
    assert "9.2.1" in aims("audit", "checklist", "IA-0001").output
    assert InternalAudit.objects.get().checklist.count() == len(lines)
    event = TrailEvent.objects.filter(object_id=body["id"]).order_by("sequence").first()
    assert event.actor_type == "system"


def test_bad_input_is_one_line_and_non_zero(owner_actor, members):
    before = TrailEvent.objects.count()
    assert aims("audit", "programme", "P", "--objectives", "x", "--frequency", "weekly").exit_code == 1
    aims("audit", "programme", "P", "--objectives", "Check.")
    before = TrailEvent.objects.count()
    unknown = aims("audit", "plan", "T", "--programme", "Nope", "--start", "2030-01-01", "--end", "2030-01-02")
    assert unknown.exit_code == 1 and "--programme" in unknown.output
    bad_date = aims("audit", "plan", "T", "--programme", "P", "--start", "soon", "--end", "2030-01-02")
    assert bad_date.exit_code == 1 and "--start" in bad_date.output
    bad_clause = aims("audit", "plan", "T", "--programme", "P", "--start", "2030-01-01", "--end", "2030-01-02",
                      "--clauses", "99")  # fmt: skip
    assert bad_clause.exit_code == 1 and "clause_ids" in bad_clause.output
    stranger = aims("audit", "plan", "T", "--programme", "P", "--start", "2030-01-01", "--end", "2030-01-02",
                    "--lead", "nobody@example.org")  # fmt: skip
    assert stranger.exit_code == 1 and "--lead" in stranger.output
    assert TrailEvent.objects.count() == before
    missing = aims("audit", "sample", "IA-0042", "--size", "1", "--seed", "1")
    assert missing.exit_code == 1 and "IA-0042" in missing.output
    assert aims("audit", "list", "--status", "done").exit_code == 1
    assert aims("audit", "checklist", "not-an-id").exit_code == 1
