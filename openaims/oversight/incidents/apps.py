from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "openaims.oversight.incidents"
    label = "incidents"
    verbose_name = "Incidents and concerns"
    nav_items = [("Incidents", "incidents-list"), ("Concerns", "concerns-list")]
