"""Evidence items: what shows that a control works or a requirement is met."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from openaims.base.models import BaseModel
from openaims.evidence.choices import EvidenceKind, Expiry


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
        """Past its valid-until date (the selectors' ``expired_q`` is the same rule in SQL)."""
        return self.valid_until is not None and self.valid_until < timezone.localdate()

    @property
    def expiry(self) -> Expiry:
        """The expiry state, which templates render as a badge."""
        return Expiry.of(self.valid_until, timezone.localdate())

    @property
    def has_file(self) -> bool:
        return self.kind == EvidenceKind.FILE and bool(self.file_sha256)

    @property
    def reference(self) -> str:
        """What the item points at: its file name, URL or record, for list pages."""
        return self.file_name or self.url or self.record_label

    @property
    def record_label(self) -> str:
        """``app.model id`` of the record this evidence is, for display."""
        return f"{self.record_type} {self.record_id}".strip()

    def clean(self) -> None:
        """Each kind carries its own fields and no others; validity cannot end before collection."""
        errors: dict[str, list[str]] = {}
        if self.kind == EvidenceKind.URL and not self.url:
            errors["url"] = ["A link needs its URL."]
        if self.kind != EvidenceKind.URL and self.url:
            errors["url"] = ["Only links have a URL."]
        if self.kind == EvidenceKind.RECORD:
            if not self.record_type:
                errors["record_type"] = ["A record needs its type, as app.model (e.g. inventory.aisystem)."]
            if not self.record_id:
                errors["record_id"] = ["A record needs its id."]
        elif self.record_type or self.record_id:
            errors["record_type" if self.record_type else "record_id"] = ["Only records have a record type and id."]
        if self.kind == EvidenceKind.FILE and not self.file_sha256:
            errors["file"] = ["Upload the file: a file item is made by uploading it."]
        if self.kind != EvidenceKind.FILE and (self.file_sha256 or self.file_name):
            errors["kind"] = ["Only uploaded files have file content."]
        if self.valid_until and self.collected_on and self.valid_until < self.collected_on:
            errors["valid_until"] = ["Valid until must not be before the collection date."]
        if errors:
            raise ValidationError(errors)
