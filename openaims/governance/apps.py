from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "openaims.governance"
    label = "governance"
