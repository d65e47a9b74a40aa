"""The internal audit (9.2): audit programmes, the audits planned from them, their checklists and findings; and the
improvement register (10.1) that opportunities for improvement go into."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.audits.choices import (
    BADGE_COLOURS,
    FREQUENCY_DAYS,
    AuditFinding,
    AuditFrequency,
    ChecklistItemKind,
    ImprovementSource,
    ImprovementStatus,
    InternalAuditStatus,
)
from openaims.base.models import BaseModel, colour_badge

badge_html = functools.partial(colour_badge, BADGE_COLOURS)


def format_audit_reference(number: int | None) -> str:
    return f"IA-{number:04d}" if number else "IA-?"


@functools.cache
def clause_ids() -> frozenset[str]:
    """Ids of the ISO/IEC 42001 clauses (4-10) and their requirements an audit's scope may name."""
    from openaims.catalog import get_framework

    return frozenset(item.id for item in get_framework("iso42001").of_kind("clause", "requirement"))


@functools.cache
def control_ids() -> frozenset[str]:
    """Ids of the Annex A controls."""
    from openaims.catalog import get_framework

    return frozenset(item.id for item in get_framework("iso42001").of_kind("control"))


def _check_ids(errors: dict, name: str, ids, known: frozenset[str], what: str, example: str) -> None:
    if not isinstance(ids, list) or any(not isinstance(i, str) for i in ids):
        errors[name] = f"Must be a list of {what} ids."
        return
    unknown = [i for i in ids if i not in known]
    if unknown:
        errors[name] = f"Not {what} id: {', '.join(unknown[:10])} (e.g. {example})."
    elif len(set(ids)) != len(ids):
        errors[name] = "Names an id twice."


class AuditProgramme(BaseModel):
    """How the organization audits its AIMS (9.2.2): objectives, how often, methods, who does what, criteria.

    An organization may run several programmes (e.g. one for the management system, one for AI systems).
    """

    name = models.CharField(max_length=200)
    objectives = models.TextField(help_text="What the audits of this programme are for.")
    frequency = models.CharField(max_length=12, choices=AuditFrequency.choices, default=AuditFrequency.ANNUAL)
    methods = models.TextField(blank=True, help_text="How audits are done: interviews, record sampling, observation…")
    responsibilities = models.TextField(blank=True, help_text="Who plans, who audits, who receives the reports.")
    criteria = models.TextField(blank=True, help_text="What audits check against, unless an audit says otherwise.")

    class Meta:
        verbose_name = "audit programme"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_audit_programme_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def interval_days(self) -> int:
        return FREQUENCY_DAYS[self.frequency]


class InternalAudit(BaseModel):
    """One audit planned from a programme: its scope (clauses, Annex A controls, AI systems), criteria, auditors,
    dates, the risk-weighted sample of AI systems, and its status.

    ``number`` counts per organization (``reference`` IA-0001). The sample is reproducible: ``sample_seed`` and
    ``sample_weights`` (every candidate with its weight and why) are kept with the systems drawn.
    """

    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    programme = models.ForeignKey(AuditProgramme, on_delete=models.PROTECT, related_name="audits")
    clause_ids = models.JSONField(
        "clauses", default=list, blank=True, help_text="ISO/IEC 42001 clause or requirement ids, e.g. 6.1.3, 9.2."
    )
    control_ids = models.JSONField(
        "Annex A controls", default=list, blank=True, help_text="Annex A control ids, e.g. A.6.2.6."
    )
    ai_systems = models.ManyToManyField(
        "inventory.AISystem", blank=True, related_name="internal_audits", verbose_name="AI systems"
    )
    criteria = models.TextField(blank=True, help_text="What this audit checks against (default: the programme's).")
    lead_auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_internal_audits"
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="internal_audit_teams")
    planned_start = models.DateField()
    planned_end = models.DateField()
    status = models.CharField(
        max_length=12, choices=InternalAuditStatus.choices, default=InternalAuditStatus.PLANNED, editable=False
    )
    started_on = models.DateField(null=True, blank=True, editable=False)
    reported_on = models.DateField(null=True, blank=True, editable=False)
    report_summary = models.TextField(blank=True, editable=False, help_text="The conclusions reported to management.")
    sampled_systems = models.ManyToManyField(
        "inventory.AISystem", blank=True, related_name="sampled_in_audits", editable=False
    )
    sample_seed = models.BigIntegerField(null=True, blank=True, editable=False)
    sample_weights = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = "internal audit"
        ordering = ["-planned_start", "-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_internal_audit_number")]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return format_audit_reference(self.number)

    @property
    def due(self) -> bool:
        """Its planned start has passed and it has not started."""
        return self.status == InternalAuditStatus.PLANNED and self.planned_start < timezone.localdate()

    @property
    def status_badge(self) -> str:
        badge = badge_html(self.status, self.get_status_display())
        return format_html('{} <span class="badge badge-red">due</span>', badge) if self.due else badge

    def clean(self) -> None:
        errors: dict[str, str] = {}
        _check_ids(errors, "clause_ids", self.clause_ids, clause_ids(), "an ISO/IEC 42001 clause", "9.2, 6.1.3")
        _check_ids(errors, "control_ids", self.control_ids, control_ids(), "an Annex A control", "A.6.2.6")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            errors["planned_end"] = "Must not be before the planned start."
        if errors:
            raise ValidationError(errors)


class AuditChecklistItem(BaseModel):
    """One line of an audit's checklist, generated from its scope, and the auditor's finding on it.

    A nonconformity finding (major or minor) opens a :class:`Nonconformity` (``nonconformity``); an opportunity
    for improvement goes into the improvement register (``improvement``).
    """

    audit = models.ForeignKey(InternalAudit, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveIntegerField(default=0, editable=False)
    kind = models.CharField(max_length=12, choices=ChecklistItemKind.choices, editable=False)
    reference = models.CharField(max_length=50, editable=False, help_text="The requirement or control id.")
    ai_system = models.ForeignKey(
        "inventory.AISystem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    title = models.CharField(max_length=300, editable=False)
    finding = models.CharField(max_length=20, choices=AuditFinding.choices, blank=True)
    notes = models.TextField(blank=True)
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="audit_checklist_items")
    nonconformity = models.ForeignKey(
        "audits.Nonconformity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_checklist_items",
        editable=False,
    )
    improvement = models.ForeignKey(
        "audits.Improvement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_checklist_items",
        editable=False,
    )

    class Meta:
        verbose_name = "audit checklist item"
        ordering = ["audit", "position"]

    def __str__(self) -> str:
        return f"{self.audit.reference if self.audit_id else '?'} #{self.position} {self.title}"[:300]

    @property
    def finding_badge(self) -> str:
        return badge_html(self.finding, self.get_finding_display()) if self.finding else "—"


class Improvement(BaseModel):
    """An entry of the improvement register (10.1): an opportunity to improve the AIMS, where it came from, who
    carries it and where it stands."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=ImprovementSource.choices, default=ImprovementSource.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_improvements"
    )
    status = models.CharField(max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.PROPOSED)

    class Meta:
        verbose_name = "improvement"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())
