"""URLs of the reviews pages (included at the site root by openaims.web.urls)."""

urlpatterns: list = []
