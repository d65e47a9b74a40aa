"""A snapshot of inputs made readable: per section its figures (label, value) and tables (caption, columns, rows),
the same for the review page, the PDF and the DOCX minutes, and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from openaims.management_review.inputs import INPUT_SECTIONS


@dataclass
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass
class Section:
    key: str
    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    missing: bool = False


def _s(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:.2f}"
    return str(value)


def _rate(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def _counts(mapping: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in mapping.items()) or "—"


def _previous_actions(d: dict, s: Section) -> None:
    s.figures += [
        ("Actions of previous reviews", _s(d.get("total"))),
        ("Open", _s(d.get("open"))),
        ("Overdue", _s(d.get("overdue"))),
        ("Done", _s(d.get("done"))),
        ("Cancelled", _s(d.get("cancelled"))),
    ]
    rows = [
        (
            a["review"],
            a["title"],
            a["owner"] or "—",
            a["due_date"] or "—",
            a["status"] + (" (overdue)" if a.get("overdue") else ""),
            a.get("closing_note") or "—",
        )
        for a in d.get("items", [])
    ]
    if rows:
        s.tables.append(Table("Actions", ("Review", "Action", "Owner", "Due", "Status", "Closing note"), rows))


def _context_changes(d: dict, s: Section) -> None:
    for key, label in (("issues", "Context issues"), ("interested_parties", "Interested parties")):
        part = d.get(key) or {}
        s.figures.append(
            (
                label,
                f"{_s(part.get('total'))} recorded; {_s(part.get('added'))} added, {_s(part.get('changed'))} changed, "
                f"{_s(part.get('removed'))} removed in the period",
            )
        )
        rows = [(item["name"], item["change"]) for item in part.get("items", [])]
        if rows:
            s.tables.append(Table(f"{label} changed", ("Name", "Change"), rows))


def _nonconformities(d: dict, s: Section) -> None:
    ca = d.get("corrective_actions") or {}
    s.figures += [
        ("Opened in the period", _s(d.get("opened"))),
        ("Closed in the period", f"{_s(d.get('closed'))} ({_s(d.get('closed_effective'))} effective)"),
        ("Open now", f"{_s(d.get('open'))} ({_s(d.get('major_open'))} major)"),
        ("Open past their due date", _s(d.get("overdue"))),
        ("Opened by source", _counts(d.get("by_source") or {})),
        (
            "Corrective actions",
            f"{_s(ca.get('planned_in_period'))} planned and {_s(ca.get('done_in_period'))} done in the period; "
            f"{_s(ca.get('open'))} open, {_s(ca.get('overdue'))} overdue",
        ),
    ]
    trend = d.get("by_month") or {}
    if trend.get("months"):
        rows = [
            (m, str(o), str(c))
            for m, o, c in zip(trend["months"], trend.get("opened", []), trend.get("closed", []), strict=False)
        ]
        s.tables.append(Table("By month", ("Month", "Opened", "Closed"), rows))
    rows = [(i["reference"], i["title"], i["due_date"] or "—") for i in d.get("overdue_items", [])]
    if rows:
        s.tables.append(Table("Overdue nonconformities", ("Reference", "Title", "Due"), rows))


def _monitoring(d: dict, s: Section) -> None:
    s.figures += [
        ("Active monitors", _s(d.get("monitors_active"))),
        (
            "Runs in the period",
            f"{_s(d.get('runs'))}: {_s(d.get('passed'))} passed, {_s(d.get('breaches'))} breached a threshold, "
            f"{_s(d.get('errors'))} failed with an error",
        ),
        ("Alerts raised", _s(d.get("alerts"))),
        ("Open nonconformities from breaches", _s(d.get("open_breach_nonconformities"))),
    ]
    trend = d.get("breaches_by_month") or {}
    if trend.get("months"):
        rows = [(m, str(b)) for m, b in zip(trend["months"], trend.get("breaches", []), strict=False)]
        s.tables.append(Table("Breaches by month", ("Month", "Breaches"), rows))
    rows = [(r["monitor"], r["ai_system"], str(r["breaches"])) for r in d.get("breached_monitors", [])]
    if rows:
        s.tables.append(Table("Monitors that breached", ("Monitor", "AI system", "Breaches"), rows))


def _oversight(d: dict, s: Section) -> None:
    s.figures += [
        ("Review items submitted", _s(d.get("items"))),
        ("Decided", _s(d.get("decided"))),
        ("AI output overturned", f"{_s(d.get('overrides'))} ({_rate(d.get('override_rate'))} of decided)"),
        ("Escalated", _s(d.get("escalated"))),
        ("In the queue now", f"{_s(d.get('queue_length'))} ({_s(d.get('overdue'))} overdue)"),
    ]
    rows = [
        (
            r["ai_system"],
            str(r["items"]),
            str(r["decided"]),
            str(r["overrides"]),
            _rate(r["override_rate"]),
            "—" if r["median_hours_to_decision"] is None else f"{r['median_hours_to_decision']:.1f}",
        )
        for r in d.get("systems", [])
    ]
    if rows:
        s.tables.append(
            Table("By AI system", ("AI system", "Items", "Decided", "Overturned", "Rate", "Median hours"), rows)
        )


def _audits(d: dict, s: Section) -> None:
    s.figures += [
        ("Internal audits reported in the period", _s(d.get("reported"))),
        ("Findings", _counts(d.get("findings") or {})),
        ("In progress", _s(d.get("in_progress"))),
        ("Due and not started", _s(d.get("due"))),
    ]
    rows = [(a["reference"], a["title"], a["reported_on"] or "—", a["summary"]) for a in d.get("audits", [])]
    if rows:
        s.tables.append(Table("Audits reported", ("Audit", "Title", "Reported", "Summary"), rows))


def _objectives(d: dict, s: Section) -> None:
    s.figures += [
        ("AI objectives", _s(d.get("total"))),
        ("By status", _counts(d.get("by_status") or {})),
        ("Open past their due date", _s(d.get("past_due"))),
    ]
    rows = [
        (o["objective"], o["status"], o["target"] or "—", o["owner"] or "—", o["due_date"] or "—")
        for o in d.get("items", [])
    ]
    if rows:
        s.tables.append(Table("Objectives", ("Objective", "Status", "Target", "Owner", "Due"), rows))


def _risks(d: dict, s: Section) -> None:
    s.figures += [
        ("Risks in the register", f"{_s(d.get('total'))} ({_s(d.get('open'))} open)"),
        ("Open risks by level", _counts(d.get("by_level") or {})),
        ("Identified in the period", _s(d.get("identified_in_period"))),
        ("Treatment actions overdue", _s(d.get("treatments_overdue"))),
        ("Risk reviews overdue", _s(d.get("reviews_overdue"))),
        ("Opportunities recorded in the period", _s(d.get("opportunities_in_period"))),
    ]
    rows = [(r["title"], r["level"], r["owner"] or "—", r["status"]) for r in d.get("highest", [])]
    if rows:
        s.tables.append(Table("Highest open risks", ("Risk", "Level", "Owner", "Status"), rows))
    rows = [(title,) for title in d.get("opportunities", [])]
    if rows:
        s.tables.append(Table("Opportunities", ("Opportunity",), rows))


def _improvements(d: dict, s: Section) -> None:
    s.figures += [
        (
            "Improvements in the register",
            f"{_s(d.get('total'))}: {_s(d.get('open'))} open, {_s(d.get('closed'))} closed",
        ),
        ("Added in the period", _s(d.get("added_in_period"))),
        ("Open without an owner", _s(d.get("without_owner"))),
        ("By status", _counts(d.get("by_status") or {})),
    ]
    rows = [(i["title"], i["source"], i["owner"] or "—", i["status"]) for i in d.get("items", [])]
    if rows:
        s.tables.append(Table("Open improvements", ("Improvement", "Source", "Owner", "Status"), rows))


_BUILDERS = {
    "previous_actions": _previous_actions,
    "context_changes": _context_changes,
    "nonconformities": _nonconformities,
    "monitoring": _monitoring,
    "oversight": _oversight,
    "audits": _audits,
    "objectives": _objectives,
    "risks": _risks,
    "improvements": _improvements,
}


def present_inputs(inputs: dict) -> list[Section]:
    """Every input section of ``inputs`` as figures and tables; a section the snapshot lacks is marked missing."""
    sections = []
    for key, title in INPUT_SECTIONS.items():
        section = Section(key, title)
        data = (inputs or {}).get(key)
        if isinstance(data, dict):
            _BUILDERS[key](data, section)
        else:
            section.missing = True
        sections.append(section)
    return sections


def period_label(inputs: dict) -> str:
    period = (inputs or {}).get("period") or {}
    since, until = period.get("since"), period.get("until")
    if not until:
        return "—"
    return f"{since} to {until}" if since else f"up to {until} (first review)"
