"""The organization's whole trail, for auditors and admins, and its verification."""

from ninja import Query, Router, Schema

from openaims.accounts.choices import Permission
from openaims.base.api import paginate
from openaims.base.models import TrailAction, TrailEvent
from openaims.base.schemas import READ_ERRORS, DateTime, ShortText, TrailEventOut, page_schema
from openaims.base.trail import verify_organization

router = Router(tags=["Trail"])


class TrailFilters(Schema):
    object_type: ShortText | None = None
    object_id: ShortText | None = None
    action: TrailAction | None = None
    actor: ShortText | None = None
    request_id: ShortText | None = None
    since: DateTime | None = None
    until: DateTime | None = None


def trail_events(actor, filters) -> TrailEvent:
    """The organization's trail, newest first, filtered. Needs the trail right (auditors, admins, owners)."""
    actor.require(Permission.TRAIL)
    qs = TrailEvent.objects.filter(organization=actor.organization).order_by("-sequence")
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if get("object_type"):
        qs = qs.filter(object_type=get("object_type"))
    if get("object_id"):
        qs = qs.filter(object_id=get("object_id"))
    if get("action"):
        qs = qs.filter(action=get("action"))
    if get("actor"):
        qs = qs.filter(actor_label__icontains=get("actor"))
    if get("request_id"):
        qs = qs.filter(request_id=get("request_id"))
    if get("since"):
        qs = qs.filter(timestamp__gte=get("since"))
    if get("until"):
        qs = qs.filter(timestamp__lte=get("until"))
    return qs


class VerifyOut(Schema):
    ok: bool
    events: int
    broken_sequence: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None


@router.get("/trail", response={200: page_schema(TrailEventOut), **READ_ERRORS}, summary="The organization's trail")
def list_trail(request, filters: Query[TrailFilters], limit: int = 50, offset: int = 0):
    return paginate(trail_events(request.auth, filters), limit, offset)


@router.get("/trail/verify", response={200: VerifyOut, **READ_ERRORS}, summary="Recompute the hash chain")
def verify_trail(request):
    request.auth.require(Permission.TRAIL)
    count, broken = verify_organization(request.auth.organization)
    if broken is None:
        return {"ok": True, "events": count}
    return {
        "ok": False,
        "events": count,
        "broken_sequence": broken.sequence,
        "broken_event_id": broken.event_id,
        "reason": broken.reason,
    }
