"""Logging in and out, rotating refresh tokens, and telling who a request acts for."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from stockroom.config import Settings
from stockroom.db.models import ApiKey, AuthSession, RefreshToken, User
from stockroom.db.queries import auth as queries
from stockroom.db.types import utcnow
from stockroom.domain.access import Actor, Permission, Role
from stockroom.domain.errors import RuleViolation, Unauthorized
from stockroom.services import credentials
from stockroom.services.credentials import Passwords

# An API key's last_used_at is written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


def check_password_strength(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RuleViolation(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == email.strip().lower():
        raise RuleViolation("the password must not be the email address")


def login(
    session: Session, settings: Settings, passwords: Passwords, email: str, password: str
) -> Tokens:
    """Same answer, and the same work, for an unknown email and a wrong password."""
    user, login_session = _open_session(session, passwords, email, password)
    return _issue(session, settings, user, login_session)


def web_login(
    session: Session, settings: Settings, passwords: Passwords, email: str, password: str
) -> str:
    """Log in to the web app: a login session like the API's, and the token its session
    cookie carries (no refresh token: the cookie lives a shift, then the user logs in)."""
    user, login_session = _open_session(session, passwords, email, password)
    return credentials.issue_access_token(
        settings,
        user.public_id,
        login_session.public_id,
        audience=credentials.WEB_AUDIENCE,
        lifetime=timedelta(hours=settings.web_session_hours),
    )


def _open_session(
    session: Session, passwords: Passwords, email: str, password: str
) -> tuple[User, AuthSession]:
    user = queries.user_by_email(session, email)
    valid = passwords.verify(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        raise Unauthorized("email or password is wrong")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    login_session = AuthSession(user_id=user.id)
    session.add(login_session)
    session.flush()
    return user, login_session


def refresh(session: Session, settings: Settings, refresh_token: str) -> Tokens:
    """Trade a refresh token for new tokens. A token is good once: showing a used one
    again means it was stolen (or leaked), so its whole login session is revoked."""
    stored = queries.refresh_token_by_hash(session, credentials.digest(refresh_token))
    if stored is None:
        raise Unauthorized("unknown refresh token")
    login_session = queries.session_by_id(session, stored.session_id)
    assert login_session is not None
    if login_session.revoked_at is not None:
        raise Unauthorized("this login session was revoked; log in again")
    if stored.used_at is not None:
        revoke(login_session, "refresh token reused")
        raise Unauthorized("refresh token reused: the session is revoked; log in again")
    if stored.expires_at <= utcnow():
        raise Unauthorized("the refresh token has expired; log in again")
    user = session.get(User, login_session.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account is deactivated")
    stored.used_at = utcnow()
    return _issue(session, settings, user, login_session)


def logout(session: Session, actor: Actor) -> None:
    if actor.session_id is None:
        raise RuleViolation("API keys have no session to log out of; revoke the key instead")
    login_session = queries.live_session(session, actor.session_id)
    if login_session is not None:
        revoke(login_session, "logout")
        session.flush()


def revoke(login_session: AuthSession, reason: str) -> None:
    login_session.revoked_at = utcnow()
    login_session.revoked_reason = reason


def _issue(session: Session, settings: Settings, user: User, login: AuthSession) -> Tokens:
    secret = credentials.new_secret()
    session.add(
        RefreshToken(
            session_id=login.id,
            token_hash=credentials.digest(secret),
            expires_at=credentials.refresh_expiry(settings),
        )
    )
    session.flush()
    access = credentials.issue_access_token(settings, user.public_id, login.public_id)
    return Tokens(access, secret, settings.access_token_minutes * 60)


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    # Set when an API key's last_used_at is stale: the caller records the use separately,
    # so that reads stay reads (see touch_api_key).
    stale_api_key_id: int | None = None


def authenticate(session: Session, settings: Settings, token: str) -> Authenticated:
    """The actor behind a bearer token: an API key (``srk_…``) or a JWT access token."""
    if credentials.api_key_prefix(token) is not None:
        return _api_key_actor(session, token)
    claims = credentials.read_access_token(settings, token)
    return Authenticated(_session_actor(session, claims))


def authenticate_web(session: Session, settings: Settings, token: str) -> Actor:
    """The user behind the web app's session cookie; its login session must be live."""
    claims = credentials.read_access_token(settings, token, audience=credentials.WEB_AUDIENCE)
    return _session_actor(session, claims)


def _session_actor(session: Session, claims: credentials.AccessClaims) -> Actor:
    user = queries.signed_in_user(session, claims.session_id, claims.user_id)
    if user is None:
        raise Unauthorized("this login session has ended; log in again")
    if not user.is_active:
        raise Unauthorized("the account is deactivated")
    scope = user.warehouse_ids or None
    return Actor("user", user.public_id, user.email, Role(user.role), scope, claims.session_id)


def _api_key_actor(session: Session, key: str) -> Authenticated:
    prefix = credentials.api_key_prefix(key)
    assert prefix is not None
    found = queries.key_holder(session, prefix)
    if found is None or not credentials.same_digest(found.key_hash, key):
        raise Unauthorized("the API key is not valid")
    if found.revoked_at is not None:
        raise Unauthorized("the API key was revoked")
    last = found.last_used_at
    stale = last is None or utcnow() - last > LAST_USED_RESOLUTION
    explicit = None if found.permissions is None else frozenset(map(Permission, found.permissions))
    actor = Actor(
        "api_key",
        found.public_id,
        found.name,
        Role(found.role),
        found.warehouse_ids or None,
        permissions=explicit,
    )
    return Authenticated(actor, found.id if stale else None)


def touch_api_key(session: Session, api_key_id: int) -> None:
    """Record that a key was just used (at most once a minute per key)."""
    session.execute(update(ApiKey).where(ApiKey.id == api_key_id).values(last_used_at=utcnow()))
