"""The incidents API."""

from ninja import Router

router = Router(tags=["Incidents"])
