from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "openaims.audits"
    label = "audits"
    verbose_name = "Audits and improvement"
    nav_items = [
        ("Internal audits", "internal-audits-calendar"),
        ("Nonconformities", "nonconformities-list"),
        ("Improvements", "improvements-list"),
    ]
