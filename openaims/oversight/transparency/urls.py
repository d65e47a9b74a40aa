"""URLs of the transparency pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.oversight.transparency import public, views

urlpatterns = [
    path("transparency/", views.TransparencyIndexView.as_view(), name="transparency-index"),
    path("systems/<uuid:pk>/card/", views.SystemCardView.as_view(), name="system-card"),
    path("systems/<uuid:pk>/card/download/", views.CardDownloadView.as_view(), name="system-card-download"),
    path("systems/<uuid:pk>/card/settings/", views.CardSettingsView.as_view(), name="card-settings"),
    path("systems/<uuid:pk>/publication/", views.PublicationView.as_view(), name="publication-settings"),
    path("trust/<slug:organization_slug>/", public.trust_page, name="trust-page"),
    path("trust/<slug:organization_slug>/<uuid:system_id>/", public.trust_card, name="trust-card"),
    *[u for resource in views.RESOURCES for u in resource.urls()],
]
