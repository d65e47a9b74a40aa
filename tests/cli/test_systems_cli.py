"""``aims systems``: list, show, add, export and all-or-nothing import."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.inventory import services
from openaims.inventory.models import AISystem

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def inventory(owner_actor, members):
    data = services.dataset_create(actor=owner_actor, name="Loans")
    vendor = services.supplier_create(actor=owner_actor, name="Bureau")
    system = services.ai_system_create(
        actor=owner_actor,
        name="Scorer",
        purpose="Scores loans.",
        owner=members["manager"],
        tags=["credit"],
        ai_roles=["provider"],
        datasets=[data],
        suppliers=[vendor],
    )
    return system


def test_list_and_show_json(inventory):
    listed = aims("systems", "list", "--org", "acme", "--json")
    assert listed.exit_code == 0, listed.output
    assert [s["name"] for s in json.loads(listed.stdout)] == ["Scorer"]
    shown = aims("systems", "show", "Scorer", "--org", "acme", "--json")
    assert json.loads(shown.stdout)["id"] == str(inventory.pk)
    assert aims("systems", "show", str(inventory.pk), "--org", "acme").exit_code == 0


def test_another_organizations_system_is_not_found(inventory, other_actor):
    result = aims("systems", "show", str(inventory.pk), "--org", "globex")
    assert result.exit_code == 1 and "no AI system" in result.output


def test_add_and_bad_input(org, members):
    ok = aims(
        "systems", "add", "Chatbot", "--purpose", "Answers questions.", "--tag", "genai", "--org", "acme", "--json"
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["tags"] == ["genai"]
    event = TrailEvent.objects.get(object_label="Chatbot")
    assert event.actor_type == "system" and event.actor_label.startswith("cli")
    bad = aims("systems", "add", "Chatbot", "--purpose", "again", "--org", "acme")
    assert bad.exit_code == 1 and "name" in bad.output
    bad_stage = aims("systems", "add", "Other", "--purpose", "p", "--stage", "launched", "--org", "acme")
    assert bad_stage.exit_code == 1 and "lifecycle_stage" in bad_stage.output
    unknown_org = aims("systems", "list", "--org", "nope")
    assert unknown_org.exit_code == 1 and "--org" in unknown_org.output


def test_roles_apply_in_the_cli(inventory, members):
    refused = aims("systems", "add", "X", "--purpose", "p", "--org", "acme", "--user", members["viewer"].username)
    assert refused.exit_code == 1 and "does not allow" in refused.output
    assert aims("systems", "export", "--org", "acme", "--user", members["viewer"].username).exit_code == 1
    assert aims("systems", "export", "--org", "acme", "--user", members["auditor"].username).exit_code == 0


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_import_round_trip(inventory, tmp_path, owner_actor, fmt):
    path = tmp_path / f"inventory.{fmt}"
    exported = aims("systems", "export", "--format", fmt, "--out", str(path), "--org", "acme")
    assert exported.exit_code == 0, exported.output
    original = {k: v for k, v in AISystem.objects.values().get(pk=inventory.pk).items()}
    services.ai_system_delete(actor=owner_actor, ai_system=inventory)
    imported = aims("systems", "import", str(path), "--org", "acme", "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"created": 1, "updated": 0}
    again = AISystem.objects.get(name="Scorer")
    copy = AISystem.objects.values().get(pk=again.pk)
    for key in ("purpose", "owner_id", "tags", "ai_roles", "lifecycle_stage", "in_scope", "human_oversight"):
        assert copy[key] == original[key]
    assert [d.name for d in again.datasets.all()] == ["Loans"]
    assert [s.name for s in again.suppliers.all()] == ["Bureau"]


def test_import_is_all_or_nothing_and_reports_every_bad_row(org, tmp_path):
    path = tmp_path / "systems.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "ai_systems": [
                    {"name": "Good one", "purpose": "Fine."},
                    {"name": "No purpose"},
                    {"name": "Bad stage", "purpose": "p", "lifecycle_stage": "launched"},
                    {"name": "Good two", "purpose": "Fine.", "datasets": ["Missing data"]},
                    {"name": "Good one", "purpose": "Duplicate of line 2."},
                ]
            },
            sort_keys=False,
        )
    )
    before = TrailEvent.objects.count()
    result = aims("systems", "import", str(path), "--org", "acme")
    assert result.exit_code == 1
    output = result.output
    starts = [n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("- name:")]
    lines = {int(part.split("line ")[1].split(":")[0]) for part in output.splitlines() if ": line " in part}
    assert lines == set(starts[1:]), output
    assert "purpose" in output and "lifecycle_stage" in output and "Missing data" in output
    assert "nothing imported: 4 bad row(s)" in output
    assert not AISystem.objects.exists()
    assert TrailEvent.objects.count() == before


def test_csv_import_errors_have_line_numbers(org, tmp_path):
    path = tmp_path / "systems.csv"
    path.write_text("name,purpose,in_scope\nA,Fine,yes\nB,,yes\nC,Fine,perhaps\n")
    result = aims("systems", "import", str(path), "--org", "acme")
    assert result.exit_code == 1
    assert "line 3:" in result.output and "line 4:" in result.output and "line 2:" not in result.output
    assert not AISystem.objects.exists()


def test_import_unreadable_files(org, tmp_path):
    missing = aims("systems", "import", str(tmp_path / "nope.yaml"), "--org", "acme")
    assert missing.exit_code == 1 and "no such file" in missing.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("ai_systems: [unclosed\n")
    assert aims("systems", "import", str(broken), "--org", "acme").exit_code == 1
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert aims("systems", "import", str(binary), "--org", "acme").exit_code == 1
    other = tmp_path / "x.txt"
    other.write_text("x")
    result = aims("systems", "import", str(other), "--org", "acme")
    assert result.exit_code == 1 and "unsupported" in result.output


def test_import_update(inventory, tmp_path):
    path = tmp_path / "systems.yaml"
    path.write_text(yaml.safe_dump([{"name": "Scorer", "purpose": "Scores all loans.", "lifecycle_stage": "design"}]))
    assert aims("systems", "import", str(path), "--org", "acme").exit_code == 1
    result = aims("systems", "import", str(path), "--update", "--org", "acme", "--json")
    assert json.loads(result.stdout) == {"created": 0, "updated": 1}
    inventory.refresh_from_db()
    assert inventory.purpose == "Scores all loans." and inventory.lifecycle_stage == "design"


def test_demo_is_idempotent_and_its_trail_verifies(db):
    first = aims("demo")
    assert first.exit_code == 0, first.output
    assert "demo@openaims.local" in first.output
    count = AISystem.objects.count()
    assert count >= 4
    assert aims("demo").exit_code == 0
    assert AISystem.objects.count() == count
    stages = set(AISystem.objects.values_list("lifecycle_stage", flat=True))
    assert {"idea", "verification", "deployed", "operating", "retired"} <= stages
    verified = aims("trail", "verify", "--org", "demo")
    assert verified.exit_code == 0 and "ok," in verified.output
