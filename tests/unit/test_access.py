"""domain/access: who may do what, within which warehouses."""

import uuid

import pytest

from stockroom.domain.access import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Role,
    admins_are_global,
    key_permissions,
    lowest_role_covering,
    require_permission,
    require_unscoped,
    require_visible,
    require_warehouse,
)
from stockroom.domain.errors import Forbidden, NotFound, RuleViolation

P = Permission


def actor(
    role: Role, scope: set[int] | None = None, permissions: frozenset[Permission] | None = None
) -> Actor:
    found = None if scope is None else frozenset(scope)
    return Actor("user", uuid.uuid4(), "someone", role, found, permissions=permissions)


def test_explicit_permissions_narrow_the_role() -> None:
    key = actor(Role.MANAGER, permissions=frozenset({P.ORDERS_WRITE, P.STOCK_READ}))
    assert key.can(P.ORDERS_WRITE)
    assert not key.can(P.CATALOG_READ)
    # Never beyond the role, whatever was stored.
    assert not actor(Role.VIEWER, permissions=frozenset({P.STOCK_MOVE})).can(P.STOCK_MOVE)


def test_admin_permissions_need_an_unscoped_actor() -> None:
    scoped_admin = actor(Role.ADMIN, {1})
    assert P.USERS_ADMIN not in scoped_admin.effective_permissions
    with pytest.raises(Forbidden, match="not limited"):
        require_permission(scoped_admin, P.USERS_ADMIN)
    require_permission(actor(Role.ADMIN), P.USERS_ADMIN)
    with pytest.raises(Forbidden, match="lacks permission"):
        require_permission(actor(Role.STAFF), P.ORDERS_WRITE)


def test_scope_checks_refuse_outside_warehouses() -> None:
    clerk = actor(Role.STAFF, {1})
    require_warehouse(clerk, 1, "MAIN")
    require_visible(clerk, 1, "order", "x")
    with pytest.raises(Forbidden):
        require_warehouse(clerk, 2, "EAST")
    with pytest.raises(NotFound):
        require_visible(clerk, 2, "order", "x")
    with pytest.raises(Forbidden):
        require_unscoped(clerk, "creating a warehouse")
    for system_or_global in (None, actor(Role.STAFF)):
        require_warehouse(system_or_global, 2, "EAST")
        require_unscoped(system_or_global, "creating a warehouse")


def test_the_lowest_role_covering_permissions() -> None:
    assert lowest_role_covering(frozenset({P.STOCK_READ})) is Role.VIEWER
    assert lowest_role_covering(frozenset({P.STOCK_MOVE, P.ORDERS_READ})) is Role.STAFF
    assert lowest_role_covering(frozenset({P.ORDERS_WRITE})) is Role.MANAGER
    assert lowest_role_covering(frozenset({P.USERS_ADMIN})) is Role.ADMIN
    assert lowest_role_covering(frozenset()) is Role.VIEWER


def test_key_permissions_stay_within_the_creator_and_the_role() -> None:
    admin = actor(Role.ADMIN)
    assert key_permissions(admin, None, None) == (Role.STAFF, None)
    wanted = frozenset({P.ORDERS_WRITE, P.STOCK_READ})
    assert key_permissions(admin, None, wanted) == (Role.MANAGER, wanted)
    assert key_permissions(admin, Role.ADMIN, wanted) == (Role.ADMIN, wanted)
    with pytest.raises(RuleViolation, match="role staff does not grant orders:write"):
        key_permissions(admin, Role.STAFF, wanted)
    with pytest.raises(RuleViolation, match="you cannot grant"):
        key_permissions(actor(Role.STAFF), None, frozenset({P.AUDIT_READ}))


def test_admins_are_global() -> None:
    with pytest.raises(RuleViolation):
        admins_are_global(Role.ADMIN, ("MAIN",))
    admins_are_global(Role.ADMIN, ())
    admins_are_global(Role.MANAGER, ("MAIN",))
    assert frozenset(Permission) == ROLE_PERMISSIONS[Role.ADMIN]
