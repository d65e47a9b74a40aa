"""URLs of the reviews pages (included at the site root by openaims.web.urls)."""

from django.urls import path

from openaims.oversight.reviews import views

urlpatterns = [
    path("reviews/", views.QueueView.as_view(), name="reviews-queue"),
    path("reviews/<uuid:pk>/", views.ReviewItemView.as_view(), name="reviews-detail"),
    path("reviews/<uuid:pk>/claim/", views.ClaimView.as_view(), name="reviews-claim"),
    path("systems/<uuid:pk>/oversight/", views.SystemOversightView.as_view(), name="systems-oversight"),
    *(url for resource in views.RESOURCES for url in resource.urls()),
]
