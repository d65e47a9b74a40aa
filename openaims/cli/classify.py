"""``aims classify``: EU AI Act classification of answers in a YAML file, optionally stored on an AI system."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service


def _read_answers(path: Path) -> dict:
    """The answers in ``path`` (a mapping, or a mapping under ``answers:``); one clear line on any problem."""
    import yaml

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        fail(f"{path}: not UTF-8 text ({exc.reason})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        fail(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}")
    if isinstance(data, dict) and set(data) == {"answers"}:
        data = data["answers"]
    if not isinstance(data, dict):
        fail(f"{path}: expected a mapping of question id to answer, found {type(data).__name__}")
    return data


def _print(result: dict) -> None:
    console.print(f"[bold]{result['tier_label']}[/] — {result['summary']}", highlight=False)
    for basis in result["basis"] + result["transparency"]:
        console.print(f"  {basis['citation']}: {basis['reason']}", highlight=False)
    if result["obligations"]:
        table = Table(title="Obligations")
        for column in ("Role", "Provision", "What to do", "From"):
            table.add_column(column)
        for o in result["obligations"]:
            table.add_row(o["role"], o["citation"], o["text"], o["applies_from"])
        console.print(table)
    for line in result["rationale"]:
        console.print(f"- {line}", highlight=False)
    for line in result["notes"]:
        console.print(f"note: {line}", highlight=False)


def classify(
    answers: Path = typer.Option(..., "--answers", help="YAML file: question id → answer (see the questionnaire)."),
    system: str = typer.Option(None, "--system", help="AI system (id or exact name) to store the result on."),
    save: bool = typer.Option(False, "--save", help="Store the classification on --system (recorded in the trail)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Classify an AI system or general-purpose AI model under the EU AI Act from a file of answers."""
    from django.core.exceptions import ValidationError

    from openaims.base.errors import field_errors
    from openaims.inventory import classification

    if save and not system:
        fail("--save needs --system ID (the AI system to store the classification on)")
    if system and not save:
        fail("--system is only used with --save; add --save to store the classification")
    data = _read_answers(answers)
    try:
        result = classification.classify_answers(data).to_dict()
    except ValidationError as exc:
        fail(f"{answers}: " + "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc)))
    if save:
        from openaims.cli.systems import _find

        actor = resolve_actor(org, user)
        found = run_service(_find, actor, system)
        stored = run_service(classification.ai_system_classify, actor=actor, ai_system=found, answers=data)
        result = stored.result
    if json_output:
        print_json(result)
        return
    _print(result)
    if save:
        console.print(f"Stored on AI system {found.name!r} ({stored.pk}).", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("classify")(classify)
