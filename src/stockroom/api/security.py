"""Authentication and permission checks, as dependencies every route declares.

A route states what it needs with one of the ``Annotated`` aliases below
(``StockMover``, ``CatalogReader``...) or, for the few open routes, ``PUBLIC``.
``create_app`` refuses to start if an API route has neither, and publishes each route's
permission in the OpenAPI document as ``x-permission``.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from stockroom.api import ratelimit
from stockroom.api.deps import DatabaseDep, SettingsDep
from stockroom.domain.access import Actor, Permission, require_permission
from stockroom.domain.errors import Unauthorized
from stockroom.services import auth
from stockroom.services.unit_of_work import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="Access token or API key")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")

AUTHENTICATED = "authenticated"
PUBLIC_MARK = "public"


def current_actor(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Actor:
    token = bearer.credentials if bearer is not None else api_key
    if not token:
        raise Unauthorized("authentication required: send a Bearer token or an X-API-Key")
    with UnitOfWork(database, write=False) as unit:
        found = auth.authenticate(unit.session, settings, token)
    # Counted once the actor is known, and before anything is written for it.
    ratelimit.check_actor(request, found.actor)
    if found.stale_api_key_id is not None:
        # A write of its own, so that the request itself stays a read if it is one.
        with UnitOfWork(database, write=True) as unit:
            auth.touch_api_key(unit.session, found.stale_api_key_id)
            unit.commit()
    request.state.actor = found.actor
    return found.actor


class Require:
    """Dependency: the request's actor, provided its role grants ``permission``."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission
        self.mark = AUTHENTICATED if permission is None else permission.value

    async def __call__(self, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if self.permission is not None:
            require_permission(actor, self.permission)
        return actor


class Public:
    """Dependency marking a route that needs no credentials (health, docs, login)."""

    mark = PUBLIC_MARK

    async def __call__(self) -> None:
        return None


PUBLIC = Depends(Public())


def route_permission(route: APIRoute) -> str | None:
    """What a route requires: a permission, "authenticated", "public", or None if it forgot."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        mark = getattr(dependant.call, "mark", None)
        if isinstance(mark, str):
            return mark
        pending.extend(dependant.dependencies)
    return None


Authenticated = Annotated[Actor, Depends(Require(None))]
CatalogReader = Annotated[Actor, Depends(Require(Permission.CATALOG_READ))]
CatalogWriter = Annotated[Actor, Depends(Require(Permission.CATALOG_WRITE))]
WarehouseWriter = Annotated[Actor, Depends(Require(Permission.WAREHOUSES_WRITE))]
StockReader = Annotated[Actor, Depends(Require(Permission.STOCK_READ))]
StockMover = Annotated[Actor, Depends(Require(Permission.STOCK_MOVE))]
OrderReader = Annotated[Actor, Depends(Require(Permission.ORDERS_READ))]
OrderWriter = Annotated[Actor, Depends(Require(Permission.ORDERS_WRITE))]
AuditReader = Annotated[Actor, Depends(Require(Permission.AUDIT_READ))]
UserAdmin = Annotated[Actor, Depends(Require(Permission.USERS_ADMIN))]
