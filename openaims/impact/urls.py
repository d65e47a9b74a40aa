"""URLs of the impact assessment pages (included at the site root by openaims.web.urls)."""

from django.urls import path, re_path

from openaims.impact import views

urlpatterns = [
    path("impact-assessments/<uuid:pk>/answers/", views.AnswersView.as_view(), name="impact-assessments-answers"),
    path(
        "impact-assessments/<uuid:pk>/export/", views.AssessmentExportView.as_view(), name="impact-assessments-export"
    ),
    re_path(
        r"^impact-assessments/(?P<pk>[0-9a-f-]{36})/(?P<action>submit|return|approve|revise)/$",
        views.AssessmentActionView.as_view(),
        name="impact-assessments-action",
    ),
    path("harms/<uuid:pk>/risk/", views.HarmToRiskView.as_view(), name="harms-risk"),
    *(url for resource in views.RESOURCES for url in resource.urls()),
]
