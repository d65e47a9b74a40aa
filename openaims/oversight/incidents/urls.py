"""URLs of the incidents pages (included at the site root by openaims.web.urls)."""

urlpatterns: list = []
