"""/users, /api-keys and /system/settings: administration (admins only)."""

import uuid

from fastapi import APIRouter, Request, Response

from stockroom.api.deps import Listing, PasswordsDep, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.access import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    SystemSettings,
    SystemSettingsPatch,
    UserCreate,
    UserPatch,
    UserRead,
)
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.security import UserAdmin
from stockroom.api.versioning import IfMatch, etag, required_version
from stockroom.services import api_keys, users

router = APIRouter(tags=["administration"])


@router.get("/users", response_model=PageOut[UserRead], name="users_list")
def list_users(
    request: Request, actor: UserAdmin, session: ReadSession, listing: Listing
) -> PageOut[UserRead]:
    page = users.list_users(session, listing.sort, listing.cursor, listing.limit)
    return page_out(request, page, [UserRead.of(u) for u in page.items])


@router.post("/users", status_code=201, response_model=UserRead, name="users_create")
def create_user(
    body: UserCreate, actor: UserAdmin, writer: WriterDep, passwords: PasswordsDep
) -> Response:
    """Create (invite) a user with a role and, optionally, a warehouse scope."""
    new = users.NewUser(body.email, body.name, body.password, body.role, tuple(body.warehouses))

    def work() -> UserRead:
        return UserRead.of(users.create_user(writer.session, passwords, new))

    return writer.run(work, body=body, status_code=201, location=lambda u: f"/api/v1/users/{u.id}")


@router.get("/users/{user_id}", response_model=UserRead, name="users_get")
def get_user(
    user_id: uuid.UUID, actor: UserAdmin, session: ReadSession, response: Response
) -> UserRead:
    user = UserRead.of(users.get_user(session, user_id))
    response.headers["ETag"] = etag(user.version)
    return user


@router.patch("/users/{user_id}", response_model=UserRead, name="users_update")
def update_user(
    user_id: uuid.UUID,
    body: UserPatch,
    actor: UserAdmin,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Change role, name or warehouse scope, or deactivate (users are never deleted)."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, set())

    def work() -> UserRead:
        return UserRead.of(users.update_user(writer.session, actor, user_id, changes, version))

    return writer.run(work, body=body)


@router.get("/api-keys", response_model=PageOut[ApiKeyRead], name="api_keys_list")
def list_api_keys(
    request: Request, actor: UserAdmin, session: ReadSession, listing: Listing
) -> PageOut[ApiKeyRead]:
    page = api_keys.list_api_keys(session, listing.cursor, listing.limit)
    return page_out(request, page, [ApiKeyRead.of(k) for k in page.items])


@router.post("/api-keys", status_code=201, response_model=ApiKeyIssued, name="api_keys_create")
def create_api_key(body: ApiKeyCreate, actor: UserAdmin, writer: WriterDep) -> Response:
    """The full key is in this reply only; Stockroom keeps just its hash.

    ``permissions`` (optional) say exactly what the key may do: a subset of yours and of
    the role's; without a ``role`` the key gets the lowest role that grants them."""

    def work() -> ApiKeyIssued:
        permissions = None if body.permissions is None else frozenset(body.permissions)
        issued = api_keys.create_api_key(
            writer.session, actor, body.name, body.role, tuple(body.warehouses), permissions
        )
        read = ApiKeyRead.of(issued.key)
        return ApiKeyIssued(**read.model_dump(), key=issued.secret)

    return writer.run(work, status_code=201, idempotent=False)


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead, name="api_keys_revoke")
def revoke_api_key(key_id: uuid.UUID, actor: UserAdmin, writer: WriterDep) -> Response:
    """Revoke at once: the next request made with the key is refused."""
    return writer.run(lambda: ApiKeyRead.of(api_keys.revoke_api_key(writer.session, key_id)))


@router.get("/system/settings", response_model=SystemSettings, name="system_settings_get")
def get_system_settings(actor: UserAdmin, session: ReadSession) -> SystemSettings:
    return SystemSettings(self_registration=users.self_registration_enabled(session))


@router.patch("/system/settings", response_model=SystemSettings, name="system_settings_update")
def update_system_settings(
    body: SystemSettingsPatch, actor: UserAdmin, writer: WriterDep
) -> Response:
    def work() -> SystemSettings:
        users.set_self_registration(writer.session, body.self_registration)
        return SystemSettings(self_registration=body.self_registration)

    return writer.run(work, body=body)
