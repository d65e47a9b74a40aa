"""The transparency API."""

from ninja import Router

router = Router(tags=["Transparency"])
