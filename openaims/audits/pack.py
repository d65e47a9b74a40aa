"""The auditor's evidence pack: one zip with everything an audit looks at, checkable offline.

>>> summary = build_pack(actor, out, audit=audit)   # doctest: +SKIP

The pack holds ``index.html`` (works offline: links every file, and lists per clause and control what is there and
what is missing), the issued Statement of Applicability, the readiness report, per clause requirement and per Annex
A control the implementation and its evidence files, per AI system its card, impact assessments, risks, monitoring
report (with charts), nonconformities and human reviews, the internal audit reports, the minutes of management
reviews, and the trail with its signed checkpoints (the head is checkpointed first when it moved) and public keys;
``manifest.json`` lists every file with its SHA-256, size, and the record and clause or control it belongs to
(format: :mod:`openaims.trail.pack`).
``python -m openaims.trail.verify PACK.zip`` checks it all with no server and no database.

With an audit, the pack covers the audit's scope: its clauses, its Annex A controls, and the AI systems of its sample
(those of its scope when no sample was drawn). Without one, the whole organization: every clause requirement, every
SoA entry, every AI system in the AIMS scope.

Deterministic: the same records give the same bytes (files in path order, fixed zip dates, the documents' "generated"
time pinned to the latest trail event, PDF font dates pinned). Streamed: documents are made one at a time and
evidence files copied from the store in chunks while hashed, so memory does not grow with the pack.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError

from openaims.accounts.choices import Permission
from openaims.audits import pack_pages as pages
from openaims.audits import pack_sections as sections
from openaims.audits.models import InternalAudit
from openaims.base.context import Actor
from openaims.base.errors import NotFound
from openaims.base.models import TrailEvent
from openaims.base.selectors import scoped
from openaims.inventory.models import AISystem
from openaims.trail import pack as pack_format

FRAMEWORKS = ("iso42001",)
INDEX = "index.html"
#: 1980-01-01, the zip format's first day: the font dates WeasyPrint embeds, pinned.
_EPOCH = "315532800"
_EPOCH_LOCK = threading.Lock()
_epoch_users = 0


@dataclass
class PackSummary:
    """What a pack holds: how many files and bytes (before compression), and what was missing or damaged."""

    files: int
    bytes: int
    audit: str = ""
    missing: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    management_reviews: bool = True


@contextlib.contextmanager
def pinned_pdf_dates():
    """Make WeasyPrint's PDFs reproducible: fontTools stamps subset fonts with ``SOURCE_DATE_EPOCH`` when set, else
    with the current time. Set for the pack's duration (unless the environment already sets it)."""
    global _epoch_users
    with _EPOCH_LOCK:
        owned = _epoch_users > 0 or "SOURCE_DATE_EPOCH" not in os.environ
        if owned:
            _epoch_users += 1
            os.environ["SOURCE_DATE_EPOCH"] = _EPOCH
    try:
        yield
    finally:
        if owned:
            with _EPOCH_LOCK:
                _epoch_users -= 1
                if _epoch_users == 0:
                    os.environ.pop("SOURCE_DATE_EPOCH", None)


def _as_of(organization) -> dt.datetime:
    """The pack's date: its latest trail event (so the same records give the same pack)."""
    latest = TrailEvent.objects.filter(organization=organization).order_by("-sequence").values("timestamp").first()
    return latest["timestamp"].astimezone(dt.UTC) if latest else dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def _in_scope(requirement_id: str, named: list[str]) -> bool:
    return any(
        requirement_id == n or requirement_id.startswith(n + ".") or n.startswith(requirement_id + ".") for n in named
    )


def pack_scope(actor: Actor, report, audit: InternalAudit | None) -> sections.Scope:
    """What the pack covers (see the module's docstring)."""
    all_requirements = tuple(item.requirement_id for item in report.items)
    if audit is None:
        systems = scoped(AISystem, actor).filter(in_scope=True).order_by("name", "pk")
        audits = scoped(InternalAudit, actor).order_by("number")
        return sections.Scope(all_requirements, None, tuple(systems), tuple(audits))
    requirements = tuple(r for r in all_requirements if _in_scope(r, list(audit.clause_ids)))
    systems = scoped(AISystem, actor).filter(pk__in=audit.sampled_systems.values("pk"))
    if not systems.exists():
        systems = scoped(AISystem, actor).filter(pk__in=audit.ai_systems.values("pk"))
    return sections.Scope(requirements, tuple(audit.control_ids), tuple(systems.order_by("name", "pk")), (audit,))


