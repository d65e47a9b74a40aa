"""EU AI Act classification of AI systems: every write, and the rule that a new purpose makes it stale.

The rules live in the framework-free :mod:`openaims.classify`; this module stores their result on the AI system,
in one transaction with its trail event.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.services import create_record, update_record
from openaims.classify import AnswerError, classify, questionnaire
from openaims.classify import Classification as Result
from openaims.inventory.changes import ChangeKind, SignificantChange
from openaims.inventory.models import AISystem, Classification
from openaims.inventory.selectors import current_classification

__all__ = ["ai_system_classify", "classification_mark_stale", "classify_answers", "mark_stale_on_purpose_change"]


def classify_answers(answers) -> Result:
    """Run the rules; wrong answers become a ValidationError naming each question."""
    try:
        return classify(answers)
    except AnswerError as exc:
        errors: dict[str, list[str]] = {}
        for question, message in exc.errors:
            errors.setdefault(question, []).append(message)
        raise ValidationError(errors) from exc


_classified_listeners: list = []


def on_classified(listener):
    """Register ``listener(actor=..., classification=...)``, told of every new classification inside its transaction
    (incidents recompute their notification duties from the new tier). Registering twice is a no-op."""
    if listener not in _classified_listeners:
        _classified_listeners.append(listener)
    return listener


def ai_system_classify(*, actor: Actor, ai_system: AISystem, answers: dict) -> Classification:
    """Classify ``ai_system`` from ``answers`` and store the result as its current classification."""
    result = classify_answers(answers)
    stored_answers = questionnaire().validate(answers)
    with transaction.atomic():
        classification = create_record(
            Classification,
            actor=actor,
            label=f"{ai_system.name}: {result.tier_label}",
            ai_system=ai_system,
            answers=stored_answers,
            result=result.to_dict(),
            tier=result.tier.value,
            basis=result.citation[:500],
            questionnaire_version=result.questionnaire_version,
            classified_on=timezone.now(),
            classified_by=actor.user,
            classified_by_label=actor.label[:300],
        )
        for listener in list(_classified_listeners):
            listener(actor=actor, classification=classification)
        return classification


def classification_mark_stale(*, actor: Actor, classification: Classification, reason: str) -> Classification:
    """Mark a classification as no longer current, with the reason (recorded in the trail)."""
    if classification.stale:
        return classification
    return update_record(classification, actor=actor, stale=True, stale_reason=reason)


def mark_stale_on_purpose_change(*, actor: Actor, change: SignificantChange) -> None:
    """Listener of :func:`~openaims.inventory.changes.on_significant_change`: a new purpose means classify again."""
    if change.kind != ChangeKind.PURPOSE:
        return
    current = current_classification(change.ai_system)
    if current is None or current.stale:
        return
    when = timezone.localdate().isoformat()
    reason = f"{change.detail[:1].upper()}{change.detail[1:]} on {when}: answer the questionnaire again."
    classification_mark_stale(actor=actor, classification=current, reason=reason)
