"""The reviews API."""

from ninja import Router

router = Router(tags=["Reviews"])
