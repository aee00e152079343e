"""API keys for service-to-service clients: created by admins, shown once, revocable."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from stockroom.db.models import ApiKey
from stockroom.db.queries import auth as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.types import utcnow
from stockroom.domain.access import (
    Actor,
    Permission,
    Role,
    admins_are_global,
    key_permissions,
    require_unscoped,
    require_warehouse,
)
from stockroom.domain.errors import NotFound
from stockroom.services import credentials
from stockroom.services.warehouses import get_warehouse


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the only time the full key is available


def create_api_key(
    session: Session,
    actor: Actor,
    name: str,
    role: Role | None,
    warehouses: tuple[str, ...],
    permissions: frozenset[Permission] | None = None,
) -> IssuedKey:
    """A key never reaches beyond its creator: not their permissions, not their warehouses."""
    role, permissions = key_permissions(actor, role, permissions)
    admins_are_global(role, warehouses)
    scope = [get_warehouse(session, code) for code in warehouses]
    for warehouse in scope:
        require_warehouse(actor, warehouse.id, warehouse.code)
    if not scope:  # no scope is every warehouse
        require_unscoped(actor, "a key for every warehouse")
    issued = credentials.new_api_key()
    creator = queries.user_by_public_id(session, actor.public_id) if actor.kind == "user" else None
    key = ApiKey(
        name=name,
        prefix=issued.prefix,
        key_hash=issued.hash,
        role=role.value,
        created_by_id=None if creator is None else creator.id,
        warehouses=scope,
        permissions=None if permissions is None else sorted(p.value for p in permissions),
    )
    session.add(key)
    session.flush()
    return IssuedKey(key, issued.secret)


def list_api_keys(session: Session, cursor: str | None, limit: int) -> Page[ApiKey]:
    stmt = select(ApiKey).options(selectinload(ApiKey.warehouses))
    keys = parse_sort(None, {"created_at": ApiKey.created_at}, "created_at")
    return paginate(session, stmt, keys, ApiKey.id, cursor, limit)


def get_api_key(session: Session, public_id: uuid.UUID) -> ApiKey:
    key = queries.api_key_by_public_id(session, public_id)
    if key is None:
        raise NotFound("api key", public_id)
    return key


def revoke_api_key(session: Session, public_id: uuid.UUID) -> ApiKey:
    key = queries.api_key_by_public_id(session, public_id)
    if key is None:
        raise NotFound("api key", public_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key
