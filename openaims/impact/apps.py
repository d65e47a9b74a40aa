from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "openaims.impact"
    label = "impact"
    verbose_name = "Impact assessments"
    nav_items: list[tuple[str, str]] = []