def plan_pack(actor: Actor, audit: InternalAudit | None) -> tuple[sections.Plan, dict]:
    """Every part of the pack, not yet made; and the trail's parts (made now: a consistent snapshot)."""
    from openaims.base.trail_export import trail_pack_parts
    from openaims.controls.selectors.readiness import readiness_report

    plan = sections.Plan(actor=actor, as_of=_as_of(actor.organization))
    report = readiness_report(actor)
    scope = pack_scope(actor, report, audit)
    sections.soa(plan)
    sections.readiness(plan, report)
    sections.clauses(plan, report, scope.requirement_ids)
    sections.controls(plan, scope.control_ids)
    if not scope.systems:
        plan.missing.append(("AI systems", "none in scope" if audit is None else "the audit samples none"))
    for ai_system in scope.systems:
        sections.system(plan, ai_system)
    sections.audits(plan, scope.audits)
    plan.management_reviews = sections.management_reviews(plan)
    _checkpoint(plan)
    return plan, trail_pack_parts(actor.organization)


def _checkpoint(plan: sections.Plan) -> None:
    """Sign the trail's head first (when it moved since the latest checkpoint), so the pack's trail is anchored up
    to its last event. A head that cannot be checkpointed (the chain does not verify) is a problem of the pack."""
    from openaims.base.trail_checkpoints import checkpoint_trails

    (outcome,) = checkpoint_trails([plan.actor.organization])
    if outcome.status == "refused":
        plan.problems.append(f"trail: not checkpointed: {outcome.reason} (run aims trail verify)")


def build_pack(
    actor: Actor, out: IO[bytes], *, audit: InternalAudit | None = None, framework: str = "iso42001"
) -> PackSummary:
    """Write the evidence pack of ``audit`` (or of the whole organization) to ``out``, a seekable binary file.

    Needs the export and trail rights (the pack carries the whole trail). ``audit`` must be one the actor sees
    (else :class:`NotFound`); an unknown ``framework`` is refused naming the field. Records nothing in the trail:
    the pack is a read, and a second pack of the same records is the same bytes.
    """
    actor.require(Permission.EXPORT)
    if audit is not None and not scoped(InternalAudit, actor).filter(pk=audit.pk).exists():
        raise NotFound("No such internal audit.")  # before the trail right: no existence leak to a guest
    actor.require(Permission.TRAIL)
    if framework not in FRAMEWORKS:
        raise ValidationError({"framework": [f"Unknown framework {framework!r} (use {', '.join(FRAMEWORKS)})."]})
    with pinned_pdf_dates():
        plan, trail_parts = plan_pack(actor, audit)
        try:
            return _write(plan, trail_parts, out, audit)
        finally:
            for content in trail_parts.values():
                if not isinstance(content, bytes):
                    content.close()


def _write(plan: sections.Plan, trail_parts: dict, out: IO[bytes], audit) -> PackSummary:
    problems = plan.problems
    trail_titles = {
        pack_format.EVENTS: "The trail: every change, hash-chained",
        pack_format.CHECKPOINTS: "Signed checkpoints of the trail's head",
        pack_format.PUBLIC_KEY: "The public key checkpoints are signed with",
        pack_format.PUBLIC_KEYS: "Former public keys (key history)",
    }
    for path, content in trail_parts.items():
        plan.add(path, lambda content=content: content, meta={"title": trail_titles.get(path, path)})
    with pack_format.PackWriter(out) as writer:
        for path in sorted(plan.parts):
            part = plan.parts[path]
            content = part.make()
            try:
                entry = writer.add(path, content, size=part.size, stored=part.stored, **part.meta)
            finally:
                if hasattr(content, "close") and not isinstance(content, bytes) and path not in trail_parts:
                    content.close()
            if part.expect_sha256 and entry["sha256"] != part.expect_sha256:
                problems.append(f"{path}: the stored file is damaged (its content no longer matches its SHA-256)")
        index = render_index(plan, writer.files, problems, audit)
        writer.add(INDEX, index, title="Index of the pack")
        files, size = len(writer.files), writer.bytes
    return PackSummary(
        files=files + 1,  # and the manifest
        bytes=size,
        audit=audit.reference if audit else "",
        missing=plan.missing,
        problems=problems,
        management_reviews=plan.management_reviews,
    )


