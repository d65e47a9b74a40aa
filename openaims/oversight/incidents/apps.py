from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "openaims.oversight.incidents"
    label = "incidents"
    verbose_name = "Incidents and concerns"
    nav_items = [("Incidents", "incidents-list"), ("Concerns", "concerns-list")]

    def ready(self) -> None:
        from openaims.inventory.classification import on_classified
        from openaims.oversight.incidents.services import incidents_sync_on_classification

        on_classified(incidents_sync_on_classification)
