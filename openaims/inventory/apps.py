from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "openaims.inventory"
    label = "inventory"
    verbose_name = "AI system inventory"
