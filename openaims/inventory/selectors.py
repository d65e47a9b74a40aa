"""Reads of the inventory, shared by UI, API and CLI."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from openaims.base.context import Actor
from openaims.base.prefetch import ids_only
from openaims.base.selectors import scoped
from openaims.inventory.models import AISystem, Classification, Dataset, ModelVersion, Supplier


def ai_systems(actor: Actor) -> QuerySet[AISystem]:
    """The organization's AI systems with what list pages show, in a fixed number of queries."""
    return (
        scoped(AISystem, actor)
        .select_related("owner")
        .prefetch_related("datasets", "suppliers")
        .annotate(model_version_count=Count("model_versions", distinct=True))
        .order_by("name", "id")
    )


def api_ai_systems(qs: QuerySet[AISystem]) -> QuerySet[AISystem]:
    """AI systems as the API answers them: datasets and suppliers by id only."""
    return qs.prefetch_related(*ids_only(AISystem, "datasets", "suppliers"))


def filter_ai_systems(qs: QuerySet[AISystem], filters) -> QuerySet[AISystem]:
    """Apply the filters that the list page, the API and the CLI share."""
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(
            Q(name__icontains=q) | Q(purpose__icontains=q) | Q(description__icontains=q) | Q(business_unit__icontains=q)
        )
    if stage := get("lifecycle_stage"):
        qs = qs.filter(lifecycle_stage=stage)
    if get("in_scope") is not None:
        qs = qs.filter(in_scope=get("in_scope"))
    if owner_id := get("owner_id"):
        qs = qs.filter(owner_id=owner_id)
    if tag := (get("tag") or "").strip().lower():
        # Tags are a JSON list of strings; a quoted match finds whole tags on SQLite and PostgreSQL alike.
        qs = qs.filter(tags__icontains=f'"{tag}"')
    if oversight := get("human_oversight"):
        qs = qs.filter(human_oversight=oversight)
    if role := get("ai_role"):
        qs = qs.filter(ai_roles__icontains=f'"{role}"')
    return qs


def model_versions(actor: Actor) -> QuerySet[ModelVersion]:
    return scoped(ModelVersion, actor).select_related("ai_system")


def filter_model_versions(qs: QuerySet[ModelVersion], filters) -> QuerySet[ModelVersion]:
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if ai_system_id := get("ai_system_id"):
        qs = qs.filter(ai_system_id=ai_system_id)
    if status := get("status"):
        qs = qs.filter(status=status)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(version__icontains=q) | Q(source__icontains=q) | Q(ai_system__name__icontains=q))
    return qs


def datasets(actor: Actor) -> QuerySet[Dataset]:
    return scoped(Dataset, actor)


def filter_datasets(qs: QuerySet[Dataset], filters) -> QuerySet[Dataset]:
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(source__icontains=q) | Q(provenance__icontains=q))
    if get("contains_personal_data") is not None:
        qs = qs.filter(contains_personal_data=get("contains_personal_data"))
    return qs


def suppliers(actor: Actor) -> QuerySet[Supplier]:
    return scoped(Supplier, actor)


def filter_suppliers(qs: QuerySet[Supplier], filters) -> QuerySet[Supplier]:
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(supplies__icontains=q) | Q(contract_reference__icontains=q))
    if status := get("assessment_status"):
        qs = qs.filter(assessment_status=status)
    return qs


def current_classification(ai_system: AISystem) -> Classification | None:
    """The newest EU AI Act classification of ``ai_system`` (check ``.stale``), or None if it was never classified.

    Other apps (readiness, impact assessments) read the tier from here: ``current_classification(s).tier``.
    """
    return (
        Classification.objects.filter(ai_system=ai_system, organization_id=ai_system.organization_id)
        .select_related("classified_by")
        .order_by("-classified_on", "-created_at")
        .first()
    )


def classifications(actor: Actor, ai_system: AISystem) -> QuerySet[Classification]:
    """Every classification of ``ai_system``, newest first."""
    return scoped(Classification, actor).filter(ai_system=ai_system).order_by("-classified_on", "-created_at")
