"""Who may do what: roles, permissions, and the actor behind a request."""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from stockroom.domain.errors import Forbidden


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


@dataclass(frozen=True)
class Actor:
    """The user or API key a request acts for.

    ``warehouse_ids`` None means every warehouse; otherwise stock outside those warehouses
    can be neither seen nor moved.
    """

    kind: str  # "user" or "api_key"
    public_id: uuid.UUID
    name: str
    role: Role
    warehouse_ids: frozenset[int] | None = None
    session_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def may_use_warehouse(self, warehouse_id: int) -> bool:
        return self.warehouse_ids is None or warehouse_id in self.warehouse_ids

    @property
    def label(self) -> str:
        """How ledger and audit rows name the actor: ``user:<id>`` or ``api_key:<id>``."""
        return f"{self.kind}:{self.public_id}"


def require_warehouse(actor: Actor | None, warehouse_id: int, code: str) -> None:
    """Refuse (403) a change in a warehouse outside the actor's scope; None is the system."""
    if actor is not None and not actor.may_use_warehouse(warehouse_id):
        raise Forbidden(f"warehouse {code} is outside your scope")


@dataclass(frozen=True)
class RequestContext:
    """Who asked, and from where: what the audit trail records with each change."""

    actor: Actor | None = None
    request_id: str | None = None
    client_ip: str | None = None
