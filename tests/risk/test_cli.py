"""``aims risks``: list, add, export and all-or-nothing import with line numbers."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.controls.services import soa_ensure_entries
from openaims.risk.models import Risk
from tests.risk.helpers import make_risk, make_system

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def register(owner_actor, members):
    soa_ensure_entries(actor=owner_actor)
    system = make_system(owner_actor, name="Scorer")
    make_risk(
        owner_actor,
        title="Unfair refusals",
        ai_systems=[system],
        likelihood=4,
        consequence=4,
        owner=members["manager"],
        affected_objectives=["C.2.5"],
        treatment_option="modify",
    )
    make_risk(owner_actor, title="Drift after launch", likelihood=2, consequence=2)
    return system


def test_list_json_and_filters(register):
    listed = aims("risks", "list", "--org", "acme", "--json")
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    assert [r["title"] for r in data] == ["Drift after launch", "Unfair refusals"]
    high = json.loads(aims("risks", "list", "--org", "acme", "--level", "high", "--json").stdout)
    assert [r["title"] for r in high] == ["Unfair refusals"] and high[0]["above_threshold"] is True
    by_system = json.loads(aims("risks", "list", "--org", "acme", "--system", "Scorer", "--json").stdout)
    assert [r["title"] for r in by_system] == ["Unfair refusals"]
    table = aims("risks", "list", "--org", "acme")
    assert table.exit_code == 0 and "Unfair" in table.stdout
    bad = aims("risks", "list", "--org", "acme", "--level", "extreme")
    assert bad.exit_code == 1 and "--level" in bad.output


def test_add_and_bad_input(register):
    ok = aims(
        "risks",
        "add",
        "Prompt injection",
        "--likelihood",
        "3",
        "--consequence",
        "5",
        "--system",
        "Scorer",
        "--risk-source",
        "C.3.2",
        "--objective",
        "security",
        "--control",
        "A.6.2.4",
        "--org",
        "acme",
        "--json",
    )
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["inherent_level"] == "high" and data["affected_objectives"] == ["C.2.10"]
    assert len(data["controls"]) == 1 and len(data["ai_systems"]) == 1
    assert TrailEvent.objects.filter(object_id=data["id"], action="create").count() == 1
    bad = aims("risks", "add", "Too likely", "--likelihood", "9", "--consequence", "1", "--org", "acme")
    assert bad.exit_code == 1 and "likelihood" in bad.output
    unknown = aims("risks", "add", "X", "--likelihood", "1", "--consequence", "1", "--system", "Nope", "--org", "acme")
    assert unknown.exit_code == 1 and "ai_systems" in unknown.output
    assert not Risk.objects.filter(title__in=["Too likely", "X"]).exists()


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_import_round_trip(register, other_actor, tmp_path, fmt):
    path = tmp_path / f"risks.{fmt}"
    exported = aims("risks", "export", "--format", fmt, "--out", str(path), "--org", "acme")
    assert exported.exit_code == 0, exported.output
    # Into another organization that has the same AI system and the SoA.
    soa_ensure_entries(actor=other_actor)
    make_system(other_actor, name="Scorer")
    text = path.read_text()
    text = text.replace("manager-acme@example.org", "")  # the owner is not a member there
    path.write_text(text)
    imported = aims("risks", "import", str(path), "--org", "globex", "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"created": 2}
    theirs = Risk.objects.filter(organization=other_actor.organization)
    mine = {r.title: r for r in Risk.objects.filter(organization=register.organization)}
    assert {r.title for r in theirs} == set(mine)
    for risk in theirs:
        original = mine[risk.title]
        assert (risk.likelihood, risk.consequence, risk.inherent_level) == (
            original.likelihood,
            original.consequence,
            original.inherent_level,
        )
        assert risk.affected_objectives == original.affected_objectives
        assert [s.name for s in risk.ai_systems.all()] == [s.name for s in original.ai_systems.all()]
    again = aims("risks", "import", str(path), "--org", "globex")
    assert again.exit_code == 1 and "already in the register" in again.output


def test_import_reports_every_bad_row_with_its_line_and_writes_nothing(org, owner_actor, tmp_path):
    make_system(owner_actor, name="Scorer")
    path = tmp_path / "risks.yaml"
    path.write_text(
        "risks:\n"
        "- {title: Good one, likelihood: 2, consequence: 2, ai_systems: [Scorer]}\n"  # line 2
        "- {title: Bad likelihood, likelihood: 8, consequence: 2}\n"
        "- {title: Bad system, likelihood: 1, consequence: 1, ai_systems: [Nope]}\n"
        "- {title: Bad source, likelihood: 1, consequence: 1, risk_source: C.3.42}\n"
        "- {title: Good one, likelihood: 1, consequence: 1}\n"  # line 6
    )
    before = TrailEvent.objects.count()
    result = aims("risks", "import", str(path), "--org", "acme")
    assert result.exit_code == 1
    text = result.output
    assert "risks.yaml: line 3: likelihood" in text
    assert "risks.yaml: line 4: ai_systems" in text
    assert "risks.yaml: line 5: risk_source" in text
    assert "risks.yaml: line 6: title" in text and "also on line 2" in text
    assert "line 2:" not in text.replace("also on line 2", "")
    assert "nothing imported: 4 bad row(s)" in result.output
    assert not Risk.objects.exists() and TrailEvent.objects.count() == before


def test_csv_import_names_the_line(org, owner_actor, tmp_path):
    path = tmp_path / "risks.csv"
    path.write_text("title,likelihood,consequence\nFine,1,1\nBroken,x,1\n")
    result = aims("risks", "import", str(path), "--org", "acme")
    assert result.exit_code == 1 and "line 3: likelihood" in result.output
    assert not Risk.objects.exists()
    unknown = tmp_path / "bad.csv"
    unknown.write_text("title,colour\nA,red\n")
    assert "unknown column" in aims("risks", "import", str(unknown), "--org", "acme").output
