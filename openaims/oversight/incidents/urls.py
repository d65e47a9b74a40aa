"""URLs of the incidents pages (included at the site root by openaims.web.urls), and the public concern form."""

from django.urls import path

from openaims.oversight.incidents import views

urlpatterns = [
    path("incidents/<uuid:pk>/timeline/", views.TimelineAddView.as_view(), name="incidents-timeline-add"),
    path(
        "incidents/<uuid:pk>/nonconformity/",
        views.OpenNonconformityView.as_view(),
        name="incidents-open-nonconformity",
    ),
    path("incidents/<uuid:pk>/duties/recompute/", views.RecomputeDutiesView.as_view(), name="incidents-recompute"),
    path("notification-duties/<uuid:pk>/sent/", views.MarkSentView.as_view(), name="notification-duties-sent"),
    path("concerns/<uuid:pk>/reply/", views.ConcernReplyView.as_view(), name="concerns-reply"),
    path("trust/<slug:organization_slug>/concerns/new/", views.ConcernReportView.as_view(), name="concern-report"),
    path(
        "trust/<slug:organization_slug>/concerns/follow-up/",
        views.ConcernFollowUpView.as_view(),
        name="concern-follow-up",
    ),
    *views.urls(),
]
