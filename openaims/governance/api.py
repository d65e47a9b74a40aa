"""The app's API router (mounted at /api/v1/ by openaims.web.api)."""

from ninja import Router

router = Router(tags=["Governance"])
