"""The base every domain model inherits, and the trail of changes."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.db import models
from django.utils.html import format_html


class BaseModel(models.Model):
    """Organization, UUID primary key, timestamps. Writes go through services, which record the trail.

    ``trail_fields`` names the fields whose before/after values a trail event records
    (default: every concrete and many-to-many field but the bookkeeping ones).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    trail_fields: tuple[str, ...] | None = None

    class Meta:
        abstract = True

    @classmethod
    def object_type(cls) -> str:
        return f"{cls._meta.app_label}.{cls._meta.model_name}"


class TrailAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    TRANSITION = "transition", "State changed"
    ACCESS = "access", "Access"


class TrailEvent(models.Model):
    """One change of one record, hash-chained per organization. Never updated, never deleted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveBigIntegerField()
    timestamp = models.DateTimeField(db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    actor_type = models.CharField(max_length=10)  # user, token, system
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=300)
    action = models.CharField(max_length=20, choices=TrailAction.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(max_length=300)
    # Canonical JSON text ({field: [before, after]}), hashed exactly as stored.
    changes = models.TextField(default="{}")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["organization", "sequence"]
        constraints = [models.UniqueConstraint(fields=["organization", "sequence"], name="uniq_trail_sequence")]
        indexes = [
            models.Index(fields=["organization", "object_type", "object_id"]),
            models.Index(fields=["organization", "timestamp"]),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type} {self.object_label}"

    @property
    def changes_dict(self) -> dict:
        return json.loads(self.changes)

    def hashed_values(self) -> tuple:
        """The values the hash covers, in ``openaims.trail._chain.HASHED_FIELDS`` order."""
        from openaims.trail import HASHED_FIELDS, TIMESTAMP_FORMAT

        values = {
            "timestamp": self.timestamp.astimezone(dt.UTC).strftime(TIMESTAMP_FORMAT),
            "organization_id": str(self.organization_id),
        }
        return tuple(values[f] if f in values else getattr(self, f) for f in HASHED_FIELDS)


class TrailHead(models.Model):
    """The last sequence number and hash of an organization's chain; locked while appending."""

    organization = models.OneToOneField("accounts.Organization", on_delete=models.PROTECT, primary_key=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.organization_id} at #{self.sequence}"


def colour_badge(colours: dict, value: str, label: str) -> str:
    """A status badge: ``label`` in the colour ``colours`` gives ``value`` (grey when none)."""
    return format_html('<span class="badge badge-{}">{}</span>', colours.get(value, "grey"), label)
