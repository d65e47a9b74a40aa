"""Docs that tests keep honest: every `aims` command is in the README (STYLE.md point 9)."""

from __future__ import annotations

from pathlib import Path

import typer

from openaims.cli.main import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "aims") -> list[str]:
    names = [f"{prefix} {c.name or c.callback.__name__.replace('_', '-')}" for c in group.registered_commands]
    for sub in group.registered_groups:
        names += _commands(sub.typer_instance, f"{prefix} {sub.name}")
    return names


def test_every_cli_command_is_documented():
    commands = _commands(app)
    assert len(commands) >= 10
    missing = [c for c in commands if c not in README]
    assert not missing, f"not in README.md: {missing}"


def test_readme_quick_start_has_exactly_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in quick_start.strip().splitlines()] == [["make", "run"], ["make", "test"]]
