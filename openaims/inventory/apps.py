from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "openaims.inventory"
    label = "inventory"
    verbose_name = "AI system inventory"

    def ready(self) -> None:
        from openaims.inventory.changes import on_significant_change
        from openaims.inventory.classification import mark_stale_on_purpose_change

        on_significant_change(mark_stale_on_purpose_change)
