"""The external auditor's API: guest invitations and evidence requests."""

from ninja import Router

router = Router(tags=["External audit"])
