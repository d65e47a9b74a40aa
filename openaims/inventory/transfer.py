"""Import and export of AI systems as YAML or CSV (all-or-nothing imports, errors with line numbers)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import ValidationError as SchemaError

from openaims.accounts.models import User
from openaims.base.context import Actor
from openaims.base.errors import PermissionDenied, field_errors
from openaims.base.transfer import ImportFailed, RowError, dump_rows
from openaims.base.transfer import read_rows as read_table
from openaims.inventory import services
from openaims.inventory.models import AISystem, Dataset, Supplier
from openaims.inventory.schemas import AISystemIn

#: Columns of an export, in order; lists are joined with "; " in CSV.
COLUMNS = [
    "name",
    "purpose",
    "intended_use",
    "description",
    "owner",
    "business_unit",
    "lifecycle_stage",
    "ai_roles",
    "in_scope",
    "scope_reason",
    "deployment_context",
    "affected_stakeholders",
    "human_oversight",
    "automation_level",
    "uses_personal_data",
    "personal_data_categories",
    "tags",
    "datasets",
    "suppliers",
]
LIST_COLUMNS = {"ai_roles", "tags", "datasets", "suppliers"}
BOOL_COLUMNS = {"in_scope", "uses_personal_data"}


def export_rows(queryset) -> list[dict]:
    """AI systems as plain rows: owner by username, datasets and suppliers by name."""
    rows = []
    for system in queryset.select_related("owner").prefetch_related("datasets", "suppliers"):
        row = {name: getattr(system, name) for name in COLUMNS if name not in {"owner", "datasets", "suppliers"}}
        row["owner"] = system.owner.username if system.owner else ""
        row["datasets"] = sorted(d.name for d in system.datasets.all())
        row["suppliers"] = sorted(s.name for s in system.suppliers.all())
        rows.append({name: row[name] for name in COLUMNS})
    return rows


def dump(rows: list[dict], fmt: str) -> str:
    return dump_rows(rows, fmt, root="ai_systems", columns=COLUMNS)


def _parse_bool(value, column: str):
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in {"", "none"}:
        return None
    if text in {"yes", "true", "1", "y"}:
        return True
    if text in {"no", "false", "0", "n"}:
        return False
    raise ValueError(f"{column}: {value!r} is not yes/no")


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """``[(line, row)]`` from a YAML (``ai_systems:`` list or a bare list) or CSV file."""
    return read_table(path, root="ai_systems", noun="AI systems", columns=COLUMNS, list_columns=LIST_COLUMNS)


def _resolve(actor: Actor, row: dict) -> dict:
    """Check a row against the API schema and turn names into records."""
    if not isinstance(row, dict):
        raise ValueError("expected a mapping of column to value")
    unknown = [k for k in row if k not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(map(str, unknown))}")
    row = dict(row)
    for column in BOOL_COLUMNS & row.keys():
        value = _parse_bool(row[column], column)
        if value is None:
            del row[column]
        else:
            row[column] = value
    owner = row.pop("owner", None)
    datasets = row.pop("datasets", None) or []
    suppliers = row.pop("suppliers", None) or []
    try:
        parsed = AISystemIn.model_validate(row).model_dump(exclude={"datasets", "suppliers", "owner_id"})
    except SchemaError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    if owner:
        user = User.objects.filter(username=owner, memberships__organization=actor.organization).first()
        if user is None:
            raise ValueError(f"owner: no member {owner!r}")
        parsed["owner"] = user
    parsed["datasets"] = _by_name(actor, Dataset, datasets, "datasets")
    parsed["suppliers"] = _by_name(actor, Supplier, suppliers, "suppliers")
    return parsed


def _by_name(actor: Actor, model, names, column: str) -> list:
    if isinstance(names, str):
        names = [names]
    found = {o.name: o for o in model.objects.filter(organization=actor.organization, name__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(f"{column}: no {model._meta.verbose_name} named {', '.join(map(repr, missing))}")
    return [found[n] for n in names]


def import_systems(*, actor: Actor, rows: list[tuple[int, dict]], update: bool = False) -> dict:
    """Create (or, with ``update``, change) AI systems from rows, all or nothing.

    Every row is checked; if any fails, nothing is written and :class:`ImportFailed` lists each bad row.
    """
    errors: list[RowError] = []
    created = updated = 0
    seen: dict[str, int] = {}
    with transaction.atomic():
        for line, row in rows:
            try:
                fields = _resolve(actor, row)
                if fields["name"] in seen:
                    raise ValueError(f"name: {fields['name']!r} also on line {seen[fields['name']]}")
                seen[fields["name"]] = line
                existing = AISystem.objects.filter(organization=actor.organization, name=fields["name"]).first()
                with transaction.atomic():
                    if existing is None:
                        services.ai_system_create(actor=actor, **fields)
                        created += 1
                    elif not update:
                        raise ValueError(f"name: an AI system {fields['name']!r} exists (use --update to change it)")
                    else:
                        stage = fields.pop("lifecycle_stage")
                        services.ai_system_update(actor=actor, ai_system=existing, **fields)
                        if stage != existing.lifecycle_stage:
                            services.ai_system_transition(
                                actor=actor,
                                ai_system=existing,
                                to_stage=stage,
                                reason="Set by import of the inventory.",
                            )
                        updated += 1
            except ValidationError as exc:
                errors.append(RowError(line, "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))))
            except (ValueError, TypeError) as exc:
                errors.append(RowError(line, str(exc)))
            except PermissionDenied:
                raise
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return {"created": created, "updated": updated}
