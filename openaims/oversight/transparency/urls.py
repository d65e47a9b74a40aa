"""URLs of the transparency pages (included at the site root by openaims.web.urls)."""

urlpatterns: list = []
