from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "openaims.oversight.reviews"
    label = "reviews"
    verbose_name = "Human review"
    nav_items: list[tuple[str, str]] = [("Review queue", "reviews-queue")]

    def ready(self) -> None:
        # The worker finds the webhook task only if its module is imported.
        from openaims.oversight.reviews import tasks  # noqa: F401
