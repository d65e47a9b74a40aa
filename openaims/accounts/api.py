"""Who am I, and my API tokens."""

import datetime as dt
import uuid

from ninja import Field, Router, Schema, Status

from openaims.accounts import services
from openaims.accounts.choices import ROLE_PERMISSIONS, Permission, Role
from openaims.accounts.models import ApiToken, Membership
from openaims.base.api import register_crud
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, DateTime, Name, ShortText, text
from openaims.base.selectors import get_scoped, scoped

router = Router(tags=["Accounts"])


class MeOut(Schema):
    user_id: uuid.UUID | None
    username: str
    organization_id: uuid.UUID
    organization_slug: str
    role: str
    permissions: list[str]


class TokenIn(Schema):
    name: Name
    expires_at: DateTime | None = None


class TokenOut(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    user_id: uuid.UUID
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="The caller, their organization and role")
def me(request):
    actor = request.auth
    return {
        "user_id": actor.user.pk if actor.user else None,
        "username": actor.user.username if actor.user else actor.label,
        "organization_id": actor.organization.pk,
        "organization_slug": actor.organization.slug,
        "role": actor.role,
        "permissions": sorted(ROLE_PERMISSIONS[actor.role]),
    }


@router.get("/tokens", response={200: list[TokenOut], **READ_ERRORS}, summary="My API tokens")
def list_tokens(request):
    return list(scoped(ApiToken, request.auth).filter(user=request.auth.user))


@router.post("/tokens", response={201: TokenCreatedOut, **WRITE_ERRORS}, summary="Create an API token (shown once)")
def create_token(request, payload: TokenIn):
    token, raw = services.token_create(
        actor=request.auth, user=request.auth.user, name=payload.name, expires_at=payload.expires_at
    )
    token.token = raw
    return Status(201, token)


@router.post("/tokens/{id}/revoke", response={200: TokenOut, **WRITE_ERRORS}, summary="Revoke an API token")
def revoke_token(request, id: uuid.UUID):
    token = get_scoped(ApiToken, request.auth, id)
    if request.auth.user is None or (
        token.user_id != request.auth.user.pk and not request.auth.can(Permission.MANAGE_MEMBERS)
    ):
        from openaims.base.errors import NotFound

        raise NotFound("No such API token.")
    return services.token_revoke(actor=request.auth, token=token)


class MemberIn(Schema):
    username: Name
    role: Role = Role.VIEWER
    password: text(200) = ""  # type: ignore[valid-type]


class MemberPatch(Schema):
    role: Role = None  # left out: unchanged; null is refused


class MemberOut(Schema):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    role: Role
    expires_at: dt.datetime | None = Field(description="When the membership lapses (guest auditors); null: never.")
    scope_all_systems: bool = Field(description="Sees every AI system (false: a guest auditor's scope_systems only).")
    scope_systems: list[uuid.UUID] = Field(description="A guest auditor's AI systems, when not scope_all_systems.")
    scope_frameworks: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_scope_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.scope_systems.all()]


class MemberFilters(Schema):
    q: ShortText | None = None
    role: Role | None = None


def filter_members(qs, filters):
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(user__username__icontains=q)
    if role := get("role"):
        qs = qs.filter(role=role)
    return qs


register_crud(
    router,
    path="members",
    model=Membership,
    out=MemberOut,
    create_in=MemberIn,
    patch_in=MemberPatch,
    filters=MemberFilters,
    filter_queryset=filter_members,
    create=services.membership_invite,
    update=services.membership_set_role,
    delete=services.membership_remove,
    instance_kwarg="membership",
    queryset=lambda qs: qs.select_related("user").prefetch_related("scope_systems"),
    create_permission=Permission.MANAGE_MEMBERS,
    change_permission=Permission.MANAGE_MEMBERS,
    delete_permission=Permission.MANAGE_MEMBERS,
)
