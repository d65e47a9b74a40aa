from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "openaims.oversight.transparency"
    label = "transparency"
    verbose_name = "Transparency"
    nav_items: list[tuple[str, str]] = [("Transparency", "transparency-index")]
