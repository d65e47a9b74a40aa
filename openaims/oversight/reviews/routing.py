"""Which rule routes a decision to a human, and which items are blind: pure functions of the submission.

Samples hash the decision id (SHA-256), so the same decision always lands in or out of a sample: a retried
submission routes the same way, and anyone can recompute why a decision was (not) sampled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from openaims.oversight.reviews.choices import RuleKind


@dataclass(frozen=True)
class Submission:
    """The fields of a submitted decision that routing looks at."""

    decision_id: str
    ai_output: str
    confidence: float | None = None
    subject_groups: dict = field(default_factory=dict)


def sample_point(decision_id: str, salt: str) -> float:
    """A number in [0, 1) fixed by the decision id and the salt (the rule or the blind draw)."""
    digest = hashlib.sha256(f"{salt}\x1f{decision_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def rule_matches(rule, submission: Submission) -> bool:
    """Whether ``rule`` (a RoutingRule, or anything with its fields) routes ``submission``.

    A decision without a confidence matches a low-confidence rule: nothing shows it is confident.
    """
    kind = rule.kind
    if kind == RuleKind.ALL:
        return True
    if kind == RuleKind.LOW_CONFIDENCE:
        return submission.confidence is None or submission.confidence < rule.threshold
    if kind == RuleKind.ADVERSE_OUTCOME:
        return submission.ai_output in (rule.adverse_outcomes or [])
    if kind == RuleKind.RANDOM_SAMPLE:
        return sample_point(submission.decision_id, f"rule:{rule.pk}") < rule.share
    if kind == RuleKind.GROUP_SAMPLE:
        in_group = str((submission.subject_groups or {}).get(rule.attribute, "")) == rule.value
        return in_group and sample_point(submission.decision_id, f"rule:{rule.pk}") < rule.share
    return False


def first_matching(rules: Iterable, submission: Submission):
    """The first rule (in the order given) that routes ``submission``, or None."""
    return next((rule for rule in rules if rule_matches(rule, submission)), None)


def is_blind(decision_id: str, ai_system_id, blind_share: float) -> bool:
    """Whether the item is reviewed blind: a deterministic draw with probability ``blind_share``."""
    return blind_share > 0 and sample_point(decision_id, f"blind:{ai_system_id}") < blind_share
