from django.urls import path

from openaims.inventory import views

urlpatterns = [
    *views.ai_systems.urls(),
    path("systems/<uuid:pk>/transition/", views.TransitionView.as_view(), name="systems-transition"),
    path("systems/<uuid:pk>/classification/", views.ClassificationView.as_view(), name="systems-classification"),
    path(
        "systems/<uuid:pk>/classification/questionnaire/",
        views.QuestionnaireView.as_view(),
        name="systems-classification-questionnaire",
    ),
    *views.model_versions.urls(),
    *views.datasets.urls(),
    *views.suppliers.urls(),
]
