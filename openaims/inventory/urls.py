from django.urls import path

from openaims.inventory import views

urlpatterns = [
    *views.ai_systems.urls(),
    path("systems/<uuid:pk>/transition/", views.TransitionView.as_view(), name="systems-transition"),
    *views.model_versions.urls(),
    *views.datasets.urls(),
    *views.suppliers.urls(),
]
