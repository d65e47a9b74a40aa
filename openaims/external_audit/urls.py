"""URLs of the external audit pages (included at the site root by openaims.web.urls)."""

from openaims.external_audit import views

urlpatterns = views.urls()
