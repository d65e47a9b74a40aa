from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "openaims.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
    nav_items = [("Monitoring", "monitoring-index")]
