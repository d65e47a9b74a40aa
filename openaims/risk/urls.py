"""URLs of the risk pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.risk import views

urlpatterns = [
    path("risks/overview/", views.RiskOverviewView.as_view(), name="risk-overview"),
    path("risks/criteria/", views.RiskCriteriaView.as_view(), name="risk-criteria"),
    path("risks/<uuid:pk>/accept/", views.RiskAcceptView.as_view(), name="risks-accept"),
    *(url for resource in views.RESOURCES for url in resource.urls()),
]
