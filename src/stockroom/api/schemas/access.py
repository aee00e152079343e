"""Users, sessions, tokens and API keys as the API shows and accepts them."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self, cast

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from stockroom.api.schemas.common import Input, Name
from stockroom.api.schemas.warehouses import WarehouseCode
from stockroom.domain.access import Actor, Permission, Role, permissions_of
from stockroom.services.auth import Tokens

if TYPE_CHECKING:
    from stockroom.db.models import ApiKey, User


# Long enough for a passphrase, short enough that hashing it is no denial of service.
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Scope = Annotated[
    list[WarehouseCode],
    Field(max_length=100, description="Warehouse codes; empty means every warehouse"),
]


class SignUp(Input):
    email: EmailStr
    name: Name
    password: Password


class LogIn(Input):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Password


class RefreshIn(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds the access token is valid")

    @classmethod
    def of(cls, tokens: Tokens) -> Self:
        return cls(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
        )


class PasswordChange(Input):
    current_password: Password
    new_password: Password


class UserCreate(Input):
    email: EmailStr
    name: Name
    password: Password
    role: Role = Role.STAFF
    warehouses: Scope = []


class UserPatch(Input):
    name: Name | None = None
    role: Role | None = None
    warehouses: Scope | None = None
    is_active: bool | None = None
    version: int | None = Field(default=None, ge=1, description="Or send If-Match")


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    warehouses: list[str]
    is_active: bool
    version: int
    created_at: datetime

    @classmethod
    def of(cls, u: "User") -> Self:
        return cls(
            id=u.public_id,
            email=u.email,
            name=u.name,
            role=Role(u.role),
            warehouses=sorted(w.code for w in u.warehouses),
            is_active=u.is_active,
            version=u.version,
            created_at=u.created_at,
        )


class ApiKeyCreate(Input):
    name: Name
    role: Role | None = Field(
        default=None,
        description="Default: the lowest role covering `permissions`, or staff without them",
    )
    warehouses: Scope = []
    permissions: list[Permission] | None = Field(
        default=None,
        max_length=len(Permission),
        description="Exactly what the key may do: a subset of yours and of the role's. "
        "Default: everything the role grants",
    )


def _key_permissions(k: "ApiKey") -> list[Permission]:
    explicit = None if k.permissions is None else frozenset(map(Permission, k.permissions))
    return sorted(permissions_of(Role(k.role), explicit, scoped=bool(k.warehouses)))


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    role: Role
    warehouses: list[str]
    permissions: list[Permission]
    prefix: str = Field(description="The key's visible start, to recognise it")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, k: "ApiKey") -> Self:
        return cls(
            id=k.public_id,
            name=k.name,
            role=Role(k.role),
            warehouses=sorted(w.code for w in k.warehouses),
            permissions=_key_permissions(k),
            prefix=f"srk_{k.prefix}",
            created_at=k.created_at,
            last_used_at=k.last_used_at,
            revoked_at=k.revoked_at,
        )


class ApiKeyIssued(ApiKeyRead):
    key: str = Field(description="The whole key. Shown this once; store it now.")


class MeRead(BaseModel):
    """The caller: a user or an API key. Fields that do not apply to it are null."""

    kind: Literal["user", "api_key"]
    id: uuid.UUID
    name: str
    role: Role
    warehouses: list[str] = Field(description="Empty means every warehouse")
    permissions: list[Permission] = Field(description="What the caller may do")
    created_at: datetime
    email: str | None = Field(default=None, description="Users only")
    is_active: bool | None = Field(default=None, description="Users only")
    version: int | None = Field(default=None, description="Users only")
    prefix: str | None = Field(default=None, description="API keys only")

    @classmethod
    def of(cls, found: "User | ApiKey", actor: Actor) -> Self:
        permissions = sorted(actor.effective_permissions)
        if actor.kind == "api_key":
            key = ApiKeyRead.of(cast("ApiKey", found))
            return cls(
                kind="api_key",
                permissions=permissions,
                **key.model_dump(
                    include={"id", "name", "role", "warehouses", "created_at", "prefix"}
                ),
            )
        user = UserRead.of(cast("User", found))
        return cls(kind="user", permissions=permissions, **user.model_dump())


class SystemSettings(BaseModel):
    self_registration: bool


class SystemSettingsPatch(Input):
    self_registration: bool
