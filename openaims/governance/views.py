"""The governance pages: generic views per model, the governance index, and the approval buttons."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.views import ActorRequiredMixin, Column, Resource
from openaims.governance import forms, selectors, services
from openaims.governance.choices import VERSION_TRANSITIONS, VersionStatus
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
from openaims.governance.readiness import RULES

scope_statements = Resource(
    model=ScopeStatement,
    url_prefix="scope-statements",
    form_class=forms.ScopeStatementForm,
    filter_form_class=forms.ScopeStatementFilterForm,
    columns=[
        Column("Version", "version", link=True),
        Column("Status", "status", badge=True),
        Column("Statement", "statement"),
        Column("Approved by", "approved_by"),
        Column("Approved at", "approved_at"),
    ],
    queryset=selectors.scope_statements,
    filter_queryset=selectors.filter_scope_statements,
    create=services.scope_statement_create,
    update=services.scope_statement_update,
    delete=services.scope_statement_delete,
    instance_kwarg="scope_statement",
    detail_template="governance/scopestatement_detail.html",
    detail_fields=[
        "version",
        "status",
        "statement",
        "organizational_units",
        "sites",
        "lifecycle_activities",
        "exclusions",
        "interfaces",
        "approved_by",
        "approved_at",
    ],
)

context_issues = Resource(
    model=ContextIssue,
    url_prefix="context-issues",
    form_class=forms.ContextIssueForm,
    filter_form_class=forms.ContextIssueFilterForm,
    columns=[
        Column("Title", "title", link=True),
        Column("Origin", "origin"),
        Column("Category", "category"),
        Column("Next review date", "next_review_date"),
        Column("Review overdue", "review_overdue"),
    ],
    queryset=selectors.context_issues,
    filter_queryset=selectors.filter_context_issues,
    create=services.context_issue_create,
    update=services.context_issue_update,
    delete=services.context_issue_delete,
    instance_kwarg="context_issue",
    detail_fields=["title", "origin", "category", "description", "effect_on_aims", "next_review_date"],
)

interested_parties = Resource(
    model=InterestedParty,
    url_prefix="interested-parties",
    form_class=forms.InterestedPartyForm,
    filter_form_class=forms.InterestedPartyFilterForm,
    columns=[
        Column("Name", "name", link=True),
        Column("Kind", "kind"),
        Column("Compliance obligation", "compliance_obligation"),
        Column("Next review date", "next_review_date"),
        Column("Review overdue", "review_overdue"),
    ],
    queryset=selectors.interested_parties,
    filter_queryset=selectors.filter_interested_parties,
    create=services.interested_party_create,
    update=services.interested_party_update,
    delete=services.interested_party_delete,
    instance_kwarg="interested_party",
    detail_fields=[
        "name",
        "kind",
        "needs_and_expectations",
        "compliance_obligation",
        "how_addressed",
        "next_review_date",
    ],
)

# The document list is the document-control view: current version, its status, owner, next review, overdue.
documents = Resource(
    model=Document,
    url_prefix="documents",
    form_class=forms.DocumentForm,
    filter_form_class=forms.DocumentFilterForm,
    columns=[
        Column("Title", "title", link=True),
        Column("Document type", "document_type"),
        Column("Current version", "current_version_number"),
        Column("Status", "status", badge=True),
        Column("Owner", "owner"),
        Column("Next review date", "next_review_date"),
        Column("Review overdue", "review_overdue"),
    ],
    queryset=selectors.documents,
    filter_queryset=selectors.filter_documents,
    create=services.document_create,
    update=services.document_update,
    delete=services.document_delete,
    instance_kwarg="document",
    detail_template="governance/document_detail.html",
    detail_fields=["title", "document_type", "owner", "next_review_date"],
    extra_detail_context=lambda obj: {"versions": obj.versions.select_related("approved_by").order_by("-created_at")},
    title_plural="Documents (document control)",
)

document_versions = Resource(
    model=DocumentVersion,
    url_prefix="document-versions",
    form_class=forms.DocumentVersionEditForm,
    create_form_class=forms.DocumentVersionForm,
    filter_form_class=forms.DocumentVersionFilterForm,
    columns=[
        Column("Version", "number", link=True),
        Column("Document", "document"),
        Column("Status", "status", badge=True),
        Column("Effective date", "effective_date"),
        Column("Approved by", "approved_by"),
    ],
    queryset=selectors.document_versions,
    filter_queryset=selectors.filter_document_versions,
    create=services.document_version_create,
    update=services.document_version_update,
    delete=services.document_version_delete,
    instance_kwarg="document_version",
    detail_template="governance/documentversion_detail.html",
    detail_fields=[
        "document",
        "number",
        "status",
        "content",
        "link",
        "change_note",
        "effective_date",
        "approved_by",
        "approved_at",
    ],
    extra_detail_context=lambda obj: {
        "next_statuses": [(s, VersionStatus(s).label) for s in sorted(VERSION_TRANSITIONS[obj.status])]
    },
)

aims_roles = Resource(
    model=AIMSRole,
    url_prefix="aims-roles",
    form_class=forms.AIMSRoleForm,
    filter_form_class=forms.AIMSRoleFilterForm,
    columns=[
        Column("Name", "name", link=True),
        Column("Holders", "holder_names"),
        Column("Responsibilities", "responsibilities"),
    ],
    queryset=selectors.aims_roles,
    filter_queryset=selectors.filter_aims_roles,
    create=services.aims_role_create,
    update=services.aims_role_update,
    delete=services.aims_role_delete,
    instance_kwarg="aims_role",
    detail_fields=["name", "responsibilities", "authority", "holders", "ai_systems"],
    title_plural="AIMS roles",
)

ai_objectives = Resource(
    model=AIObjective,
    url_prefix="ai-objectives",
    form_class=forms.AIObjectiveForm,
    filter_form_class=forms.AIObjectiveFilterForm,
    columns=[
        Column("Objective", "objective", link=True),
        Column("Target", "target"),
        Column("Owner", "owner"),
        Column("Due date", "due_date"),
        Column("Status", "status", badge=True),
    ],
    queryset=selectors.ai_objectives,
    filter_queryset=selectors.filter_ai_objectives,
    create=services.ai_objective_create,
    update=services.ai_objective_update,
    delete=services.ai_objective_delete,
    instance_kwarg="ai_objective",
    detail_fields=[
        "objective",
        "metric",
        "target_value",
        "unit",
        "owner",
        "due_date",
        "status",
        "ai_systems",
        "monitoring",
    ],
    title_plural="AI objectives",
)

competence_records = Resource(
    model=CompetenceRecord,
    url_prefix="competence-records",
    form_class=forms.CompetenceRecordForm,
    filter_form_class=forms.CompetenceRecordFilterForm,
    columns=[
        Column("Competence", "competence", link=True),
        Column("Member", "member"),
        Column("Completed on", "completed_on"),
        Column("Valid until", "valid_until"),
        Column("Expired", "expired"),
    ],
    queryset=selectors.competence_records,
    filter_queryset=selectors.filter_competence_records,
    create=services.competence_record_create,
    update=services.competence_record_update,
    delete=services.competence_record_delete,
    instance_kwarg="competence_record",
    detail_fields=["member", "competence", "completed_on", "valid_until", "evidence_reference", "notes"],
)

RESOURCES = [
    scope_statements,
    context_issues,
    interested_parties,
    documents,
    document_versions,
    aims_roles,
    ai_objectives,
    competence_records,
]


class GovernanceIndexView(ActorRequiredMixin, View):
    """Every governance record type with its count and what needs attention, and the clause rules' answers."""

    def get(self, request):
        request.actor.require(Permission.VIEW)
        organization = request.actor.organization
        rows = selectors.governance_summary(organization)
        for row in rows:
            row["url"] = reverse(row["url_name"])
        readiness = []
        for clause, rule in RULES.items():
            derived = rule(organization)
            readiness.append({"clause": clause, "derived": derived, "url": reverse(derived.url_name)})
        return render(request, "governance/index.html", {"rows": rows, "readiness": readiness})


class ScopeStatementApproveView(ActorRequiredMixin, View):
    """POST: approve a draft scope statement (needs the approve right)."""

    resource = scope_statements

    def post(self, request, pk):
        scope = self.get_object(pk)
        try:
            services.scope_statement_approve(actor=request.actor, scope_statement=scope)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{scope}” approved; it is the scope in force.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


class DocumentVersionTransitionView(ActorRequiredMixin, View):
    """POST: submit a version for review, return it to draft, or approve it (needs the approve right)."""

    resource = document_versions

    def post(self, request, pk):
        version = self.get_object(pk)
        form = forms.VersionTransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a status.")
        else:
            try:
                services.document_version_transition(
                    actor=request.actor,
                    document_version=version,
                    to_status=form.cleaned_data["to_status"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                version.refresh_from_db()
                messages.success(request, f"“{version}” is now {version.get_status_display().lower()}.")
        return HttpResponseRedirect(self.resource.url("detail", pk))
