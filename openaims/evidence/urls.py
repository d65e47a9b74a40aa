"""URLs of the evidence pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.evidence import views

_REPLACED = {"evidence-create", "evidence-edit"}  # by the views that handle uploads and kinds

urlpatterns = [
    path("evidence/new/", views.EvidenceCreateView.as_view(), name="evidence-create"),
    path("evidence/<uuid:pk>/edit/", views.EvidenceEditView.as_view(), name="evidence-edit"),
    path("evidence/<uuid:pk>/download/", views.EvidenceDownloadView.as_view(), name="evidence-download"),
    *[p for p in views.evidence.urls() if p.name not in _REPLACED],
]
