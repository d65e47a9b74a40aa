"""Statuses and scales of impact assessments and harms, each status with its badge colour."""

from django.db import models


class AssessmentStatus(models.TextChoices):
    """Life of an impact assessment revision.

    draft → in review → approved (by a member other than the author) → due for reassessment (review date
    passed, or a significant change of the AI system). A new revision replaces an approved or due one: when
    the revision is approved, the one before becomes superseded.
    """

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    DUE = "due_for_reassessment", "Due for reassessment"
    SUPERSEDED = "superseded", "Superseded"


#: Statuses of the revision that stands for its AI system (the one a new revision replaces).
STANDING_STATUSES = {AssessmentStatus.APPROVED, AssessmentStatus.DUE}
#: Statuses whose content (answers, harms) can still change.
EDITABLE_STATUSES = {AssessmentStatus.DRAFT}


class Severity(models.IntegerChoices):
    NEGLIGIBLE = 1, "1 — Negligible"
    MINOR = 2, "2 — Minor"
    MODERATE = 3, "3 — Moderate"
    MAJOR = 4, "4 — Major"
    SEVERE = 5, "5 — Severe"


class Likelihood(models.IntegerChoices):
    RARE = 1, "1 — Rare"
    UNLIKELY = 2, "2 — Unlikely"
    POSSIBLE = 3, "3 — Possible"
    LIKELY = 4, "4 — Likely"
    ALMOST_CERTAIN = 5, "5 — Almost certain"


class Reversibility(models.TextChoices):
    REVERSIBLE = "reversible", "Reversible"
    HARD_TO_REVERSE = "hard_to_reverse", "Hard to reverse"
    IRREVERSIBLE = "irreversible", "Irreversible"


class FundamentalRight(models.TextChoices):
    """Rights a harm can touch, after the EU Charter of Fundamental Rights (article in the label)."""

    DIGNITY = "dignity", "Human dignity (Art. 1)"
    LIFE_AND_INTEGRITY = "life_integrity", "Life and integrity of the person (Art. 2-3)"
    PRIVACY = "privacy", "Respect for private and family life (Art. 7)"
    DATA_PROTECTION = "data_protection", "Protection of personal data (Art. 8)"
    EXPRESSION = "expression", "Freedom of expression and information (Art. 11)"
    ASSEMBLY = "assembly", "Freedom of assembly and association (Art. 12)"
    EDUCATION = "education", "Right to education (Art. 14)"
    WORK = "work", "Freedom to choose an occupation; workers' rights (Art. 15, 27-31)"
    NON_DISCRIMINATION = "non_discrimination", "Non-discrimination (Art. 21)"
    GENDER_EQUALITY = "gender_equality", "Equality between women and men (Art. 23)"
    CHILD = "child", "Rights of the child (Art. 24)"
    ELDERLY = "elderly", "Rights of the elderly (Art. 25)"
    DISABILITY = "disability", "Integration of persons with disabilities (Art. 26)"
    SOCIAL_SECURITY = "social_security", "Social security and social assistance (Art. 34)"
    HEALTH_CARE = "health_care", "Health care (Art. 35)"
    CONSUMER = "consumer", "Consumer protection (Art. 38)"
    GOOD_ADMINISTRATION = "good_administration", "Right to good administration (Art. 41)"
    ASYLUM = "asylum", "Asylum; protection in removal (Art. 18-19)"
    REMEDY = "remedy", "Effective remedy and fair trial (Art. 47)"
    INNOCENCE = "innocence", "Presumption of innocence and right of defence (Art. 48)"


BADGE_COLOURS = {
    AssessmentStatus.DRAFT: "grey",
    AssessmentStatus.IN_REVIEW: "blue",
    AssessmentStatus.APPROVED: "green",
    AssessmentStatus.DUE: "red",
    AssessmentStatus.SUPERSEDED: "dark",
}
