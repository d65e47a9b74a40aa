from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "openaims.risk"
    label = "risk"
    verbose_name = "Risks"
    nav_items: list[tuple[str, str]] = []
