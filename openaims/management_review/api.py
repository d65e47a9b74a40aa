"""The management review API (9.3)."""

from ninja import Router

router = Router(tags=["Management reviews"])
