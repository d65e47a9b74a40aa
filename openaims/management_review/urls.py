"""URLs of the management review pages (included at the site root by openaims.web.urls)."""

from openaims.management_review import views

urlpatterns = views.urls()
