"""Tenants, users, memberships and API tokens."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from openaims.accounts.choices import Role
from openaims.base.models import BaseModel


class Organization(models.Model):
    """The tenant: every domain record belongs to exactly one organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. The username is the e-mail address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(BaseModel):
    """A user's role in one organization.

    A guest auditor's membership lapses by itself at ``expires_at`` and may be limited to some AI systems
    (``scope_all_systems`` false: only ``scope_systems``, even once some are deleted) and frameworks
    (``scope_frameworks``, catalog ids; none: all).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the membership lapses by itself (guest auditors); empty: never."
    )
    scope_all_systems = models.BooleanField(
        "whole organization", default=True, help_text="Sees every AI system; otherwise only the AI systems in scope."
    )
    scope_systems = models.ManyToManyField(
        "inventory.AISystem",
        blank=True,
        related_name="+",
        verbose_name="AI systems in scope",
        help_text="The AI systems this member sees; none: the whole organization.",
    )
    scope_frameworks = models.JSONField(
        "frameworks in scope", default=list, blank=True, help_text="Catalog framework ids; empty: all frameworks."
    )

    trail_fields = ("user", "role", "expires_at", "scope_all_systems", "scope_systems", "scope_frameworks")

    class Meta:
        verbose_name = "member"
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="uniq_membership")]
        ordering = ["user__username"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def lapsed(self) -> bool:
        """Its expiry has passed: the member is no longer one."""
        from django.utils import timezone

        return self.expires_at is not None and self.expires_at <= timezone.now()


class ApiToken(BaseModel):
    """A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters of the token, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    trail_fields = ("user", "name", "prefix", "expires_at", "revoked_at")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class LoginFailure(models.Model):
    """A failed sign-in, kept for the sign-in throttle by (username, address) (not a domain record: no trail)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "address", "at"], name="loginfailure_pair_at"),
            models.Index(fields=["address", "at"], name="loginfailure_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
