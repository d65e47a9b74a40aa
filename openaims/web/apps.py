from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "openaims.web"
    label = "web"
    verbose_name = "Web UI"
