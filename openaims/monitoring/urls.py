"""URLs of the monitoring pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.monitoring import views

urlpatterns = [
    path("monitoring/", views.MonitoringIndexView.as_view(), name="monitoring-index"),
    path("systems/<uuid:pk>/monitoring/", views.SystemMonitoringView.as_view(), name="systems-monitoring"),
    path(
        "systems/<uuid:pk>/monitoring/report.pdf",
        views.SystemMonitoringReportView.as_view(),
        name="systems-monitoring-report",
    ),
    path("monitors/<uuid:pk>/run/", views.RunMonitorView.as_view(), name="monitors-run"),
    path("metric-runs/<uuid:pk>/", views.MetricRunDetailView.as_view(), name="metric-runs-detail"),
    path("alerts/<uuid:pk>/acknowledge/", views.AcknowledgeAlertView.as_view(), name="alerts-acknowledge"),
    *(url for resource in views.RESOURCES for url in resource.urls()),
]
