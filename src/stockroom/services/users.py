"""User accounts: the first admin, invitations by admins, self-registration, profiles."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from stockroom.db.models import ApiKey, SystemSetting, User
from stockroom.db.queries import auth as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.domain.access import Actor, Role, admins_are_global
from stockroom.domain.errors import Duplicate, Forbidden, NotFound, Unauthorized
from stockroom.services import api_keys, auth
from stockroom.services.credentials import Passwords
from stockroom.services.versions import check_version
from stockroom.services.warehouses import get_warehouse

SELF_REGISTRATION = "self_registration"
USER_SORTS = {"email": User.email, "created_at": User.created_at}


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    password: str
    role: Role
    warehouses: tuple[str, ...] = ()  # codes; empty = every warehouse


def create_user(session: Session, passwords: Passwords, new: NewUser) -> User:
    if queries.user_by_email(session, new.email) is not None:
        raise Duplicate("user", "email", new.email)
    auth.check_password_strength(new.password, new.email)
    admins_are_global(new.role, new.warehouses)
    user = User(
        email=new.email.strip(),
        name=new.name,
        password_hash=passwords.hash(new.password),
        role=new.role.value,
        warehouses=[get_warehouse(session, code) for code in new.warehouses],
    )
    session.add(user)
    session.flush()
    return user


def sign_up(session: Session, passwords: Passwords, new: NewUser) -> User:
    """The first user of an empty system becomes admin; later ones only if an admin has
    turned self-registration on, and then as viewers."""
    if not queries.any_user_exists(session):
        return create_user(
            session, passwords, NewUser(new.email, new.name, new.password, Role.ADMIN)
        )
    if not self_registration_enabled(session):
        raise Forbidden("self-registration is off; ask an administrator for an account")
    return create_user(session, passwords, NewUser(new.email, new.name, new.password, Role.VIEWER))


def self_registration_enabled(session: Session) -> bool:
    found = queries.setting(session, SELF_REGISTRATION)
    return bool(found and found.value)


def set_self_registration(session: Session, enabled: bool) -> None:
    found = queries.setting(session, SELF_REGISTRATION)
    if found is None:
        session.add(SystemSetting(key=SELF_REGISTRATION, value=enabled))
    else:
        found.value = enabled
    session.flush()


def list_users(
    session: Session, sort: str | None, cursor: str | None, limit: int, q: str | None = None
) -> Page[User]:
    """``q``: only users whose email or name contains it."""
    stmt = select(User).options(selectinload(User.warehouses))
    if q and q.strip():
        stmt = stmt.where(queries.user_search_clause(q))
    return paginate(session, stmt, parse_sort(sort, USER_SORTS, "email"), User.id, cursor, limit)


def get_user(session: Session, public_id: uuid.UUID) -> User:
    user = queries.user_by_public_id(session, public_id)
    if user is None:
        raise NotFound("user", public_id)
    return user


def me(session: Session, actor: Actor) -> User:
    if actor.kind != "user":
        raise NotFound("user", actor.public_id)
    return get_user(session, actor.public_id)


def caller(session: Session, actor: Actor) -> User | ApiKey:
    """The user or API key a request acts for, as stored."""
    if actor.kind == "api_key":
        return api_keys.get_api_key(session, actor.public_id)
    return get_user(session, actor.public_id)


def update_user(
    session: Session,
    actor: Actor,
    public_id: uuid.UUID,
    changes: dict[str, Any],
    version: int | None,
) -> User:
    """Admins change role, name, warehouse scope, or deactivate (never delete) a user."""
    user = get_user(session, public_id)
    check_version("user", user.version, version)
    if user.public_id == actor.public_id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
    ):
        raise Forbidden("admins cannot demote or deactivate themselves; ask another admin")
    if "warehouses" in changes:
        user.warehouses = [get_warehouse(session, code) for code in changes.pop("warehouses")]
    if "role" in changes:
        user.role = Role(changes.pop("role")).value
    admins_are_global(Role(user.role), user.warehouses)
    for name, value in changes.items():
        setattr(user, name, value)
    if user.is_active is False:
        for login in queries.user_sessions(session, user.id):
            auth.revoke(login, "user deactivated")
    session.flush()
    return user


def change_password(
    session: Session, passwords: Passwords, actor: Actor, current: str, new: str
) -> None:
    """Also ends every other login session of the user."""
    user = me(session, actor)
    if not passwords.verify(user.password_hash, current):
        raise Unauthorized("the current password is wrong")
    auth.check_password_strength(new, user.email)
    user.password_hash = passwords.hash(new)
    for login in queries.user_sessions(session, user.id):
        if login.public_id != actor.session_id:
            auth.revoke(login, "password changed")
    session.flush()


def display_names(session: Session, labels: Iterable[str | None]) -> dict[str, str]:
    """What to call the actors that ledger and audit rows name (``user:<id>``,
    ``api_key:<id>``): a user's name, an API key's name with "(API key)"; a label of no
    one known is left out, so the caller shows it as it is."""
    wanted: dict[str, list[uuid.UUID]] = {"user": [], "api_key": []}
    for label in set(filter(None, labels)):
        kind, _, ref = label.partition(":")
        try:
            wanted[kind].append(uuid.UUID(ref))
        except (KeyError, ValueError):
            continue
    users, keys = queries.names_by_public_id(session, wanted["user"], wanted["api_key"])
    found = {f"user:{public_id}": name for public_id, name in users.items()}
    found.update({f"api_key:{public_id}": f"{name} (API key)" for public_id, name in keys.items()})
    return found
