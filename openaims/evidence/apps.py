from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "openaims.evidence"
    label = "evidence"
