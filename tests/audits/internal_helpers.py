"""Records the internal audit tests build on, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from openaims.audits import internal_services as services

_numbers = itertools.count(1)


def make_programme(actor, **overrides):
    fields = {
        "name": f"AIMS audit programme {next(_numbers)}",
        "objectives": "Check that the AIMS conforms and works.",
        "frequency": "annual",
        "methods": "Interviews and record sampling.",
        "responsibilities": "The quality lead plans; trained members audit.",
        **overrides,
    }
    return services.audit_programme_create(actor=actor, **fields)


def make_audit(actor, programme=None, **overrides):
    fields = {
        "title": f"Internal audit {next(_numbers)}",
        "programme": programme or make_programme(actor),
        "clause_ids": ["9.2"],
        "planned_start": dt.date(2030, 3, 2),
        "planned_end": dt.date(2030, 3, 6),
        **overrides,
    }
    return services.internal_audit_create(actor=actor, **fields)


def make_improvement(actor, **overrides):
    fields = {"title": f"Improvement {next(_numbers)}", "description": "Automate the review.", **overrides}
    return services.improvement_create(actor=actor, **fields)
