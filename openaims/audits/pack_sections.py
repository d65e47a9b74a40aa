"""What goes into an evidence pack, section by section (:mod:`openaims.audits.pack` writes it).

Each section adds :class:`Part` s to a :class:`Plan`: a path, how to make the content when it is written (so only
one document is in memory at a time, and evidence files are streamed from the store), and what the file is for the
manifest. What a section looked for and did not find goes into ``plan.missing`` for the index.

The documents reuse the product's own exports (the SoA, impact assessment, system card, monitoring and internal audit
renderers), called without their trail access event (the pack is one read, and the same records must give the same
bytes) and with their "generated" time pinned to the pack's :attr:`Plan.as_of`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.text import slugify

from openaims.audits import pack_pages as pages
from openaims.audits.models import InternalAudit, Nonconformity
from openaims.base.context import Actor
from openaims.base.selectors import scoped
from openaims.controls.models import RequirementAssessment, SoAEntry, SoAVersion
from openaims.evidence.models import Evidence
from openaims.evidence.storage import blob_path
from openaims.impact.models import ImpactAssessment
from openaims.inventory.models import AISystem
from openaims.oversight.reviews.models import ReviewItem
from openaims.risk.models import Risk

#: Review items listed per AI system (the newest); the counts cover them all.
REVIEW_ROWS = 200
_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}$")


@dataclass
class Part:
    """One file of the pack: ``make()`` gives its content (bytes, an open binary file, or chunks with ``size``)."""

    path: str
    make: Callable[[], object]
    meta: dict = field(default_factory=dict)
    size: int | None = None
    stored: bool = False
    #: The SHA-256 its content must have (an evidence file: the hash the store names it by).
    expect_sha256: str = ""


@dataclass
class Plan:
    """Everything a pack will hold, before any of it is made."""

    actor: Actor
    as_of: dt.datetime
    parts: dict[str, Part] = field(default_factory=dict)
    #: ``(where, what is missing)`` lines for the index.
    missing: list[tuple[str, str]] = field(default_factory=list)
    #: Sections of the index: clause, control and system rows (path lists per key).
    clauses: dict[str, dict] = field(default_factory=dict)
    controls: dict[str, dict] = field(default_factory=dict)
    systems: dict[str, dict] = field(default_factory=dict)
    #: What is wrong (a damaged evidence file, a trail that could not be checkpointed).
    problems: list[str] = field(default_factory=list)
    #: False when the management review app has no minutes module yet (the section is skipped).
    management_reviews: bool = True

    def add(self, path: str, make: Callable[[], object], **kwargs) -> str:
        if path not in self.parts:
            self.parts[path] = Part(path, make, **kwargs)
        return path

    @property
    def stamp(self) -> str:
        return self.as_of.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Scope:
    """What the pack covers: requirement ids, control ids and AI systems (querysets are the actor's)."""

    requirement_ids: tuple[str, ...]
    control_ids: tuple[str, ...] | None  # None: every SoA entry
    systems: tuple[AISystem, ...]
    audits: tuple[InternalAudit, ...]


def record(instance, reference: str = "") -> dict:
    """The ``record`` of a manifest entry: model label, id, and reference or name."""
    return {"type": instance._meta.label_lower, "id": str(instance.pk), "reference": reference or str(instance)[:200]}


def segment(value: str, fallback: str = "item") -> str:
    """A user string as one safe path segment: ASCII letters, digits, dots and hyphens."""
    cleaned = re.sub(r"[^A-Za-z0-9.-]+", "-", value).strip(".-")[:80]
    return cleaned or fallback


def system_dir(system: AISystem) -> str:
    return f"systems/{slugify(system.name)[:50] or 'system'}-{str(system.pk)[:8]}"


def evidence_name(evidence: Evidence) -> str:
    """``<sha256 prefix>-<ascii slug of the name><.ext>``: no user string becomes a path unsanitized."""
    name = evidence.file_name or evidence.title or "file"
    stem, dot, ext = name.rpartition(".")
    if not dot or not _EXTENSION.fullmatch("." + ext.lower()):
        stem, ext = name, ""
    slug = slugify(stem)[:60] or "file"
    return f"{evidence.file_sha256[:12]}-{slug}" + (f".{ext.lower()}" if ext else "")


def _open_blob(sha256: str):
    return lambda: open(blob_path(sha256), "rb")  # noqa: SIM115 - the writer reads it and closes it


def add_evidence(plan: Plan, folder: str, items, meta: dict, where: str) -> list[tuple[Evidence, str]]:
    """Plan the files of ``items`` under ``folder/evidence/``; return ``(item, path or "")`` for the page."""
    listed = []
    for evidence in items:
        if not evidence.has_file:
            listed.append((evidence, ""))
            continue
        path = blob_path(evidence.file_sha256)
        try:
            size = path.stat().st_size
        except OSError:
            plan.missing.append((where, f"the stored file of evidence {evidence.title!r} is missing"))
            listed.append((evidence, ""))
            continue
        target = f"{folder}/evidence/{evidence_name(evidence)}"
        plan.add(
            target,
            _open_blob(evidence.file_sha256),
            meta={**meta, "title": evidence.title, "record": record(evidence, evidence.title)},
            size=size,
            stored=True,
            expect_sha256=evidence.file_sha256,
        )
        listed.append((evidence, target))
    return listed


def evidence_table(page_path: str, listed: list[tuple[Evidence, str]]) -> str:
    if not listed:
        return '<p class="missing">No evidence linked.</p>'
    rows = []
    for evidence, path in listed:
        what = pages.link(page_path, path, evidence.file_name or evidence.title) if path else evidence.reference
        rows.append((evidence.title, evidence.get_kind_display(), what, evidence.collected_on, evidence.valid_until))
    return pages.table(("Evidence", "Kind", "File, link or record", "Collected", "Valid until"), rows)


# --- organization-wide documents ------------------------------------------------------------------------------


def soa(plan: Plan) -> None:
    from openaims.controls.exports import build_document, render

    version = scoped(SoAVersion, plan.actor).order_by("-number").first()
    if version is None:
        plan.missing.append(("Statement of Applicability", "no version issued (aims soa issue)"))
        return

    def make():
        document = build_document(plan.actor, version.number)
        document.generated_at = plan.as_of
        return render(document, "pdf")

    plan.add(
        f"soa/soa-v{version.number}.pdf",
        make,
        meta={"title": f"Statement of Applicability v{version.number}", "record": record(version)},
    )


def readiness(plan: Plan, report) -> None:
    """The readiness report as JSON (for tools) and HTML (for people)."""
    data = {
        "percent": report.percent,
        "as_of": plan.stamp,
        "clauses": [
            {
                "clause": c.clause_id,
                "title": c.title,
                "percent": c.percent,
                "requirements": [
                    {
                        "id": i.requirement_id,
                        "title": i.title,
                        "status": i.status,
                        "source": i.source,
                        "explanation": i.explanation,
                    }
                    for i in c.items
                ],
            }
            for c in report.clauses
        ],
        "controls": [
            {"id": c.control_id, "title": c.title, "status": c.status, "explanation": c.explanation}
            for c in report.controls
        ],
    }
    content = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    plan.add("readiness/readiness.json", lambda: content, meta={"title": "Readiness for certification (JSON)"})
    body = [f"<p>Overall: <strong>{report.percent}%</strong> of the clause requirements met.</p>"]
    for clause in report.clauses:
        body.append(f"<h2>{pages.text(clause.clause_id)} {pages.text(clause.title)} — {clause.percent}%</h2>")
        rows = [(i.requirement_id, i.title, i.status_label, i.source, i.explanation) for i in clause.items]
        body.append(pages.table(("Requirement", "Title", "Status", "Source", "Why"), rows))
    if report.controls:
        body.append("<h2>Annex A controls checked from the records</h2>")
        rows = [(c.control_id, c.title, c.status_label, c.explanation) for c in report.controls]
        body.append(pages.table(("Control", "Title", "Status", "Why"), rows))
    html = pages.page("Readiness for certification", "".join(body), subtitle=f"As of {plan.stamp}")
    plan.add("readiness/readiness.html", lambda: html, meta={"title": "Readiness for certification"})


# --- clauses and controls -------------------------------------------------------------------------------------


def clauses(plan: Plan, report, requirement_ids: tuple[str, ...]) -> None:
    """Per clause requirement in scope: where it stands (``assessment.html``) and its evidence files."""
    wanted = set(requirement_ids)
    assessments = {a.requirement_id: a for a in scoped(RequirementAssessment, plan.actor).prefetch_related("evidence")}
    for item in report.items:
        if item.requirement_id not in wanted:
            continue
        folder = f"clauses/{segment(item.requirement_id)}"
        page_path = f"{folder}/assessment.html"
        meta = {"clause": item.requirement_id}
        assessment = assessments.get(item.requirement_id)
        items = sorted(assessment.evidence.all(), key=lambda e: (e.title, str(e.pk))) if assessment else []
        listed = add_evidence(plan, folder, items, meta, f"Clause {item.requirement_id}")
        body = (
            pages.fields(
                [
                    ("Requirement", f"{item.requirement_id} {item.title}"),
                    ("Clause", f"{item.clause_id} {item.clause_title}"),
                    ("Status", item.status_label),
                    ("Decided by", item.source),
                    ("Why", item.explanation),
                ]
            )
            + "<h2>Evidence</h2>"
            + evidence_table(page_path, listed)
        )
        html = pages.page(f"Clause requirement {item.requirement_id}", body, subtitle=f"As of {plan.stamp}")
        plan.add(page_path, lambda html=html: html, meta={**meta, "title": f"{item.requirement_id} {item.title}"})
        files = [p for _, p in listed if p]
        plan.clauses[item.requirement_id] = {
            "title": item.title,
            "status": item.status_label,
            "page": page_path,
            "files": files,
        }
        if item.status != "met":
            plan.missing.append((f"Clause {item.requirement_id}", f"{item.status_label.lower()}: {item.explanation}"))
        elif not listed and item.source != "derived":
            plan.missing.append((f"Clause {item.requirement_id}", "no evidence linked"))


def controls(plan: Plan, control_ids: tuple[str, ...] | None) -> None:
    """Per Annex A control (SoA entry) in scope: its implementation and its evidence files."""
    entries = scoped(SoAEntry, plan.actor).select_related("owner").prefetch_related("evidence", "ai_systems", "risks")
    if control_ids is not None:
        entries = entries.filter(control_id__in=control_ids)
        found = set(entries.values_list("control_id", flat=True))
        for control_id in control_ids:
            if control_id not in found:
                plan.missing.append((f"Control {control_id}", "not in the SoA (no entry)"))
    entries = list(entries.order_by("position", "control_id"))
    if not entries and control_ids is None:
        plan.missing.append(("Annex A controls", "the SoA has no entries yet"))
    for entry in entries:
        folder = f"controls/{segment(entry.control_id)}"
        page_path = f"{folder}/implementation.html"
        meta = {"control": entry.control_id}
        items = sorted(entry.evidence.all(), key=lambda e: (e.title, str(e.pk)))
        listed = add_evidence(plan, folder, items, meta, f"Control {entry.control_id}")
        systems = ", ".join(sorted(s.name for s in entry.ai_systems.all())) or "—"
        risks = ", ".join(sorted(r.title for r in entry.risks.all())) or "—"
        body = (
            pages.fields(
                [
                    ("Control", f"{entry.control_id} {entry.title}"),
                    ("Applicability", "Applicable" if entry.applicable else "Excluded"),
                    ("Justification", entry.justification),
                    ("Implementation status", entry.get_implementation_status_display()),
                    ("Owner", entry.owner or "—"),
                    ("AI systems", systems),
                    ("Risks it treats", risks),
                    ("Notes", entry.notes),
                ]
            )
            + "<h2>Evidence</h2>"
            + evidence_table(page_path, listed)
        )
        html = pages.page(f"Control {entry.control_id}", body, subtitle=f"As of {plan.stamp}")
        plan.add(
            page_path,
            lambda html=html: html,
            meta={**meta, "title": f"{entry.control_id} {entry.title}", "record": record(entry, entry.control_id)},
        )
        plan.controls[entry.control_id] = {
            "title": entry.title,
            "status": entry.get_implementation_status_display() if entry.applicable else "Excluded",
            "page": page_path,
            "files": [p for _, p in listed if p],
        }
        if entry.applicable and not listed:
            plan.missing.append((f"Control {entry.control_id}", "applicable, no evidence linked"))


# --- AI systems -----------------------------------------------------------------------------------------------


def system(plan: Plan, ai_system: AISystem) -> None:
    """An AI system's card, impact assessments, risks, monitoring report, nonconformities, reviews and evidence."""
    folder = system_dir(ai_system)
    rec = record(ai_system, ai_system.name)
    files: list[str] = []
    where = f"AI system {ai_system.name}"

    def card():
        from openaims.oversight.transparency.card import build_card
        from openaims.oversight.transparency.exports import render_pdf

        return render_pdf(dataclasses.replace(build_card(ai_system), generated_at=plan.as_of))

    files.append(plan.add(f"{folder}/card.pdf", card, meta={"title": f"System card: {ai_system.name}", "record": rec}))

    assessments = scoped(ImpactAssessment, plan.actor).filter(ai_system=ai_system).order_by("template_id", "revision")
    for assessment in assessments:
        files.append(
            plan.add(
                f"{folder}/impact-assessments/{segment(assessment.template_id)}-rev{assessment.revision}.pdf",
                _assessment_pdf(plan, assessment),
                meta={"title": str(assessment), "record": record(assessment)},
            )
        )
    if not files[1:]:
        plan.missing.append((where, "no impact assessment"))

    risks = list(scoped(Risk, plan.actor).filter(ai_systems=ai_system).select_related("owner").order_by("title", "pk"))
    files += _risks(plan, folder, ai_system, risks)

    from openaims.monitoring.models import Monitor

    if scoped(Monitor, plan.actor).filter(ai_system=ai_system).exists():

        def monitoring():
            from openaims.monitoring.report import build_report, render_pdf

            report = build_report(plan.actor, ai_system)
            report.generated_at = plan.as_of
            return render_pdf(report)

        files.append(
            plan.add(
                f"{folder}/monitoring/report.pdf",
                monitoring,
                meta={"title": f"Monitoring report: {ai_system.name}", "record": rec},
            )
        )
    else:
        plan.missing.append((where, "no monitor"))

    files.append(_nonconformities(plan, folder, ai_system))
    files.append(_reviews(plan, folder, ai_system))
    items = scoped(Evidence, plan.actor).filter(ai_systems=ai_system).order_by("title", "pk")
    listed = add_evidence(plan, folder, items, {"record": rec}, where)
    files += [p for _, p in listed if p]
    plan.systems[ai_system.name + str(ai_system.pk)] = {"name": ai_system.name, "folder": folder, "files": files}


def _assessment_pdf(plan: Plan, assessment):
    def make():
        from openaims.impact.exports import build_document, render

        document = build_document(plan.actor, assessment)
        document.cover = [(k, plan.stamp if k == "Generated" else v) for k, v in document.cover]
        return render(document, "pdf")

    return make


RISK_COLUMNS = ("Risk", "Status", "Level", "Likelihood", "Consequence", "Treatment", "Owner", "Review date")


def _risks(plan: Plan, folder: str, ai_system: AISystem, risks: list[Risk]) -> list[str]:
    rows = [
        (
            r.title,
            r.get_status_display(),
            r.level,
            r.likelihood,
            r.consequence,
            r.get_treatment_option_display() if r.treatment_option else "",
            str(r.owner or ""),
            r.review_date.isoformat() if r.review_date else "",
        )
        for r in risks
    ]
    if not rows:
        plan.missing.append((f"AI system {ai_system.name}", "no risk in the register"))
    body = pages.table(RISK_COLUMNS, rows) if rows else '<p class="missing">No risk in the register.</p>'
    html = pages.page(f"Risks: {ai_system.name}", body, subtitle=f"As of {plan.stamp}")
    csv_content = pages.csv_bytes(RISK_COLUMNS, rows)
    title = f"Risk register: {ai_system.name}"
    rec = record(ai_system, ai_system.name)
    return [
        plan.add(f"{folder}/risks.html", lambda: html, meta={"title": title, "record": rec}),
        plan.add(f"{folder}/risks.csv", lambda: csv_content, meta={"title": f"{title} (CSV)", "record": rec}),
    ]


def _nonconformities(plan: Plan, folder: str, ai_system: AISystem) -> str:
    qs = scoped(Nonconformity, plan.actor).filter(ai_system=ai_system).select_related("owner").order_by("number")
    rows = [
        (nc.reference, nc.title, nc.get_severity_display(), nc.get_status_display(), ", ".join(nc.requirement_ids))
        for nc in qs
    ]
    body = (
        pages.table(("Reference", "Title", "Severity", "Status", "Requirements"), rows)
        if rows
        else "<p>No nonconformity recorded.</p>"
    )
    html = pages.page(f"Nonconformities: {ai_system.name}", body, subtitle=f"As of {plan.stamp}")
    return plan.add(
        f"{folder}/nonconformities.html",
        lambda: html,
        meta={"title": f"Nonconformities: {ai_system.name}", "record": record(ai_system, ai_system.name)},
    )


def _reviews(plan: Plan, folder: str, ai_system: AISystem) -> str:
    qs = scoped(ReviewItem, plan.actor).filter(ai_system=ai_system)
    counts = {status: qs.filter(status=status).count() for status in ("pending", "escalated", "decided")}
    latest = qs.filter(status="decided").order_by("-decided_at", "-pk")[:REVIEW_ROWS]
    rows = [
        (
            i.decision_id,
            i.ai_output,
            i.final_outcome,
            i.decided_by_label,
            i.decided_at.strftime("%Y-%m-%d %H:%M") if i.decided_at else "",
        )
        for i in latest
    ]
    body = pages.fields([(k.capitalize(), v) for k, v in counts.items()])
    if rows:
        body += f"<h2>Latest decisions (up to {REVIEW_ROWS})</h2>" + pages.table(
            ("Decision id", "AI output", "Final outcome", "Decided by", "Decided at (UTC)"), rows
        )
    html = pages.page(f"Human reviews: {ai_system.name}", body, subtitle=f"As of {plan.stamp}")
    return plan.add(
        f"{folder}/reviews.html",
        lambda: html,
        meta={"title": f"Human reviews: {ai_system.name}", "record": record(ai_system, ai_system.name)},
    )


# --- audits and management reviews ----------------------------------------------------------------------------


def audits(plan: Plan, chosen: tuple[InternalAudit, ...]) -> None:
    from openaims.audits.internal_report import build_report, render_pdf

    for audit in chosen:
        plan.add(
            f"audits/{audit.reference}-report.pdf",
            lambda audit=audit: render_pdf(build_report(audit)),
            meta={"title": f"Internal audit report {audit.reference}", "record": record(audit, audit.reference)},
        )


def management_reviews(plan: Plan) -> bool:
    """Minutes of the management reviews whose minutes are issued (noted as missing when none are)."""
    from openaims.management_review.minutes import render_minutes_pdf
    from openaims.management_review.models import ManagementReview

    reviews = scoped(ManagementReview, plan.actor).filter(minutes_issued_at__isnull=False).order_by("number")
    for review in reviews:
        plan.add(
            f"management-reviews/{review.reference}-minutes.pdf",
            lambda review=review: render_minutes_pdf(review),
            meta={
                "title": f"Management review minutes {review.reference}",
                "record": record(review, review.reference),
                "clause": "9.3",
            },
        )
    if not reviews:
        plan.missing.append(("Management review", "no minutes issued"))
    return True
