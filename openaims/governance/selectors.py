"""Reads of the governance records, shared by UI, API and the readiness rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.governance.choices import OPEN_OBJECTIVE_STATUSES, DocumentType, ScopeStatus, VersionStatus
from openaims.governance.models import (
    AIMSRole,
    AIObjective,
    CompetenceRecord,
    ContextIssue,
    Document,
    DocumentVersion,
    InterestedParty,
    ScopeStatement,
)


def _search(qs: QuerySet, filters, *fields: str) -> QuerySet:
    if q := (filter_getter(filters)("q") or "").strip():
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(condition)
    return qs


def _overdue(qs: QuerySet, flag: bool | None, field: str = "next_review_date") -> QuerySet:
    """Records past their date (``flag`` True) or not (False: no date, or a date today or later)."""
    if flag is None:
        return qs
    today = timezone.localdate()
    if flag:
        return qs.filter(**{f"{field}__lt": today})
    return qs.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": today}))


def _equal(qs: QuerySet, filters, *names: str) -> QuerySet:
    get = filter_getter(filters)
    for name in names:
        value = get(name)
        if value not in (None, ""):
            qs = qs.filter(**{name: value})
    return qs


# --- Per model: the list queryset and its filters (same names in UI and API) -----------------------------


def scope_statements(actor: Actor) -> QuerySet[ScopeStatement]:
    return scoped(ScopeStatement, actor).select_related("approved_by")


def filter_scope_statements(qs: QuerySet[ScopeStatement], filters) -> QuerySet[ScopeStatement]:
    qs = _search(qs, filters, "version", "statement", "organizational_units", "sites", "exclusions")
    return _equal(qs, filters, "status")


def context_issues(actor: Actor) -> QuerySet[ContextIssue]:
    return scoped(ContextIssue, actor)


def filter_context_issues(qs: QuerySet[ContextIssue], filters) -> QuerySet[ContextIssue]:
    qs = _search(qs, filters, "title", "description", "effect_on_aims")
    qs = _equal(qs, filters, "origin", "category")
    return _overdue(qs, filter_getter(filters)("review_overdue"))


def interested_parties(actor: Actor) -> QuerySet[InterestedParty]:
    return scoped(InterestedParty, actor)


def filter_interested_parties(qs: QuerySet[InterestedParty], filters) -> QuerySet[InterestedParty]:
    qs = _search(qs, filters, "name", "needs_and_expectations", "how_addressed")
    qs = _equal(qs, filters, "kind", "compliance_obligation")
    return _overdue(qs, filter_getter(filters)("review_overdue"))


def documents(actor: Actor) -> QuerySet[Document]:
    """The document-control list: each document with its owner and current version in one query."""
    return scoped(Document, actor).select_related("owner", "current_version")


def filter_documents(qs: QuerySet[Document], filters) -> QuerySet[Document]:
    get = filter_getter(filters)
    qs = _search(qs, filters, "title")
    qs = _equal(qs, filters, "document_type", "owner_id")
    if status := get("status"):
        qs = qs.filter(current_version__status=status)
    return _overdue(qs, get("review_overdue"))


def document_versions(actor: Actor) -> QuerySet[DocumentVersion]:
    return scoped(DocumentVersion, actor).select_related("document", "approved_by")


def filter_document_versions(qs: QuerySet[DocumentVersion], filters) -> QuerySet[DocumentVersion]:
    qs = _search(qs, filters, "number", "content", "change_note", "document__title")
    return _equal(qs, filters, "document_id", "status")


def aims_roles(actor: Actor) -> QuerySet[AIMSRole]:
    return scoped(AIMSRole, actor).prefetch_related("holders__user", "ai_systems")


def filter_aims_roles(qs: QuerySet[AIMSRole], filters) -> QuerySet[AIMSRole]:
    get = filter_getter(filters)
    qs = _search(qs, filters, "name", "responsibilities", "authority")
    if holder_id := get("holder_id"):
        qs = qs.filter(holders=holder_id)
    if ai_system_id := get("ai_system_id"):
        qs = qs.filter(ai_systems=ai_system_id)
    return qs.distinct()


def ai_objectives(actor: Actor) -> QuerySet[AIObjective]:
    return scoped(AIObjective, actor).select_related("owner").prefetch_related("ai_systems")


def filter_ai_objectives(qs: QuerySet[AIObjective], filters) -> QuerySet[AIObjective]:
    get = filter_getter(filters)
    qs = _search(qs, filters, "objective", "metric", "monitoring")
    qs = _equal(qs, filters, "status", "owner_id")
    if ai_system_id := get("ai_system_id"):
        qs = qs.filter(ai_systems=ai_system_id).distinct()
    return qs


def competence_records(actor: Actor) -> QuerySet[CompetenceRecord]:
    return scoped(CompetenceRecord, actor).select_related("member")


def filter_competence_records(qs: QuerySet[CompetenceRecord], filters) -> QuerySet[CompetenceRecord]:
    qs = _search(qs, filters, "competence", "evidence_reference", "notes", "member__username")
    qs = _equal(qs, filters, "member_id")
    return _overdue(qs, filter_getter(filters)("expired"), field="valid_until")


# --- Organization-wide reads (readiness rules, the governance index) -------------------------------------


def scope_in_force(organization: Organization) -> ScopeStatement | None:
    """The approved scope statement, if any."""
    return ScopeStatement.objects.filter(organization=organization, status=ScopeStatus.APPROVED).first()


def ai_policies_in_force(organization: Organization) -> QuerySet[Document]:
    """AI policies whose current version is approved and effective, and which are not overdue for review."""
    today = timezone.localdate()
    return Document.objects.filter(
        organization=organization,
        document_type=DocumentType.AI_POLICY,
        current_version__status=VersionStatus.APPROVED,
        current_version__effective_date__lte=today,
    ).filter(Q(next_review_date__isnull=True) | Q(next_review_date__gte=today))


def overdue_objectives(organization: Organization) -> QuerySet[AIObjective]:
    """Open objectives past their due date."""
    return AIObjective.objects.filter(
        organization=organization, status__in=OPEN_OBJECTIVE_STATUSES, due_date__lt=timezone.localdate()
    )


def governance_summary(organization: Organization) -> list[dict]:
    """One row per record type for the governance index: label, list URL name, count, how many need attention."""
    today = timezone.localdate()

    def of(model):
        return model.objects.filter(organization=organization)

    scope = scope_in_force(organization)
    return [
        {
            "label": "Scope statements",
            "url_name": "scope-statements-list",
            "count": of(ScopeStatement).count(),
            "attention": 0 if scope else 1,
            "attention_label": f"in force: v{scope.version}" if scope else "none approved",
        },
        {
            "label": "Context issues",
            "url_name": "context-issues-list",
            "count": of(ContextIssue).count(),
            "attention": of(ContextIssue).filter(next_review_date__lt=today).count(),
            "attention_label": "overdue for review",
            "overdue_query": "review_overdue=true",
        },
        {
            "label": "Interested parties",
            "url_name": "interested-parties-list",
            "count": of(InterestedParty).count(),
            "attention": of(InterestedParty).filter(next_review_date__lt=today).count(),
            "attention_label": "overdue for review",
            "overdue_query": "review_overdue=true",
        },
        {
            "label": "Documents",
            "url_name": "documents-list",
            "count": of(Document).count(),
            "attention": of(Document).filter(next_review_date__lt=today).count(),
            "attention_label": "overdue for review",
            "overdue_query": "review_overdue=true",
        },
        {
            "label": "AIMS roles",
            "url_name": "aims-roles-list",
            "count": of(AIMSRole).count(),
            "attention": of(AIMSRole).filter(holders__isnull=True).count(),
            "attention_label": "without a holder",
        },
        {
            "label": "AI objectives",
            "url_name": "ai-objectives-list",
            "count": of(AIObjective).count(),
            "attention": overdue_objectives(organization).count(),
            "attention_label": "open and past due",
        },
        {
            "label": "Competence records",
            "url_name": "competence-records-list",
            "count": of(CompetenceRecord).count(),
            "attention": of(CompetenceRecord).filter(valid_until__lt=today).count(),
            "attention_label": "expired",
            "overdue_query": "expired=true",
        },
    ]
