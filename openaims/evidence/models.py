"""Evidence items: what shows that a control works or a requirement is met."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from openaims.base.models import BaseModel
from openaims.evidence.choices import EvidenceKind


class Evidence(BaseModel):
    """An uploaded file (stored by its SHA-256), a link, or a record of OpenAIMS itself, with a validity period.

    Controls (SoA entries), clause requirements and risks link to evidence; evidence links to AI systems.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices, default=EvidenceKind.FILE)
    url = models.URLField(max_length=1000, blank=True)
    # Files: content-addressed under AIMS_DATA_DIR; the original name is shown, never used as a path.
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # Records: the object of OpenAIMS this evidence is (e.g. a metric run), as "app.model" and id.
    record_type = models.CharField(max_length=100, blank=True)
    record_id = models.CharField(max_length=64, blank=True)
    collected_on = models.DateField(default=timezone.localdate)
    valid_until = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_evidence"
    )
    ai_systems = models.ManyToManyField("inventory.AISystem", blank=True, related_name="evidence")

    class Meta:
        verbose_name = "evidence item"
        ordering = ["-collected_on", "title"]
        indexes = [models.Index(fields=["organization", "valid_until"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_expired(self) -> bool:
        return self.valid_until is not None and self.valid_until < timezone.localdate()
