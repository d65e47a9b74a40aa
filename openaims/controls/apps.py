from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "openaims.controls"
    label = "controls"
    verbose_name = "Controls, Statement of Applicability and readiness"
    nav_items = [("Readiness", "readiness"), ("SoA", "soa")]
