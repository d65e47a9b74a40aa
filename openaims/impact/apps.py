from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "openaims.impact"
    label = "impact"
    verbose_name = "Impact assessments"
    nav_items = [("Impact assessments", "impact-assessments-list")]

    def ready(self) -> None:
        from openaims.impact.services import mark_stale_for_change
        from openaims.inventory.changes import on_significant_change

        # A new purpose, a life cycle move or a newly deployed model version makes the assessments stale (8.4).
        on_significant_change(mark_stale_for_change)
