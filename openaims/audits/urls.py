"""URLs of the nonconformity, internal audit and improvement pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.audits import internal_views, views

urlpatterns = [
    path("nonconformities/<uuid:pk>/close/", views.NonconformityCloseView.as_view(), name="nonconformities-close"),
    *views.urls(),
    *internal_views.urls(),
]
