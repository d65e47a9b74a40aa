"""One lock order for every write (Security rule 4): the organization, then records' rows, then the trail head.

Every write transaction first takes its organization's lock (:func:`lock_organization`), so that writers of one
organization queue at one place instead of holding locks in different orders (two writers each holding what the
other wants is a deadlock, which PostgreSQL breaks by failing one of them). Rows of records are locked with
:func:`lock_rows` and the trail head with :func:`lock_trail_head`; both take the organization's lock first if the
transaction does not hold it yet. Nothing else in the code base calls ``select_for_update``.

The organization's lock is ``FOR NO KEY UPDATE``: it excludes other writers of the organization but not the
``KEY SHARE`` locks PostgreSQL takes on the organization's row when a record referring to it is inserted, so a
transaction that inserted a record before asking for the lock can still get it. SQLite has no row locks (a write
transaction holds the whole database): there the organization's lock is not taken, and rows are only read.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models, transaction

Q = TypeVar("Q", bound=models.QuerySet)


class _OrganizationLockHeld:
    """The mark of a held lock: kept in the transaction's on-commit callbacks, which Django drops on rollback
    (of the transaction, or of the savepoint the lock was taken in, which PostgreSQL releases it with)."""

    __slots__ = ("organization_id",)

    def __init__(self, organization_id) -> None:
        self.organization_id = organization_id

    def __call__(self) -> None:  # committed: the lock is released with the transaction
        return None


def holds_organization_lock(organization) -> bool:
    """Whether the current transaction holds ``organization``'s lock."""
    pk = organization.pk
    return connection.in_atomic_block and any(
        isinstance(func, _OrganizationLockHeld) and func.organization_id == pk
        for _, func, _ in connection.run_on_commit
    )


def lock_organization(organization) -> None:
    """Take ``organization``'s write lock for the rest of the transaction: first thing in every write transaction.

    Once per transaction (later calls cost nothing). Writes that depend on the organization's set of records
    (numbering, issuing) are serialised by it; unique constraints back it up.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_organization must run inside the transaction of the write it protects")
    if not connection.features.has_select_for_update or holds_organization_lock(organization):
        return
    type(organization)._default_manager.select_for_update(no_key=True).filter(pk=organization.pk).exists()
    transaction.on_commit(_OrganizationLockHeld(organization.pk))


def lock_rows(queryset: Q, organization, **options) -> Q:
    """``queryset.select_for_update(**options)`` after ``organization``'s lock: rows of records are locked second."""
    lock_organization(organization)
    return queryset.select_for_update(**options)


def lock_trail_head(organization):
    """The organization's trail head, locked last (after the organization's lock); None before its first event."""
    from openaims.base.models import TrailHead

    lock_organization(organization)
    return TrailHead.objects.select_for_update().filter(organization=organization).first()
