from django.apps import AppConfig


class ExternalAuditConfig(AppConfig):
    name = "openaims.external_audit"
    label = "external_audit"
    verbose_name = "External audit"
    nav_items = [("Evidence requests", "evidence-requests-list"), ("Guest auditors", "guest-invitations-list")]
