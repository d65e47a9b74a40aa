from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "openaims.governance"
    label = "governance"
    verbose_name = "Governance"
    nav_items = [("Governance", "governance-index")]
