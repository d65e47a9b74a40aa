"""The evidence pack: ``aims audit pack`` of an organization with 1,000 evidence files totalling 1 GB.

``python -m benchmarks.pack``. SQLite, in a workspace of its own (removed at
the end). A child process creates the organization and its records through the services: the SoA (38 Annex A
entries, justified, issued), two AI systems, and the evidence files uploaded with ``evidence_upload`` (the service
the UI and API use: streamed into the content-addressed store, hashed, type-checked, fsynced), each 1,000,000 random
bytes behind a PDF header, linked to the SoA entries in turn. The pack is then built twice by ``aims audit pack`` as
a process of its own, first with ``SMALL_FILES`` of the files (100 MB) and then with all of them, to show that memory
does not grow with the pack: for each, the wall time, the peak resident memory of the ``aims`` process
(``ru_maxrss`` from ``wait4``), the zip's size, and ``python -m openaims.trail.verify`` of the zip (time, memory,
verdict). Environment: ``AIMS_BENCH_PACK_FILES`` (1,000), ``AIMS_BENCH_PACK_FILE_BYTES`` (1,000,000).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    AIMS,
    REPO,
    child_result,
    child_setup,
    print_table,
    progress,
    run_child,
    save,
    workspace,
)

FILES = int(os.environ.get("AIMS_BENCH_PACK_FILES", "1000"))
FILE_BYTES = int(os.environ.get("AIMS_BENCH_PACK_FILE_BYTES", "1000000"))
SMALL_FILES = max(1, FILES // 10)
SLUG = "pack-bench"
HEADER = b"%PDF-1.7\n%bench\n"


def _upload(actor, first: int, last: int) -> dict:
    """Upload files ``first`` to ``last - 1`` and link them to the SoA entries in turn."""
    from openaims.controls.models import SoAEntry
    from openaims.controls.services import soa_entry_update
    from openaims.evidence.services import evidence_upload

    entries = list(SoAEntry.objects.filter(organization=actor.organization).order_by("position"))
    linked: dict = {entry.pk: list(entry.evidence.all()) for entry in entries}
    began = time.perf_counter()
    for number in range(first, last):
        body = os.urandom(FILE_BYTES - len(HEADER))
        evidence = evidence_upload(
            actor=actor, content=[HEADER, body], file_name=f"evidence {number:04}.pdf", title=f"Evidence {number:04}"
        )
        linked[entries[number % len(entries)].pk].append(evidence)
    upload_s = time.perf_counter() - began
    for entry in entries:
        soa_entry_update(actor=actor, soa_entry=entry, evidence=linked[entry.pk])
    return {
        "files": last - first,
        "upload_s": round(upload_s, 1),
        "mb_per_s": round((last - first) * FILE_BYTES / upload_s / 1e6, 1),
    }


def child(step: str) -> None:
    child_setup()
    from openaims.accounts.models import Organization
    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, user_create
    from openaims.controls.models import SoAEntry
    from openaims.controls.services import soa_ensure_entries, soa_entry_update, soa_issue_version
    from openaims.inventory.services import ai_system_create

    if step == "small":
        owner = user_create(username="bench-owner@example.org", password=None)
        actor = actor_for(owner, organization_create(name="Pack bench", slug=SLUG, owner=owner))
        for name in ("Loan scorer", "Support chat"):
            ai_system_create(actor=actor, name=name, purpose="Benchmarked.")
        soa_ensure_entries(actor=actor)
        for entry in SoAEntry.objects.filter(organization=actor.organization):
            soa_entry_update(
                actor=actor, soa_entry=entry, justification="Benchmark.", implementation_status="implemented"
            )
        soa_issue_version(actor=actor)
        progress(f"uploading {SMALL_FILES:,} evidence files of {FILE_BYTES:,} bytes")
        child_result(_upload(actor, 0, SMALL_FILES))
        return
    organization = Organization.objects.get(slug=SLUG)
    from openaims.accounts.models import User

    actor = actor_for(User.objects.get(username="bench-owner@example.org"), organization)
    progress(f"uploading {FILES - SMALL_FILES:,} more evidence files")
    child_result(_upload(actor, SMALL_FILES, FILES))


def _measured(command: list[str], env: dict) -> dict:
    """Run ``command``; its wall time, peak resident memory (MiB) and output."""
    began = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed: {out.decode()[-500:]} {err.decode()[-500:]}")
    return {"seconds": round(wall, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "output": out.decode().strip()}


def _pack(env: dict, out: Path, files: int) -> dict:
    progress(f"aims audit pack with {files:,} evidence files")
    built = _measured([str(AIMS), "audit", "pack", "--org", SLUG, "--out", str(out)], env)
    progress("python -m openaims.trail.verify of the zip")
    checked = _measured([sys.executable, "-m", "openaims.trail.verify", str(out)], env)
    result = {
        "evidence_files": files,
        "evidence_bytes": files * FILE_BYTES,
        "build_s": built["seconds"],
        "build_peak_rss_mib": built["peak_rss_mib"],
        "zip_bytes": out.stat().st_size,
        "build_mb_per_s": round(files * FILE_BYTES / built["seconds"] / 1e6, 1),
        "summary": " ".join(built["output"].split()),
        "verify_s": checked["seconds"],
        "verify_peak_rss_mib": checked["peak_rss_mib"],
        "verdict": checked["output"],
    }
    out.unlink()
    return result


def run() -> dict:
    results: dict = {"files": FILES, "file_bytes": FILE_BYTES, "engine": "sqlite", "uploads": "evidence_upload service"}
    with workspace("sqlite", "pack") as env:
        out = Path(env["AIMS_DATA_DIR"]).parent / "pack.zip"
        results["upload_small"] = run_child("benchmarks.pack", env, "small")
        results["small"] = _pack(env, out, SMALL_FILES)
        results["upload_rest"] = run_child("benchmarks.pack", env, "rest")
        results["full"] = _pack(env, out, FILES)
    rows = []
    for key in ("small", "full"):
        r = results[key]
        rows.append(
            [
                f"{r['evidence_files']:,} files, {r['evidence_bytes'] / 1e9:.2f} GB",
                r["build_s"],
                r["build_peak_rss_mib"],
                round(r["zip_bytes"] / 1e9, 3),
                r["verify_s"],
                r["verify_peak_rss_mib"],
                r["verdict"].split(",")[0],
            ]
        )
    print_table(
        "Evidence pack",
        ["pack", "build (s)", "build peak RSS (MiB)", "zip (GB)", "verify (s)", "verify peak RSS (MiB)", "verify"],
        rows,
    )
    results["table"] = rows
    save("pack", results)
    return results


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        run()
