"""The incidents API: incidents, timeline entries and notification duties (members), concerns (triage role only).

The public concern form is HTML only (``/trust/<organization>/concerns/new/``); nothing here accepts a concern.
"""

import uuid

from ninja import Query, Router, Status

from openaims.base.api import paginate, register_crud
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, TrailEventOut, page_schema
from openaims.base.selectors import get_scoped, scoped
from openaims.base.trail import history_for
from openaims.oversight.incidents import schemas as s
from openaims.oversight.incidents import selectors, services
from openaims.oversight.incidents.models import Concern, Incident, IncidentTimelineEntry, NotificationDuty

router = Router(tags=["Incidents and concerns"])


def _incident(actor, id) -> Incident:
    return get_scoped(Incident, actor, id, queryset=selectors.api_incidents(scoped(Incident, actor)))


register_crud(
    router,
    path="incidents",
    model=Incident,
    out=s.IncidentOut,
    create_in=s.IncidentIn,
    patch_in=s.IncidentPatch,
    filters=s.IncidentFilters,
    filter_queryset=selectors.filter_incidents,
    create=services.incident_create,
    update=services.incident_update,
    delete=services.incident_delete,
    instance_kwarg="incident",
    queryset=selectors.api_incidents,
)


@router.post(
    "/incidents/{id}/nonconformities",
    response={201: s.IncidentOut, **WRITE_ERRORS},
    summary="Open a nonconformity (source: incident) for the corrective action, linked to the incident",
    operation_id="open_nonconformity_incidents",
)
def open_nonconformity(request, id: uuid.UUID, payload: s.OpenNonconformityIn):
    incident = _incident(request.auth, id)
    services.incident_open_nonconformity(actor=request.auth, incident=incident, title=payload.title)
    return Status(201, _incident(request.auth, id))


@router.post(
    "/incidents/{id}/duties/recompute",
    response={200: list[s.NotificationDutyOut], **WRITE_ERRORS},
    summary="Recompute the unsent notification duties from the incident and its AI system's latest classification",
    operation_id="recompute_duties_incidents",
)
def recompute_duties(request, id: uuid.UUID):
    return services.incident_sync_duties(actor=request.auth, incident=_incident(request.auth, id))


# --- Timeline entries (append-only: list, read, add) -------------------------------------------------------------


@router.get(
    "/incident-timeline-entries",
    response={200: page_schema(s.TimelineEntryOut), **READ_ERRORS},
    summary="List incident timeline entries, oldest first",
    operation_id="list_incident_timeline_entries",
)
def list_timeline(request, filters: Query[s.TimelineEntryFilters], limit: int = 50, offset: int = 0):
    qs = selectors.timeline_entries(request.auth)
    if filters.incident_id:
        qs = qs.filter(incident_id=filters.incident_id)
    return paginate(qs, limit, offset)


@router.post(
    "/incident-timeline-entries",
    response={201: s.TimelineEntryOut, **WRITE_ERRORS},
    summary="Add an entry to an incident's timeline (entries are never changed or deleted)",
    operation_id="create_incident_timeline_entries",
)
def create_timeline_entry(request, payload: s.TimelineEntryIn):
    entry = services.incident_timeline_entry_create(
        actor=request.auth, incident=payload.incident_id, what=payload.what, at=payload.at
    )
    return Status(201, entry)


@router.get(
    "/incident-timeline-entries/{id}",
    response={200: s.TimelineEntryOut, **READ_ERRORS},
    summary="Read an incident timeline entry",
    operation_id="read_incident_timeline_entries",
)
def read_timeline_entry(request, id: uuid.UUID):
    return get_scoped(IncidentTimelineEntry, request.auth, id)


# --- Notification duties ------------------------------------------------------------------------------------------

