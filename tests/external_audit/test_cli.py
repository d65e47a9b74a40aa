"""``aims external-audit``: invite, invitations, revoke, request, requests, answer, accept, comment; one clear line
and a non-zero exit for bad input."""

from __future__ import annotations

import json

from django.utils import timezone
from typer.testing import CliRunner

from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.external_audit.models import EvidenceRequest, GuestInvitation
from openaims.external_audit.services import guest_invitation_accept
from tests.audits.helpers import make_evidence, make_system
from tests.external_audit.helpers import GUEST_PASSWORD, request_due

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, ["external-audit", *args])


def test_invite_list_accept_revoke(owner_actor, members):
    system = make_system(owner_actor, name="Loan scorer")
    day = (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    made = aims(
        "invite", "--email", "ada@certbody.example", "--name", "Ada Auditor", "--firm", "Cert Body", "--expires", day,
        "--system", "Loan scorer", "--framework", "iso42001", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    body = json.loads(made.output)
    assert body["scope_systems"] == [str(system.pk)] and body["scope_frameworks"] == ["iso42001"]
    assert body["accept_path"] == f"/guest/accept/{body['token']}/"
    assert f"{body['expires_at'][:10]}" == day

    table = aims("invitations")
    assert table.exit_code == 0 and "Guest auditors of Acme AI" in table.output
    assert [i["status"] for i in json.loads(aims("invitations", "--json").output)] == ["pending"]
    guest_invitation_accept(token=body["token"], username="ada@certbody.example", password=GUEST_PASSWORD)
    active = json.loads(aims("invitations", "--status", "active", "--json").output)
    assert [i["id"] for i in active] == [body["id"]]

    revoked = aims("revoke", body["id"])
    assert revoked.exit_code == 0, revoked.output
    assert GuestInvitation.objects.get().status == "revoked"
    lapsed = runner.invoke(app, ["risks", "list", "--user", "ada@certbody.example"])
    assert lapsed.exit_code == 1 and "lapsed" in lapsed.output


def test_request_answer_comment_accept(owner_actor, members):
    make_system(owner_actor, name="Loan scorer")
    due = request_due().isoformat()
    made = aims(
        "request", "Risk treatment records", "--due", due, "--clause", "6.1.3", "--system", "Loan scorer",
        "--owner", "manager-acme@example.org", "--user", "auditor-acme@example.org", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    body = json.loads(made.output)
    assert body["reference"] == "ER-0001" and body["clause_id"] == "6.1.3"
    listed = aims("requests", "--owner", "manager-acme@example.org", "--status", "open")
    assert listed.exit_code == 0 and "ER-0001" in listed.output

    evidence = make_evidence(owner_actor)
    answered = aims("answer", "ER-1", "--evidence", str(evidence.pk), "--user", "manager-acme@example.org")
    assert answered.exit_code == 0, answered.output
    commented = aims("comment", "er-0001", "Looks complete.", "--user", "auditor-acme@example.org")
    assert commented.exit_code == 0, commented.output
    accepted = aims("accept", body["id"], "--user", "auditor-acme@example.org")
    assert accepted.exit_code == 0, accepted.output
    assert EvidenceRequest.objects.get().status == "accepted"
    assert json.loads(aims("requests", "--status", "accepted", "--json").output)[0]["reference"] == "ER-0001"


def test_bad_input_is_one_line_and_non_zero(owner_actor, members):
    before = TrailEvent.objects.count()
    cases = [
        (("invite", "--email", "a@b.example", "--name", "A", "--firm", "F", "--expires", "tomorrow"), "--expires"),
        (("invite", "--email", "a@b.example", "--name", "A", "--firm", "F", "--expires", "2020-01-01"), "expires_at"),
        (("invite", "--email", "a@b.example", "--name", "A", "--firm", "F", "--expires", "2099-01-01"), "expires_at"),
        (
            (
                "invite",
                "--email",
                "a@b.example",
                "--name",
                "A",
                "--firm",
                "F",
                "--expires",
                "2030-01-01",
                "--system",
                "Nope",
            ),
            "--system",
        ),  # fmt: skip
        (("invitations", "--status", "gone"), "--status"),
        (("revoke", "nope"), "INVITATION_ID"),
        (("request", "R", "--due", "2020-01-01"), "due_date"),
        (("request", "R", "--due", "2030-01-01", "--clause", "99"), "clause_id"),
        (("request", "R", "--due", "2030-01-01", "--owner", "nobody"), "--owner"),
        (("requests", "--status", "lost"), "--status"),
        (("accept", "ER-0042"), "REFERENCE"),
        (("request", "R", "--due", "2030-01-01", "--user", "contributor-acme@example.org"), "request"),
        (("invitations", "--user", "viewer-acme@example.org"), "manage_members"),
    ]
    for args, named in cases:
        result = aims(*args)
        assert result.exit_code == 1, (args, result.output)
        assert named in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert TrailEvent.objects.count() == before
