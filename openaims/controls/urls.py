"""URLs of the controls pages (included at the site root by openaims.web.urls)."""

from django.urls import path
from django.views.generic import RedirectView

from openaims.controls.views import coverage, readiness, soa

# The SoA page is the list of entries; the generic pages' "back to the list" name leads to it.
_entry_pages = [p for p in soa.soa_entries.urls() if p.name != "soa-entries-list"]

urlpatterns = [
    path("soa/", soa.SoAView.as_view(), name="soa"),
    path("soa-entries/", RedirectView.as_view(pattern_name="soa"), name="soa-entries-list"),
    *_entry_pages,
    path("soa-entries/<uuid:pk>/row/", soa.SoAEntryInlineView.as_view(), name="soa-entries-row"),
    path("soa/versions/", soa.SoAVersionListView.as_view(), name="soa-versions"),
    path("soa/versions/new/", soa.SoAIssueView.as_view(), name="soa-issue"),
    path("soa/versions/<uuid:pk>/", soa.SoAVersionDetailView.as_view(), name="soa-version-detail"),
    path("soa/export/", soa.SoAExportView.as_view(), name="soa-export"),
    path("coverage/", coverage.CoverageView.as_view(), name="coverage"),
    path("coverage/<str:framework_id>/", coverage.CoverageFrameworkView.as_view(), name="coverage-framework"),
    path("readiness/", readiness.ReadinessView.as_view(), name="readiness"),
    path("readiness/<str:requirement_id>/", readiness.RequirementView.as_view(), name="readiness-requirement"),
]