register_crud(
    router,
    path="notification-duties",
    model=NotificationDuty,
    out=s.NotificationDutyOut,
    create_in=s.NotificationDutyIn,
    patch_in=s.NotificationDutyPatch,
    filters=s.NotificationDutyFilters,
    filter_queryset=selectors.filter_notification_duties,
    create=services.notification_duty_create,
    update=services.notification_duty_update,
    delete=services.notification_duty_delete,
    instance_kwarg="notification_duty",
    queryset=lambda qs: qs.select_related("incident").prefetch_related("evidence"),
)


@router.post(
    "/notification-duties/{id}/sent",
    response={200: s.NotificationDutyOut, **WRITE_ERRORS},
    summary="Record that a notification was sent: when, the reference, evidence",
    operation_id="mark_sent_notification_duties",
)
def mark_sent(request, id: uuid.UUID, payload: s.MarkSentIn):
    duty = get_scoped(NotificationDuty, request.auth, id)
    services.notification_duty_mark_sent(
        actor=request.auth,
        notification_duty=duty,
        sent_at=payload.sent_at,
        reference=payload.reference,
        evidence=payload.evidence,
    )
    return get_scoped(NotificationDuty, request.auth, id)


# --- Concerns (the organization's triage role, owners and admins) ---------------------------------------------------


def _concern(actor, id) -> Concern:
    return get_scoped(Concern, actor, id, queryset=selectors.api_concerns(selectors.concerns(actor)))


@router.get(
    "/concerns",
    response={200: page_schema(s.ConcernOut), **READ_ERRORS},
    summary="List concerns reported through the public form (triage role)",
    operation_id="list_concerns",
)
def list_concerns(request, filters: Query[s.ConcernFilters], limit: int = 50, offset: int = 0):
    qs = selectors.filter_concerns(selectors.api_concerns(selectors.concerns(request.auth)), filters)
    return paginate(qs, limit, offset)


@router.get(
    "/concerns/{id}",
    response={200: s.ConcernOut, **READ_ERRORS},
    summary="Read a concern (triage role)",
    operation_id="read_concerns",
)
def read_concern(request, id: uuid.UUID):
    return _concern(request.auth, id)


@router.patch(
    "/concerns/{id}",
    response={200: s.ConcernOut, **WRITE_ERRORS},
    summary="Triage a concern: status, internal note, linked incident or nonconformity (triage role)",
    operation_id="update_concerns",
)
def triage_concern(request, id: uuid.UUID, payload: s.ConcernPatch):
    concern = _concern(request.auth, id)
    services.concern_triage(actor=request.auth, concern=concern, **payload.model_dump(exclude_unset=True))
    return _concern(request.auth, id)


@router.post(
    "/concerns/{id}/replies",
    response={201: s.ConcernOut, **WRITE_ERRORS},
    summary="Reply to the reporter; shown on the follow-up page (triage role)",
    operation_id="reply_concerns",
)
def reply_concern(request, id: uuid.UUID, payload: s.ConcernReplyIn):
    services.concern_reply_create(actor=request.auth, concern=_concern(request.auth, id), text=payload.text)
    return Status(201, _concern(request.auth, id))


@router.get(
    "/concerns/{id}/history",
    response={200: list[TrailEventOut], **READ_ERRORS},
    summary="Trail events of a concern, newest first (triage role)",
    operation_id="history_concerns",
)
def concern_history(request, id: uuid.UUID):
    return list(history_for(_concern(request.auth, id))[:500])


@router.get(
    "/concern-settings",
    response={200: s.ConcernSettingsOut, **READ_ERRORS},
    summary="Which role triages concerns",
    operation_id="read_concern_settings",
)
def read_concern_settings(request):
    scoped(Concern, request.auth)  # any member may read who triages
    return {"triage_role": services.triage_role_of(request.auth.organization)}


@router.put(
    "/concern-settings",
    response={200: s.ConcernSettingsOut, **WRITE_ERRORS},
    summary="Choose the role that triages concerns (members who manage members)",
    operation_id="update_concern_settings",
)
def update_concern_settings(request, payload: s.ConcernSettingsIn):
    settings = services.concern_settings_update(actor=request.auth, triage_role=payload.triage_role)
    return {"triage_role": settings.triage_role}
