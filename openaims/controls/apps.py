from django.apps import AppConfig


class ControlsConfig(AppConfig):
    name = "openaims.controls"
    label = "controls"
