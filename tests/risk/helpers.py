"""Records the risk tests build on, made through the services."""

from __future__ import annotations

import itertools

from openaims.inventory.models import AISystem
from openaims.inventory.services import ai_system_create
from openaims.risk import services

_numbers = itertools.count(1)


def make_system(actor, name: str | None = None, **fields) -> AISystem:
    return ai_system_create(actor=actor, name=name or f"System {next(_numbers)}", purpose="Scores loans.", **fields)


def make_risk(actor, **overrides):
    fields = {
        "title": f"Risk {next(_numbers)}",
        "description": "Unfair refusals for some groups.",
        "likelihood": 3,
        "consequence": 3,
        "risk_source": "C.3.4",
        **overrides,
    }
    return services.risk_create(actor=actor, **fields)
