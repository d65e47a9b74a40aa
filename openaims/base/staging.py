"""Staging files: where unfinished work is written, and sweeping what a killed process left behind.

Work in progress (an upload being received, predictions being checked and converted, a part or a compaction being
written) is staged inside the data directory, on the file system of its final place, so that finishing is one
atomic rename. Each staging file is renamed into place or removed when its work ends, whatever the outcome; one
that has not changed for an hour was left by a process that died (killed, out of memory, power cut), and
:func:`sweep_stale` removes it. ``aims serve`` sweeps at start-up and ``aims evidence verify`` reports what it swept.
"""

from __future__ import annotations

import datetime as dt
import logging
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

#: A staging file unchanged for this long belongs to no running work.
STALE_AFTER = dt.timedelta(hours=1)
#: The staging files under ``AIMS_DATA_DIR``, as glob patterns; nothing else is ever swept.
STAGING_PATTERNS = (
    "tmp/*",  # uploads spilled to disk, prediction ingests being checked (staging_dir)
    "evidence/.upload-*",  # evidence files being received (evidence.storage)
    "predictions/*/*/.ingest-*.tmp",  # prediction parts being written (monitoring.store)
    "predictions/*/*/.CURRENT.*.tmp",  # a store's generation switch
    "predictions/*/*/gen-*/.compact.tmp",  # a store's compaction
    "catalog/.import-*.tmp",  # a framework being imported (controls.catalog_store)
)


def staging_dir() -> Path:
    """``AIMS_DATA_DIR/tmp``: where work in progress that has no folder of its own is staged."""
    path = Path(settings.AIMS_DATA_DIR) / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class SweepResult:
    files: int
    bytes: int


def sweep_stale(*, older_than: dt.timedelta = STALE_AFTER) -> SweepResult:
    """Remove staging files unchanged for ``older_than``; return how many files and bytes were removed."""
    root = Path(settings.AIMS_DATA_DIR)
    cutoff = time.time() - older_than.total_seconds()
    files = size = 0
    for pattern in STAGING_PATTERNS:
        for path in root.glob(pattern):
            try:
                info = path.lstat()
                if not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff:  # a folder, a link, or still in use
                    continue
                path.unlink()
            except FileNotFoundError:  # finished (renamed or removed) meanwhile
                continue
            files += 1
            size += info.st_size
    if files:
        logger.warning("Swept %d staging file(s) (%d bytes) left by interrupted work", files, size)
    return SweepResult(files=files, bytes=size)
