"""Staging files live inside the data directory and what a killed upload or ingest leaves there is swept."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from typer.testing import CliRunner

from openaims.base.staging import STAGING_PATTERNS, staging_dir, sweep_stale
from openaims.cli.evidence import app as evidence_app
from openaims.evidence import storage
from openaims.monitoring import store
from openaims.web import config
from tests.monitoring.helpers import ingest, make_store, prediction_rows

TWO_HOURS_AGO = time.time() - 2 * 3600

#: One staging file of every kind, as an interrupted upload, ingest, compaction or import leaves it.
LEFTOVERS = [
    "tmp/tmpa1b2c3.upload.parquet",
    "tmp/.ingest-k2j3h4.jsonl",
    "evidence/.upload-x8y9z0",
    "predictions/org/system/.ingest-q1w2e3.tmp",
    "predictions/org/system/.CURRENT.0123abcd.tmp",
    "predictions/org/system/gen-0123456789abcdef0123456789abcdef/.compact.tmp",
    "catalog/.import-r4t5y6.tmp",
]
#: Files that are never staging files, however old.
KEPT = [
    "evidence/ab/cd/" + "ab" * 32,
    "predictions/org/system/CURRENT",
    "predictions/org/system/gen-0123456789abcdef0123456789abcdef/" + "cd" * 32 + ".parquet",
    "catalog/acme-framework-0123456789abcdef.yaml",
    "secret_key",
]


def make_files(data_dir: Path, names: list[str], *, age: float | None = None, size: int = 10) -> list[Path]:
    paths = []
    for name in names:
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        if age is not None:
            os.utime(path, (age, age))
        paths.append(path)
    return paths


def test_every_leftover_kind_is_covered_by_a_pattern():
    for pattern in STAGING_PATTERNS:
        assert any(Path(name).match(pattern) for name in LEFTOVERS), pattern
    for name in LEFTOVERS:
        assert any(Path(name).match(pattern) for pattern in STAGING_PATTERNS), name
    for name in KEPT:
        assert not any(Path(name).match(pattern) for pattern in STAGING_PATTERNS), name


def test_sweep_removes_stale_staging_files_and_keeps_fresh_ones_and_everything_else(data_dir):
    stale = make_files(data_dir, LEFTOVERS, age=TWO_HOURS_AGO, size=1000)
    fresh_names = [name.replace("/.", "/.fresh-", 1) if "/." in name else name + "-fresh" for name in LEFTOVERS]
    fresh = make_files(data_dir, [n for n in fresh_names if n not in LEFTOVERS])
    kept = make_files(data_dir, KEPT, age=TWO_HOURS_AGO)
    result = sweep_stale()
    assert (result.files, result.bytes) == (len(LEFTOVERS), 1000 * len(LEFTOVERS))
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in fresh + kept)
    assert sweep_stale().files == 0


def test_sweep_leaves_folders_and_links_alone(data_dir):
    folder = data_dir / "tmp" / "a-folder"
    folder.mkdir(parents=True)
    target = make_files(data_dir, KEPT[:1], age=TWO_HOURS_AGO)[0]
    link = data_dir / "tmp" / "a-link"
    link.symlink_to(target)
    os.utime(folder, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    os.utime(link, (TWO_HOURS_AGO, TWO_HOURS_AGO), follow_symlinks=False)
    assert sweep_stale().files == 0
    assert folder.is_dir() and link.is_symlink() and target.exists()


def test_evidence_verify_sweeps_and_says_how_many(org, members, data_dir):
    make_files(data_dir, ["evidence/.upload-killed1", "tmp/tmpkilled.upload"], age=TWO_HOURS_AGO, size=2048)
    make_files(data_dir, ["evidence/.upload-running"])
    result = CliRunner().invoke(evidence_app, ["verify", "--org", "acme"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "swept 2 staging file(s) (4 KB)" in result.output
    assert str(data_dir) not in result.output
    assert (data_dir / "evidence/.upload-running").exists()
    assert not (data_dir / "evidence/.upload-killed1").exists()


def test_evidence_uploads_stage_in_the_data_directory(data_dir):
    staged = storage.stage([b"evidence"], max_bytes=100)
    try:
        assert staged.path.parent == data_dir / "evidence"
        assert staged.path.name.startswith(storage.TEMP_PREFIX)
    finally:
        staged.discard()


def test_large_uploads_spill_into_the_data_directory():
    assert Path(settings.FILE_UPLOAD_TEMP_DIR) == config.data_dir() / "tmp"
    assert Path(settings.FILE_UPLOAD_TEMP_DIR).is_dir()


def _outside_system_temp(path: Path, data_dir: Path) -> bool:
    return path.is_relative_to(data_dir) and not path.parent.samefile(tempfile.gettempdir())


def test_prediction_ingest_stages_in_the_data_directory(owner_actor, data_dir, monkeypatch):
    """The checked rows of an ingest are staged beside the store (same file system, swept), never in /tmp."""
    seen: list[Path] = []
    commit = store._commit

    def watching_commit(actor, data_source, select_sql, params, types):
        staged = Path(params[0])
        seen.append(staged)
        assert staged.exists()
        return commit(actor, data_source, select_sql, params, types)

    monkeypatch.setattr(store, "_commit", watching_commit)
    source = make_store(owner_actor)
    result = ingest(owner_actor, source, prediction_rows(weeks=1, per_week=20))
    assert result.rows == 20
    assert seen and all(_outside_system_temp(path, data_dir) for path in seen)
    assert seen[0].parent == staging_dir()
    assert not seen[0].exists()  # removed once the part is written


def test_uploaded_prediction_files_stage_in_the_data_directory(data_dir):
    from openaims.monitoring.api import _to_temp_file

    path = _to_temp_file([b"PAR1", b"..."])
    try:
        assert path.parent == data_dir / "tmp"
        assert path.read_bytes() == b"PAR1..."
    finally:
        path.unlink()


def test_serve_sweeps_before_starting_the_server(data_dir, monkeypatch):
    import gunicorn.app.wsgiapp

    from openaims.cli.main import app

    started = []
    monkeypatch.setattr(gunicorn.app.wsgiapp, "run", lambda: started.append(True))
    monkeypatch.setattr("sys.argv", ["aims"])
    stale = make_files(data_dir, ["evidence/.upload-killed", "tmp/.ingest-killed.jsonl"], age=TWO_HOURS_AGO)
    fresh = make_files(data_dir, ["tmp/.ingest-running.jsonl"])
    result = CliRunner().invoke(app, ["serve", "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert started == [True]
    assert "Swept 2 staging file(s)" in result.output
    assert not any(p.exists() for p in stale) and all(p.exists() for p in fresh)
