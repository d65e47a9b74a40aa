from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "openaims.oversight.reviews"
    label = "reviews"
    verbose_name = "Human review"
    nav_items: list[tuple[str, str]] = []
