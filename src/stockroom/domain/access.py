"""Who may do what: roles, permissions, and the actor behind a request."""

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from stockroom.domain.errors import Forbidden, NotFound, RuleViolation


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"
    VIEWER = "viewer"


class Permission(StrEnum):
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    WAREHOUSES_WRITE = "warehouses:write"
    STOCK_READ = "stock:read"
    STOCK_MOVE = "stock:move"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    AUDIT_READ = "audit:read"
    USERS_ADMIN = "users:admin"


_VIEWER = frozenset({Permission.CATALOG_READ, Permission.STOCK_READ, Permission.ORDERS_READ})
# Staff reserve, release, fulfil and ship (all stock moves) in their warehouses.
_STAFF = _VIEWER | {Permission.STOCK_MOVE}
# Managers also run the catalog, the warehouses, customers and sales orders.
_MANAGER = _STAFF | {
    Permission.CATALOG_WRITE,
    Permission.WAREHOUSES_WRITE,
    Permission.ORDERS_WRITE,
    Permission.AUDIT_READ,
}

# The one table of who may do what. Every route names the permission it needs.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.STAFF: _STAFF,
    Role.MANAGER: _MANAGER,
    Role.ADMIN: frozenset(Permission),
}
ROLES_LOW_TO_HIGH = (Role.VIEWER, Role.STAFF, Role.MANAGER, Role.ADMIN)
# Administering users, keys and settings reaches every warehouse, so a scoped actor may not.
GLOBAL_PERMISSIONS = frozenset({Permission.USERS_ADMIN})


def lowest_role_covering(permissions: frozenset[Permission]) -> Role:
    """The least powerful role that grants all of ``permissions`` (admin grants all)."""
    return next(r for r in ROLES_LOW_TO_HIGH if permissions <= ROLE_PERMISSIONS[r])


def permissions_of(
    role: Role, explicit: frozenset[Permission] | None, *, scoped: bool
) -> frozenset[Permission]:
    """What a user or key may do: its role's permissions, narrowed to the explicit ones if
    it has them; a scoped one never administers (that concerns every warehouse)."""
    granted = ROLE_PERMISSIONS[role]
    if scoped:
        granted -= GLOBAL_PERMISSIONS
    return granted if explicit is None else explicit & granted


@dataclass(frozen=True)
class Actor:
    """The user or API key a request acts for.

    ``warehouse_ids`` None means every warehouse; otherwise nothing of another warehouse
    can be seen or changed. ``permissions`` None means what the role grants; an API key
    may carry fewer, explicitly.
    """

    kind: str  # "user" or "api_key"
    public_id: uuid.UUID
    name: str
    role: Role
    warehouse_ids: frozenset[int] | None = None
    session_id: uuid.UUID | None = None
    permissions: frozenset[Permission] | None = None

    @property
    def effective_permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role, self.permissions, scoped=self.scoped)

    @property
    def scoped(self) -> bool:
        return self.warehouse_ids is not None

    def can(self, permission: Permission) -> bool:
        return permission in self.effective_permissions

    def may_use_warehouse(self, warehouse_id: int) -> bool:
        return self.warehouse_ids is None or warehouse_id in self.warehouse_ids

    @property
    def label(self) -> str:
        """How ledger and audit rows name the actor: ``user:<id>`` or ``api_key:<id>``."""
        return f"{self.kind}:{self.public_id}"


def admins_are_global(role: Role, warehouses: Collection[object]) -> None:
    """An admin administers every warehouse, so an admin limited to some is refused (422)."""
    if role is Role.ADMIN and warehouses:
        raise RuleViolation("an admin cannot be limited to some warehouses; admins are global")


def key_permissions(
    creator: Actor, role: Role | None, permissions: frozenset[Permission] | None
) -> tuple[Role, frozenset[Permission] | None]:
    """The role and explicit permissions of a new API key (422 if they do not fit).

    Explicit permissions must be the creator's and within the role; without a role, the
    key gets the lowest role that covers them. Without either, a key is staff.
    """
    if permissions is None:
        return role or Role.STAFF, None
    beyond = permissions - creator.effective_permissions
    if beyond:
        raise RuleViolation(f"you cannot grant what you lack: {_names(beyond)}")
    role = role or lowest_role_covering(permissions)
    beyond = permissions - ROLE_PERMISSIONS[role]
    if beyond:
        raise RuleViolation(f"role {role.value} does not grant {_names(beyond)}")
    return role, permissions


def _names(permissions: frozenset[Permission]) -> str:
    return ", ".join(sorted(p.value for p in permissions))


def require_permission(actor: Actor, permission: Permission) -> None:
    """Refuse (403) an actor whose role, key or scope does not grant ``permission``."""
    if permission in GLOBAL_PERMISSIONS and actor.scoped:
        raise Forbidden(f"{permission.value} needs an actor not limited to some warehouses")
    if not actor.can(permission):
        raise Forbidden(f"role {actor.role.value} lacks permission {permission.value}")


def require_warehouse(actor: Actor | None, warehouse_id: int, code: str) -> None:
    """Refuse (403) a change in a warehouse outside the actor's scope; None is the system."""
    if actor is not None and not actor.may_use_warehouse(warehouse_id):
        raise Forbidden(f"warehouse {code} is outside your scope")


def require_unscoped(actor: Actor | None, what: str) -> None:
    """Refuse (403) what concerns every warehouse to an actor limited to some."""
    if actor is not None and actor.scoped:
        raise Forbidden(f"{what} needs an actor not limited to some warehouses")


def require_visible(actor: Actor | None, warehouse_id: int, kind: str, ref: object) -> None:
    """Outside the actor's scope a thing does not exist, as far as they can tell (404)."""
    if actor is not None and not actor.may_use_warehouse(warehouse_id):
        raise NotFound(kind, ref)


@dataclass(frozen=True)
class RequestContext:
    """Who asked, and from where: what the audit trail records with each change."""

    actor: Actor | None = None
    request_id: str | None = None
    client_ip: str | None = None
