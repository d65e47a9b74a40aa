"""``aims classify``: answers from a YAML file, printed or stored on an AI system."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from openaims.cli.main import app
from openaims.inventory import services
from openaims.inventory.models import Classification

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "chatbot.yaml"
    path.write_text(yaml.safe_dump({"roles": ["provider"], "t50_1_interacts_with_people": True}))
    return path


def test_classify_prints_the_result(answers):
    result = aims("classify", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert "Limited risk" in result.output and "Art. 50(1)" in result.output


def test_classify_json(answers):
    result = aims("classify", "--answers", str(answers), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["tier"] == "limited_risk" and body["transparency"][0]["citation"] == "Art. 50(1)"


def test_answers_under_an_answers_key_are_accepted(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"answers": {"roles": ["deployer"], "a3_5b_creditworthiness": True}}))
    result = aims("classify", "--answers", str(path), "--json")
    assert json.loads(result.stdout)["tier"] == "high_risk"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("roles: [provider]\nprofilng: true\n", "profilng: unknown question"),
        ("roles: [provider]\nprofiling: maybe\n", "profiling: must be true or false"),
        ("roles: [provider\n", "not valid YAML at line"),
        ("- roles\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_bad_files_give_one_line_and_exit_1(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = aims("classify", "--answers", str(path))
    assert result.exit_code == 1
    assert message in result.output and str(path) in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_and_binary_files(tmp_path):
    missing = aims("classify", "--answers", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 1 and "no such file" in missing.output
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    result = aims("classify", "--answers", str(binary))
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_save_on_a_system_records_it(answers, owner_actor):
    system = services.ai_system_create(actor=owner_actor, name="Chatbot", purpose="Answers customers.")
    result = aims("classify", "--answers", str(answers), "--system", "Chatbot", "--save", "--org", "acme", "--json")
    assert result.exit_code == 0, result.output
    stored = Classification.objects.get(ai_system=system)
    assert stored.tier == "limited_risk" and stored.classified_by_label.startswith("cli")
    assert json.loads(result.stdout)["tier"] == "limited_risk"


def test_save_needs_a_system_and_the_right_role(answers, owner_actor, members):
    services.ai_system_create(actor=owner_actor, name="Chatbot", purpose="Answers customers.")
    assert "--save needs --system" in aims("classify", "--answers", str(answers), "--save").output
    assert aims("classify", "--answers", str(answers), "--system", "Chatbot").exit_code == 1
    unknown = aims("classify", "--answers", str(answers), "--system", "Nope", "--save", "--org", "acme")
    assert unknown.exit_code == 1 and "no AI system" in unknown.output
    viewer = members["viewer"].username
    refused = aims(
        "classify", "--answers", str(answers), "--system", "Chatbot", "--save", "--org", "acme", "--user", viewer
    )
    assert refused.exit_code == 1 and "does not allow" in refused.output
    assert not Classification.objects.exists()
