from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "openaims.evidence"
    label = "evidence"
    verbose_name = "Evidence"
    nav_items = [("Evidence", "evidence-list")]
