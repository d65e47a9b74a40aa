"""The suite is self-contained: no test or benchmark reaches outside the repository (a fresh clone has nothing beside
it): a scan of their text, and the runtime guard of ``tests/conftest.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import OPEN_GUARD, REPO_ROOT, OutsideRepositoryError

SCANNED = ("tests", "benchmarks")
TEXT_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt", ".md", ".csv", ".sql", ".html"}
# Written in pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            re.escape(".." + "/shared"),
            re.escape(".." + "\\shared"),
            r"parent\s*\.\s*parent\s*\.\s*parent",
            r"parents\s*\[\s*[3-9]\s*\]",
            re.escape("/" + "work/"),
            re.escape("shared" + "/reference"),
            r"""['"]\.\.['"]\s*/\s*['"]shared""",
        ]
    )
)


def scanned_files() -> list[Path]:
    files = []
    for folder in SCANNED:
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                files.append(path)
    return files


def test_the_scan_covers_the_tests_and_the_benchmarks():
    names = {path.relative_to(REPO_ROOT).as_posix() for path in scanned_files()}
    assert "tests/conftest.py" in names and "benchmarks/run.py" in names
    assert "tests/catalog/fixtures/security-catalog.json" in names


def test_no_test_or_benchmark_refers_outside_the_repository():
    found = []
    for path in scanned_files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:120]}")
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        'SAMPLE = ROOT / "..' + "/sha" + 'red/x.json"',
        "BASE = Path(__file__).parent" + ".parent.parent",
        "BASE = Path(__file__).resolve().parents" + "[3]",
        "DATA = Path('/" + "work/shared')",
        'SAMPLE = ROOT / ".." / "sha' + 'red" / "x.json"',
    ],
)
def test_the_scan_catches_the_usual_ways_out(line):
    assert OUTSIDE.search(line)


def test_opening_a_file_beside_the_repository_fails_the_test():
    beside = REPO_ROOT.parent / "shared" / "beside-the-repository.json"  # refused wherever the clone is
    seen = len(OPEN_GUARD.violations)
    with pytest.raises(OutsideRepositoryError, match="outside the repository"):
        beside.read_text(encoding="utf-8")
    assert OPEN_GUARD.violations[seen:] == [str(beside)]
    del OPEN_GUARD.violations[seen:]  # reproduced on purpose: not a failure of this test


def test_files_inside_the_repository_and_temporary_files_open(tmp_path):
    assert (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (tmp_path / "note.txt").write_text("ok", encoding="utf-8")
    assert (tmp_path / "note.txt").read_text(encoding="utf-8") == "ok"
