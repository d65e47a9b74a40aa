"""Significant changes of an AI system: what makes its impact assessment and classification due again (6.1.4, 8.4).

Other apps subscribe with :func:`on_significant_change` (in their ``AppConfig.ready``); the inventory services call
:func:`notify` inside the transaction of the change, so what listeners write commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import TextChoices


class ChangeKind(TextChoices):
    PURPOSE = "purpose", "New purpose or intended use"
    LIFECYCLE = "lifecycle", "Life cycle stage changed"
    MODEL_DEPLOYED = "model_deployed", "New model version deployed"


@dataclass(frozen=True)
class SignificantChange:
    """One significant change of ``ai_system``; ``detail`` says what changed, for people."""

    ai_system: object
    kind: str
    detail: str


Listener = Callable[..., None]
_listeners: list[Listener] = []


def on_significant_change(listener: Listener) -> Listener:
    """Register ``listener(actor=..., change=...)``; usable as a decorator. Registering twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def notify(*, actor, change: SignificantChange) -> None:
    """Tell every listener; must run inside the transaction of the change."""
    for listener in list(_listeners):
        listener(actor=actor, change=change)
