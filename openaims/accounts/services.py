"""Writes of organizations, users, memberships and API tokens."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import math
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import ApiToken, LoginFailure, Membership, Organization, User
from openaims.base.context import Actor, system_actor
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.base.trail import record_event

TOKEN_PREFIX = "aims_"
logger = logging.getLogger(__name__)


def organization_create(
    *, name: str, slug: str = "", owner: User | None = None, actor_label: str = "system"
) -> Organization:
    """Create a tenant (and make ``owner`` its owner). The first trail event of its chain records it."""
    slug = slug or slugify(name)[:60]
    organization = Organization(name=name.strip(), slug=slug)
    organization.full_clean()
    with transaction.atomic():
        organization.save()
        actor = system_actor(organization, label=actor_label)
        record_event(
            actor=actor,
            action=TrailAction.CREATE,
            instance=organization,
            changes={"name": [None, organization.name], "slug": [None, organization.slug]},
        )
        if owner is not None:
            create_record(Membership, actor=actor, permission=Permission.VIEW, user=owner, role=Role.OWNER)
    return organization


def user_create(
    *, username: str, password: str | None, email: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """Create a person who can sign in (the username is usually the e-mail address)."""
    user = User(username=username.strip(), email=(email or (username if "@" in username else "")).strip())
    user.first_name, user.last_name = first_name, last_name
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _check_owner_grant(actor: Actor, *roles: str) -> None:
    """Only owners give or take the owner role."""
    if Role.OWNER in roles and actor.role != Role.OWNER:
        raise PermissionDenied("Only an owner can give or take the owner role.")


def membership_add(*, actor: Actor, user: User, role: str) -> Membership:
    """Give ``user`` a role in the actor's organization."""
    _check_owner_grant(actor, role)
    return create_record(Membership, actor=actor, permission=Permission.MANAGE_MEMBERS, user=user, role=role)


def _not_guest(*roles: str) -> None:
    """Guest auditors come and go through guest invitations (an expiry and a scope), not the members page."""
    if Role.GUEST_AUDITOR in roles:
        raise ValidationError(
            {"role": ["Invite guest auditors with a guest invitation (it has an expiry and a scope)."]}
        )


def membership_invite(*, actor: Actor, username: str, role: str, password: str = "") -> Membership:
    """Add a person by username (e-mail): an existing user, or a new one with the given first password."""
    actor.require(Permission.MANAGE_MEMBERS)
    _not_guest(role)
    username = username.strip()
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            if not password:
                raise ValidationError({"password": ["A new user needs a first password."]})
            try:
                user = user_create(username=username, password=password)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    raise
                raise ValidationError({"password": exc.messages}) from exc
        elif Membership.objects.filter(organization=actor.organization, user=user).exists():
            raise ValidationError({"username": [f"{username} is already a member."]})
        return membership_add(actor=actor, user=user, role=role)


def _keeps_an_owner(actor: Actor, membership: Membership) -> None:
    if membership.role == Role.OWNER:
        owners = Membership.objects.filter(organization=actor.organization, role=Role.OWNER).count()
        if owners <= 1:
            raise ValidationError({"role": ["An organization keeps at least one owner."]})


def membership_set_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    """Change a member's role; the last owner stays an owner."""
    _check_owner_grant(actor, role, membership.role)
    if role != membership.role:
        _not_guest(role, membership.role)
    with transaction.atomic():
        if role != Role.OWNER:
            _keeps_an_owner(actor, membership)
        return update_record(membership, actor=actor, permission=Permission.MANAGE_MEMBERS, role=role)


