"""EU AI Act risk classification (framework-free: imports nothing from Django).

The questionnaire is data (``data/eu_ai_act.yaml``); :func:`classify` turns answers into a
:class:`Classification`: the tier, its legal basis as structured references, the Art. 50 transparency cases, the
obligations for each of the organization's roles, and a rationale built from the answers.

>>> from openaims.classify import classify
>>> classify({"roles": ["provider"], "a3_4a_recruitment": True}).citation
'Art. 6(2) + Annex III point 4(a)'
"""

from openaims.classify._engine import GPAI_SYSTEMIC_RISK_FLOP, classify
from openaims.classify._questions import (
    AnswerError,
    Obligation,
    Question,
    Questionnaire,
    Section,
    load_questionnaire,
    questionnaire,
)
from openaims.classify._refs import LegalRef, parse_citation
from openaims.classify._result import TIER_LABELS, Basis, Classification, Tier

__all__ = [
    "GPAI_SYSTEMIC_RISK_FLOP",
    "TIER_LABELS",
    "AnswerError",
    "Basis",
    "Classification",
    "LegalRef",
    "Obligation",
    "Question",
    "Questionnaire",
    "Section",
    "Tier",
    "classify",
    "load_questionnaire",
    "parse_citation",
    "questionnaire",
]
