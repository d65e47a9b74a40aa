"""Evidence tests store files under a fresh data directory each, so 'nothing left behind' is checkable."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    """``AIMS_DATA_DIR`` of this test; evidence files live in ``<it>/evidence``."""
    settings.AIMS_DATA_DIR = tmp_path / "data"
    return settings.AIMS_DATA_DIR


@pytest.fixture
def stored_files(data_dir):
    """``stored_files()``: every file under the evidence storage, temporary ones included (relative paths)."""

    def list_files() -> list[str]:
        root = data_dir / "evidence"
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return list_files
