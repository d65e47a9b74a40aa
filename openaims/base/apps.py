from django.apps import AppConfig


class BaseConfig(AppConfig):
    name = "openaims.base"
    label = "base"
    verbose_name = "Base"