def membership_remove(*, actor: Actor, membership: Membership) -> None:
    """Take a member out of the organization (their API tokens for it stop working)."""
    _check_owner_grant(actor, membership.role)
    with transaction.atomic():
        _keeps_an_owner(actor, membership)
        delete_record(membership, actor=actor, permission=Permission.MANAGE_MEMBERS)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def token_create(*, actor: Actor, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create an API token for ``user`` (the actor or, for admins, another member).

    Returns the token record and the token itself, which is shown once and never stored.
    """
    if actor.user is not None and actor.user.pk != user.pk:
        actor.require(Permission.MANAGE_MEMBERS)
    if not Membership.objects.filter(organization=actor.organization, user=user).exists():
        raise ValidationError({"user": ["Not a member of this organization."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = create_record(
        ApiToken,
        actor=actor,
        permission=Permission.VIEW,
        user=user,
        name=name.strip(),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash_token(raw),
        expires_at=expires_at,
    )
    return token, raw


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token: the actor's own, or anyone's for those who manage members."""
    if actor.user is None or actor.user.pk != token.user_id:
        actor.require(Permission.MANAGE_MEMBERS)
    if token.revoked_at is not None:
        return token
    return update_record(
        token, actor=actor, permission=Permission.VIEW, action=TrailAction.TRANSITION, revoked_at=timezone.now()
    )


def token_authenticate(raw: str) -> tuple[ApiToken, Membership] | None:
    """The active token and its membership for a presented token, or None. Updates last-used time."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user", "organization").filter(token_hash=_hash_token(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    membership = Membership.objects.filter(organization_id=token.organization_id, user_id=token.user_id).first()
    if membership is None:
        return None
    _note_token_use(token)
    return token, membership


#: A token's last-used time is written at most this often.
TOKEN_LAST_USED_EVERY = dt.timedelta(minutes=5)
#: How long noting a token's use waits for a lock held by another writer (a long import, say) before giving up.
_BOOKKEEPING_LOCK_WAIT_MS = 200


def _note_token_use(token: ApiToken) -> None:
    """Record when a token was last used: bookkeeping, never a reason to slow or fail the request.

    No trail event (not a change of the record), at most once per ``TOKEN_LAST_USED_EVERY`` (and one attempt per
    process in that time), in its own short transaction that waits briefly for the write lock and is skipped
    when the database is busy: a read through the API must not fail because an import holds the lock.
    """
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_LAST_USED_EVERY:
        return
    if not cache.add(f"token-used:{token.pk}", 1, timeout=int(TOKEN_LAST_USED_EVERY.total_seconds())):
        return
    try:
        with _short_lock_wait(), transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{_BOOKKEEPING_LOCK_WAIT_MS}ms'")
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    except OperationalError:
        logger.info("API token %s: last-used time not recorded, the database is busy", token.prefix)
        return
    token.last_used_at = now


@contextlib.contextmanager
def _short_lock_wait():
    """On SQLite, wait at most ``_BOOKKEEPING_LOCK_WAIT_MS`` for the write lock inside the block (the connection's
    own busy timeout, meant for real writes, is restored after)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA busy_timeout = {_BOOKKEEPING_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {previous}")


def _login_name(username: str) -> str:
    return username.strip().lower()[:150]


def _wait_after(last_failure: dt.datetime, over_limit: int, now: dt.datetime) -> int:
    """Whole seconds left of the delay that ``over_limit`` failures past the limit impose: 2, 4, 8... capped."""
    delay = min(2**over_limit, settings.AIMS_LOGIN_MAX_DELAY_SECONDS)
    left = (last_failure + dt.timedelta(seconds=delay) - now).total_seconds()
    return max(0, math.ceil(left))


def login_wait(*, username: str, address: str) -> int:
    """Seconds before ``username`` may try to sign in again from ``address`` (0: now).

    Failures count per (username, address) pair: a stranger guessing wrong elsewhere never delays the owner, and
    one person's typos never delay their colleagues behind the same proxy. After ``AIMS_LOGIN_MAX_FAILURES``
    failures of a pair, each further one doubles the pair's wait (2, 4, 8... seconds, at most
    ``AIMS_LOGIN_MAX_DELAY_SECONDS``). An address that failed for ``AIMS_LOGIN_ADDRESS_MAX_USERNAMES`` different
    usernames (someone trying many accounts) waits the same way for each further username. Failures older than
    ``AIMS_LOGIN_WINDOW_SECONDS`` are forgotten.
    """
    now = timezone.now()
    recent = LoginFailure.objects.filter(at__gte=now - dt.timedelta(seconds=settings.AIMS_LOGIN_WINDOW_SECONDS))
    address = address[:64]
    pair = recent.filter(username=_login_name(username), address=address)
    wait = 0
    failures = pair.count()
    if failures >= settings.AIMS_LOGIN_MAX_FAILURES:
        last = pair.order_by("-at").values_list("at", flat=True).first()
        wait = _wait_after(last, failures - settings.AIMS_LOGIN_MAX_FAILURES + 1, now)
    from_address = recent.filter(address=address)
    usernames = from_address.values("username").distinct().count()
    if usernames >= settings.AIMS_LOGIN_ADDRESS_MAX_USERNAMES:
        last = from_address.order_by("-at").values_list("at", flat=True).first()
        wait = max(wait, _wait_after(last, usernames - settings.AIMS_LOGIN_ADDRESS_MAX_USERNAMES + 1, now))
    return wait


def login_failed(*, username: str, address: str) -> None:
    """Count a failed sign-in (bookkeeping for :func:`login_wait`, no trail); forget those past a day."""
    LoginFailure.objects.create(username=_login_name(username), address=address[:64])
    keep = max(settings.AIMS_LOGIN_WINDOW_SECONDS, 86400)
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(seconds=keep)).delete()


def login_succeeded(*, username: str, address: str) -> None:
    """A correct password clears the failures of this pair only (not a stranger's elsewhere)."""
    LoginFailure.objects.filter(username=_login_name(username), address=address[:64]).delete()
