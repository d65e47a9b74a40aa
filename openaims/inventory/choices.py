"""Statuses of the inventory, each with its badge colour."""

from django.db import models


class LifecycleStage(models.TextChoices):
    """Life cycle stages of an AI system (after ISO/IEC 22989's life cycle)."""

    IDEA = "idea", "Idea"
    DESIGN = "design", "Design"
    DEVELOPMENT = "development", "Development"
    VERIFICATION = "verification", "Verification and validation"
    DEPLOYED = "deployed", "Deployed"
    OPERATING = "operating", "Operating and monitored"
    RETIRED = "retired", "Retired"


LIFECYCLE_ORDER = [s.value for s in LifecycleStage]
LIVE_STAGES = {LifecycleStage.DEPLOYED, LifecycleStage.OPERATING}


class AIRole(models.TextChoices):
    """The organization's role for an AI system."""

    PROVIDER = "provider", "Provider"
    PRODUCER = "producer", "Producer"
    CUSTOMER = "customer", "Customer"
    PARTNER = "partner", "Partner"
    SUBJECT = "subject", "Subject"


class HumanOversight(models.TextChoices):
    IN_THE_LOOP = "human_in_the_loop", "Human-in-the-loop"
    ON_THE_LOOP = "human_on_the_loop", "Human-on-the-loop"
    IN_COMMAND = "human_in_command", "Human-in-command"
    NONE = "none", "None"


class AutomationLevel(models.TextChoices):
    ADVISORY = "advisory", "Advisory (a person decides)"
    PARTIAL = "partial", "Partially automated"
    FULL = "full", "Fully automated"


class ModelVersionStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    VALIDATED = "validated", "Validated"
    DEPLOYED = "deployed", "Deployed"
    RETIRED = "retired", "Retired"


class SupplierAssessment(models.TextChoices):
    NOT_ASSESSED = "not_assessed", "Not assessed"
    IN_PROGRESS = "in_progress", "In progress"
    APPROVED = "approved", "Approved"
    CONDITIONAL = "conditional", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


class EUAIActTier(models.TextChoices):
    """The tiers of the EU AI Act (the values of ``openaims.classify.Tier``)."""

    PROHIBITED = "prohibited", "Prohibited practice"
    HIGH_RISK = "high_risk", "High-risk AI system"
    LIMITED_RISK = "limited_risk", "Limited risk (transparency obligations)"
    MINIMAL = "minimal", "Minimal risk"
    GPAI_MODEL = "gpai_model", "General-purpose AI model"
    OUT_OF_SCOPE = "out_of_scope", "Outside the scope of the AI Act"


BADGE_COLOURS = {
    LifecycleStage.IDEA: "grey",
    LifecycleStage.DESIGN: "grey",
    LifecycleStage.DEVELOPMENT: "blue",
    LifecycleStage.VERIFICATION: "blue",
    LifecycleStage.DEPLOYED: "green",
    LifecycleStage.OPERATING: "green",
    LifecycleStage.RETIRED: "dark",
    ModelVersionStatus.CANDIDATE: "grey",
    ModelVersionStatus.VALIDATED: "blue",
    SupplierAssessment.NOT_ASSESSED: "orange",
    SupplierAssessment.IN_PROGRESS: "blue",
    SupplierAssessment.APPROVED: "green",
    SupplierAssessment.CONDITIONAL: "orange",
    SupplierAssessment.REJECTED: "red",
    EUAIActTier.PROHIBITED: "red",
    EUAIActTier.HIGH_RISK: "orange",
    EUAIActTier.LIMITED_RISK: "blue",
    EUAIActTier.MINIMAL: "green",
    EUAIActTier.GPAI_MODEL: "blue",
    EUAIActTier.OUT_OF_SCOPE: "grey",
}
