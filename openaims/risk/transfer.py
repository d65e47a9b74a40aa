"""Import and export of the risk register as YAML or CSV (all-or-nothing imports, errors with line numbers).

AI systems are named by name, controls by control id (e.g. A.6.2.4), owners by username. Accepted risks are
exported as they are, but not imported as accepted: acceptance is a decision of the risk owner in this
organization, recorded with the accept action.
"""

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
from openaims.controls.models import SoAEntry
from openaims.inventory.models import AISystem
from openaims.risk import services
from openaims.risk.choices import RiskStatus
from openaims.risk.models import Risk
from openaims.risk.schemas import RiskIn

__all__ = ["COLUMNS", "ImportFailed", "RowError", "dump", "export_rows", "import_risks", "read_rows"]

#: Columns of an export, in order; lists are joined with "; " in CSV. The last four are read-only.
COLUMNS = [
    "title",
    "description",
    "ai_systems",
    "risk_source",
    "affected_objectives",
    "consequences",
    "likelihood",
    "consequence",
    "owner",
    "treatment_option",
    "treatment_plan",
    "controls",
    "residual_likelihood",
    "residual_consequence",
    "review_date",
    "status",
    "inherent_level",
    "residual_level",
    "accepted_by",
    "acceptance_rationale",
]
READ_ONLY = {"inherent_level", "residual_level", "accepted_by", "acceptance_rationale"}
LIST_COLUMNS = {"ai_systems", "affected_objectives", "controls"}
ROOT = "risks"


def export_rows(queryset) -> list[dict]:
    """Risks as plain rows: AI systems by name, controls by control id, people by username."""
    rows = []
    for risk in queryset.select_related("owner", "accepted_by").prefetch_related("ai_systems", "controls"):
        rows.append(
            {
                "title": risk.title,
                "description": risk.description,
                "ai_systems": sorted(s.name for s in risk.ai_systems.all()),
                "risk_source": risk.risk_source,
                "affected_objectives": list(risk.affected_objectives),
                "consequences": risk.consequences,
                "likelihood": risk.likelihood,
                "consequence": risk.consequence,
                "owner": risk.owner.username if risk.owner else "",
                "treatment_option": risk.treatment_option,
                "treatment_plan": risk.treatment_plan,
                "controls": sorted(c.control_id for c in risk.controls.all()),
                "residual_likelihood": risk.residual_likelihood,
                "residual_consequence": risk.residual_consequence,
                "review_date": risk.review_date.isoformat() if risk.review_date else "",
                "status": risk.status,
                "inherent_level": risk.inherent_level,
                "residual_level": risk.residual_level,
                "accepted_by": risk.accepted_by.username if risk.accepted_by else "",
                "acceptance_rationale": risk.acceptance_rationale,
            }
        )
    return rows


def dump(rows: list[dict], fmt: str) -> str:
    return dump_rows(rows, fmt, root=ROOT, columns=COLUMNS)


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """``[(line, row)]`` from a YAML (``risks:`` list or a bare list) or CSV file."""
    return read_table(path, root=ROOT, noun="risks", columns=COLUMNS, list_columns=LIST_COLUMNS)


def _by(actor: Actor, model, field: str, values, column: str) -> list:
    if isinstance(values, str):
        values = [values]
    values = [str(v) for v in values or []]
    found = {
        getattr(o, field): o for o in model.objects.filter(organization=actor.organization, **{f"{field}__in": values})
    }
    missing = [v for v in values if v not in found]
    if missing:
        raise ValueError(f"{column}: no {model._meta.verbose_name} {', '.join(map(repr, missing))}")
    return [found[v] for v in values]


def resolve_row(actor: Actor, row: dict) -> dict:
    """Check a row against the API schema and turn names into records (``ValueError`` names the column)."""
    if not isinstance(row, dict):
        raise ValueError("expected a mapping of column to value")
    unknown = [k for k in row if k not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(map(str, unknown))}")
    row = {k: v for k, v in row.items() if k not in READ_ONLY and v not in (None, "")}
    if row.get("status") == RiskStatus.ACCEPTED:
        raise ValueError("status: accepted risks are not imported as accepted; import them as 'assessed' and accept")
    owner = row.pop("owner", None)
    systems = row.pop("ai_systems", None) or []
    controls = row.pop("controls", None) or []
    if isinstance(row.get("affected_objectives"), str):
        row["affected_objectives"] = [p.strip() for p in row["affected_objectives"].split(";") if p.strip()]
    try:
        parsed = RiskIn.model_validate(row).model_dump(exclude={"ai_systems", "controls", "owner_id"})
    except SchemaError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
    if owner:
        user = User.objects.filter(username=owner, memberships__organization=actor.organization).first()
        if user is None:
            raise ValueError(f"owner: no member {owner!r}")
        parsed["owner"] = user
    parsed["ai_systems"] = _by(actor, AISystem, "name", systems, "ai_systems")
    parsed["controls"] = _by(actor, SoAEntry, "control_id", controls, "controls")
    return parsed


def import_risks(*, actor: Actor, rows: list[tuple[int, dict]]) -> dict:
    """Add risks from rows, all or nothing: if any row fails, nothing is written and every bad row is reported.

    A row whose title is already in the register (or earlier in the file) is refused, so importing twice does not
    duplicate the register.
    """
    errors: list[RowError] = []
    created = 0
    seen: dict[str, int] = {}
    with transaction.atomic():
        for line, row in rows:
            try:
                fields = resolve_row(actor, row)
                title = fields["title"]
                if title in seen:
                    raise ValueError(f"title: {title!r} also on line {seen[title]}")
                seen[title] = line
                if Risk.objects.filter(organization=actor.organization, title=title).exists():
                    raise ValueError(f"title: a risk {title!r} is already in the register")
                with transaction.atomic():
                    services.risk_create(actor=actor, **fields)
                created += 1
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
    return {"created": created}
