"""URLs of the governance pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.governance import views

urlpatterns = [
    path("governance/", views.GovernanceIndexView.as_view(), name="governance-index"),
    path(
        "scope-statements/<uuid:pk>/approve/",
        views.ScopeStatementApproveView.as_view(),
        name="scope-statements-approve",
    ),
    path(
        "document-versions/<uuid:pk>/transition/",
        views.DocumentVersionTransitionView.as_view(),
        name="document-versions-transition",
    ),
    *(url for resource in views.RESOURCES for url in resource.urls()),
]
