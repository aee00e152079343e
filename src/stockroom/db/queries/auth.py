"""Lookups for users, sessions, refresh tokens and API keys."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from stockroom.db.models import (
    ApiKey,
    AuthSession,
    RefreshToken,
    SystemSetting,
    User,
    api_key_warehouses,
    user_warehouses,
)
from stockroom.db.queries.catalog import escape_like


def user_by_email(session: Session, email: str) -> User | None:
    stmt = (
        select(User)
        .options(selectinload(User.warehouses))
        .where(func.lower(User.email) == email.strip().lower())
    )
    return session.scalars(stmt).one_or_none()


def user_by_public_id(session: Session, public_id: uuid.UUID) -> User | None:
    stmt = select(User).options(selectinload(User.warehouses)).where(User.public_id == public_id)
    return session.scalars(stmt).one_or_none()


def user_search_clause(q: str) -> ColumnElement[bool]:
    """Email or name containing ``q``, whatever the case."""
    pattern = f"%{escape_like(q.strip())}%"
    return or_(User.email.ilike(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))


def any_user_exists(session: Session) -> bool:
    return session.scalar(select(select(User.id).exists())) or False


def live_session(session: Session, public_id: uuid.UUID) -> AuthSession | None:
    stmt = select(AuthSession).where(
        AuthSession.public_id == public_id, AuthSession.revoked_at.is_(None)
    )
    return session.scalars(stmt).one_or_none()


def refresh_token_by_hash(session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash)
    ).one_or_none()


def session_by_id(session: Session, session_id: int) -> AuthSession | None:
    return session.get(AuthSession, session_id)


def user_sessions(session: Session, user_id: int) -> list[AuthSession]:
    stmt = select(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
    )
    return list(session.scalars(stmt))


def api_key_by_public_id(session: Session, public_id: uuid.UUID) -> ApiKey | None:
    stmt = (
        select(ApiKey).options(selectinload(ApiKey.warehouses)).where(ApiKey.public_id == public_id)
    )
    return session.scalars(stmt).one_or_none()


def setting(session: Session, key: str) -> SystemSetting | None:
    return session.get(SystemSetting, key)


# Every authenticated request reads who it is for: one statement each, with the warehouse
# scope joined in (a row per warehouse; one row with NULL for an unscoped actor), instead
# of the ORM's session + user + scope queries.


@dataclass(frozen=True)
class SignedInUser:
    public_id: uuid.UUID
    email: str
    role: str
    is_active: bool
    warehouse_ids: frozenset[int]


def signed_in_user(
    session: Session, session_public_id: uuid.UUID, user_public_id: uuid.UUID
) -> SignedInUser | None:
    """The user of a login session that has not ended (None if it has)."""
    stmt = (
        select(
            User.public_id, User.email, User.role, User.is_active, user_warehouses.c.warehouse_id
        )
        .join(AuthSession, AuthSession.user_id == User.id)
        .outerjoin(user_warehouses, user_warehouses.c.user_id == User.id)
        .where(
            AuthSession.public_id == session_public_id,
            AuthSession.revoked_at.is_(None),
            User.public_id == user_public_id,
        )
    )
    rows = session.execute(stmt).all()
    if not rows:
        return None
    first = rows[0]
    return SignedInUser(first.public_id, first.email, first.role, first.is_active, _scope(rows))


@dataclass(frozen=True)
class KeyHolder:
    id: int
    public_id: uuid.UUID
    name: str
    role: str
    key_hash: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    permissions: list[str] | None
    warehouse_ids: frozenset[int]


def key_holder(session: Session, prefix: str) -> KeyHolder | None:
    """The API key with this prefix, with its warehouse scope, in one statement."""
    stmt = (
        select(
            ApiKey.id,
            ApiKey.public_id,
            ApiKey.name,
            ApiKey.role,
            ApiKey.key_hash,
            ApiKey.revoked_at,
            ApiKey.last_used_at,
            ApiKey.permissions,
            api_key_warehouses.c.warehouse_id,
        )
        .outerjoin(api_key_warehouses, api_key_warehouses.c.api_key_id == ApiKey.id)
        .where(ApiKey.prefix == prefix)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return None
    first = rows[0]
    return KeyHolder(
        first.id,
        first.public_id,
        first.name,
        first.role,
        first.key_hash,
        first.revoked_at,
        first.last_used_at,
        first.permissions,
        _scope(rows),
    )


def _scope(rows: Sequence[Any]) -> frozenset[int]:
    return frozenset(row.warehouse_id for row in rows if row.warehouse_id is not None)


def names_by_public_id(
    session: Session, user_ids: Sequence[uuid.UUID], key_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, str]]:
    """The names of these users and of these API keys."""
    users: dict[uuid.UUID, str] = {}
    keys: dict[uuid.UUID, str] = {}
    if user_ids:
        stmt = select(User.public_id, User.name).where(User.public_id.in_(user_ids))
        users = dict(session.execute(stmt).all())
    if key_ids:
        stmt = select(ApiKey.public_id, ApiKey.name).where(ApiKey.public_id.in_(key_ids))
        keys = dict(session.execute(stmt).all())
    return users, keys