def _file_list(files: list[str]) -> str:
    if not files:
        return '<span class="missing">no file</span>'
    return "<br>".join(pages.link(INDEX, path, path.rsplit("/", 1)[-1]) for path in files)


def render_index(plan: sections.Plan, written: list[dict], problems: list[str], audit) -> bytes:
    """``index.html``: what the pack covers, per clause and control what is there and what is missing, every file."""
    organization = plan.actor.organization.name
    subject = f"internal audit {audit.reference}: {audit.title}" if audit else "the whole AI management system"
    body = [
        pages.fields(
            [
                ("Organization", organization),
                ("Covers", subject),
                ("As of", f"{plan.stamp} (the latest trail event)"),
                ("Files", len(written) + 2),
            ]
        ),
        "<h2>How to check this pack</h2><p>With Python 3 and the <code>cryptography</code> package, on any machine: "
        "<code>python -m openaims.trail.verify PACK.zip</code> recomputes the SHA-256 of every file against "
        "<code>manifest.json</code>, the hash chain of <code>trail/events.jsonl</code>, and the signatures of "
        "<code>trail/checkpoints.jsonl</code>. Give <code>--public-key</code> a copy of the key you received "
        "apart from the pack to check that the checkpoints are the organization's.</p>",
    ]
    if problems:
        body.append("<h2>Problems</h2><ul>" + "".join(f'<li class="missing">{pages.text(p)}</li>' for p in problems))
        body.append("</ul>")
    documents = [
        f for f in written if f["path"].startswith(("soa/", "readiness/", "audits/", "management-reviews/", "trail/"))
    ]
    body.append("<h2>Documents</h2>")
    body.append(
        pages.table(("Document", "File"), [(f.get("title", ""), pages.link(INDEX, f["path"])) for f in documents])
    )
    if plan.clauses:
        body.append("<h2>Clause requirements</h2>")
        rows = [
            (
                rid,
                c["title"],
                c["status"],
                pages.link(INDEX, c["page"], "assessment"),
                pages.Raw(_file_list(c["files"])),
            )
            for rid, c in plan.clauses.items()
        ]
        body.append(pages.table(("Requirement", "Title", "Status", "Page", "Evidence files"), rows))
    if plan.controls:
        body.append("<h2>Annex A controls</h2>")
        rows = [
            (
                cid,
                c["title"],
                c["status"],
                pages.link(INDEX, c["page"], "implementation"),
                pages.Raw(_file_list(c["files"])),
            )
            for cid, c in plan.controls.items()
        ]
        body.append(pages.table(("Control", "Title", "Status", "Page", "Evidence files"), rows))
    if plan.systems:
        body.append("<h2>AI systems</h2>")
        for system in plan.systems.values():
            body.append(f"<h3>{pages.text(system['name'])}</h3>")
            body.append(
                f'<ul class="files">{"".join(f"<li>{pages.link(INDEX, p)}</li>" for p in system["files"])}</ul>'
            )
    body.append("<h2>What is missing</h2>")
    if plan.missing:
        body.append(pages.table(("Where", "What"), plan.missing))
    else:
        body.append('<p class="ok">Nothing found missing.</p>')
    if not plan.management_reviews:
        body.append('<p class="muted">Management review minutes: not available in this version.</p>')
    body.append("<h2>Every file</h2>")
    rows = [
        (pages.link(INDEX, f["path"]), f.get("title", ""), f["size"], pages.Raw(f"<code>{f['sha256']}</code>"))
        for f in written
    ]
    body.append(pages.table(("File", "What", "Bytes", "SHA-256"), rows))
    return pages.page(f"Evidence pack: {organization}", "".join(body), subtitle=subject)


CONTENT_TYPE = "application/zip"


def pack_filename(actor: Actor, audit: InternalAudit | None) -> str:
    return f"evidence-pack-{actor.organization.slug}-{audit.reference if audit else 'aims'}.zip"


def staged_pack(actor: Actor, *, audit: InternalAudit | None = None, framework: str = "iso42001") -> IO[bytes]:
    """The pack built into a staging file of the data directory (never in memory), open at its start.

    The file's name is removed at once: the open handle keeps its content until whoever serves it (a
    ``FileResponse``) closes it, and nothing is left behind whatever happens to the request.
    """
    import tempfile

    from openaims.base.staging import staging_dir

    handle = tempfile.TemporaryFile(dir=staging_dir(), prefix="pack-")  # noqa: SIM115 - returned, closed by the caller
    try:
        build_pack(actor, handle, audit=audit, framework=framework)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle
