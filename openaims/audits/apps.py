from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "openaims.audits"
    label = "audits"
    verbose_name = "Audits and improvement"
    nav_items = [("Nonconformities", "nonconformities-list")]
