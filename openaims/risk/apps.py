from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "openaims.risk"
    label = "risk"
    verbose_name = "Risks"
    nav_items = [("Risks", "risk-overview")]

    def ready(self) -> None:
        from openaims.inventory.changes import on_significant_change
        from openaims.risk.services import review_risks_on_significant_change

        on_significant_change(review_risks_on_significant_change)
