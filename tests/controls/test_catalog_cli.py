"""``aims catalog``: list, show (JSON with mappings), import (OSCAL or YAML, stored by content), export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from openaims.catalog import export_oscal_catalog, get_framework, import_oscal_catalog
from openaims.cli.main import app

runner = CliRunner()
FIXTURES = Path(__file__).resolve().parent.parent / "catalog" / "fixtures"


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    settings.AIMS_DATA_DIR = tmp_path / "data"
    return settings.AIMS_DATA_DIR


def small_framework(path: Path, framework_id: str = "acme-policy", title: str = "Acme AI policy") -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "id": framework_id,
                "name": title,
                "version": "1",
                "publisher": "Acme",
                "items": [
                    {"id": "P1", "kind": "clause", "title": "Governance"},
                    {"id": "P1.1", "kind": "requirement", "title": "Board oversight", "parent": "P1"},
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_list_and_show_json():
    listed = aims("catalog", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert {f["id"] for f in json.loads(listed.stdout)} == {"iso42001", "eu-ai-act", "nist-ai-rmf", "iso27001", "soc2"}
    table = aims("catalog", "list")
    assert table.exit_code == 0 and "iso42001" in table.output
    shown = aims("catalog", "show", "iso42001", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    items = {item["id"]: item for item in data["items"]}
    assert len([i for i in data["items"] if i["kind"] == "control"]) == 38
    assert len([i for i in data["items"] if i["kind"] == "requirement"]) == 32
    control = items["A.6.2.4"]
    assert control["title"] == "AI system verification and validation" and control["kind"] == "control"
    assert {m["framework"] for m in control["mappings"]} == {"eu-ai-act", "iso27001", "nist-ai-rmf", "soc2"}
    assert {"item", "relation", "basis", "source", "locator"} <= set(control["mappings"][0])
    nist = json.loads(aims("catalog", "show", "nist-ai-rmf", "--json").stdout)
    reverse = next(i for i in nist["items"] if i["id"] == "MAP 2.2")
    assert {"framework": "iso42001", "item": "A.6.2.7"}.items() <= reverse["mappings"][0].items()


def test_import_yaml_and_oscal_stored_by_content(tmp_path, data_dir):
    source = small_framework(tmp_path / "my file.yaml")
    imported = aims("catalog", "import", str(source))
    assert imported.exit_code == 0, imported.output
    stored = list((data_dir / "catalog").glob("*.yaml"))
    assert len(stored) == 1 and stored[0].name.startswith("acme-policy-") and "my file" not in stored[0].name
    assert "acme-policy" in {f["id"] for f in json.loads(aims("catalog", "list", "--json").stdout)}
    shown = json.loads(aims("catalog", "show", "acme-policy", "--json").stdout)
    assert [i["id"] for i in shown["items"]] == ["P1", "P1.1"] and shown["items"][1]["mappings"] == []
    # re-importing changed content replaces the earlier file
    small_framework(source, title="Acme AI policy, second edition")
    assert aims("catalog", "import", str(source)).exit_code == 0
    stored = list((data_dir / "catalog").glob("*.yaml"))
    assert len(stored) == 1 and "second edition" in stored[0].read_text()

    oscal = tmp_path / "nested.json"
    oscal.write_text((FIXTURES / "nested-catalog.json").read_text())
    result = aims("catalog", "import", str(oscal))
    assert result.exit_code == 0, result.output
    framework_id = import_oscal_catalog(oscal).id
    exported = aims("catalog", "export", framework_id, "--format", "oscal")
    assert exported.exit_code == 0 and json.loads(exported.stdout)["catalog"]["metadata"]["title"]


def test_export_oscal_round_trip(tmp_path):
    out = tmp_path / "iso.json"
    result = aims("catalog", "export", "iso42001", "--format", "oscal", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert import_oscal_catalog(out).items == get_framework("iso42001").items
    assert (
        json.loads(out.read_text())["catalog"]["uuid"]
        == export_oscal_catalog(get_framework("iso42001"))["catalog"]["uuid"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "show", "nope"], "unknown framework"),
        (["catalog", "export", "nope"], "unknown framework"),
        (["catalog", "export", "iso42001", "--format", "csv"], "--format"),
        (["catalog", "import", "/no/such/file.yaml"], "file not found"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(args, message):
    result = aims(*args)
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_bad_files_are_refused_and_nothing_is_stored(tmp_path, data_dir):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nname: X\nversion: '1'\npublisher: P\nitems:\n- {id: A, kind: clause, titel: typo}\n")
    result = aims("catalog", "import", str(broken))
    assert result.exit_code == 1 and "broken.yaml" in result.output
    builtin = small_framework(tmp_path / "clash.yaml", framework_id="iso42001")
    clash = aims("catalog", "import", str(builtin))
    assert clash.exit_code == 1 and "built in" in clash.output
    bad_id = small_framework(tmp_path / "bad-id.yaml", framework_id="../../etc")
    refused = aims("catalog", "import", str(bad_id))
    assert refused.exit_code == 1 and "lowercase" in refused.output
    not_json = tmp_path / "x.json"
    not_json.write_text("{")
    assert aims("catalog", "import", str(not_json)).exit_code == 1
    assert not (data_dir / "catalog").exists() or not list((data_dir / "catalog").iterdir())
