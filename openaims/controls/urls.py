"""URLs of the app's web pages (included at the site root by openaims.web.urls)."""

urlpatterns: list = []
