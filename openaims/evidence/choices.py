"""Kinds of evidence."""

from django.db import models


class EvidenceKind(models.TextChoices):
    FILE = "file", "Uploaded file"
    URL = "url", "Link"
    RECORD = "record", "Record in OpenAIMS"
