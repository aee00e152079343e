"""Lookups for users, sessions, refresh tokens and API keys."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from stockroom.db.models import ApiKey, AuthSession, RefreshToken, SystemSetting, User


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


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    stmt = select(ApiKey).options(selectinload(ApiKey.warehouses)).where(ApiKey.prefix == prefix)
    return session.scalars(stmt).one_or_none()


def api_key_by_public_id(session: Session, public_id: uuid.UUID) -> ApiKey | None:
    stmt = (
        select(ApiKey).options(selectinload(ApiKey.warehouses)).where(ApiKey.public_id == public_id)
    )
    return session.scalars(stmt).one_or_none()


def setting(session: Session, key: str) -> SystemSetting | None:
    return session.get(SystemSetting, key)
