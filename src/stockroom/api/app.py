"""The FastAPI application: routers under /api/v1, problem+json errors, body size limit."""

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from stockroom import __version__
from stockroom.api import (
    audit,
    auth,
    categories,
    counts,
    customers,
    docs,
    errors,
    headers,
    health,
    inventory,
    lots,
    methods,
    movements,
    openapi,
    orders,
    po_receipts,
    products,
    purchase_orders,
    putaway,
    ratelimit,
    reorder,
    replenishment,
    reservations,
    suppliers,
    users,
    warehouses,
)
from stockroom.api.admission import Admission
from stockroom.api.limits import BodySizeLimit, RejectNulBytes, RequireJson
from stockroom.api.request_id import RequestId
from stockroom.api.security import route_permission
from stockroom.config import Settings, get_settings
from stockroom.services.credentials import Passwords
from stockroom.services.unit_of_work import Database, connect

API_PREFIX = "/api/v1"

DESCRIPTION = """
Stockroom keeps a stock ledger for many warehouses. Every change of a quantity is a
movement (receive, ship, transfer, adjust, count) recorded in an append-only ledger;
balances are never oversold.

* Quantities are exact decimals, sent as numbers or strings and returned as strings.
* Errors are `application/problem+json` with a stable `code`.
* Every state-changing POST accepts an `Idempotency-Key` header.
* Updates need the version you read (`If-Match` or a `version` field).
* Limits (defaults; the README's "Limits" lists the settings): 600 requests per minute per
  user or API key, 10 failed logins per minute per client address and per account (then
  `429` with `Retry-After`), 1 MiB per body, 500 lines per batch, 500 items per page.
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Stockroom",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # docs.py serves it with vendored assets, so it works offline
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.settings = settings
    app.state.database = database or connect(settings)
    app.state.passwords = Passwords(settings)
    errors.install(app)
    ratelimit.install(app, settings)
    api = APIRouter(prefix=API_PREFIX)
    routers = (
        auth,
        products,
        categories,
        warehouses,
        inventory,
        movements,
        lots,
        reservations,
        customers,
        orders,
        suppliers,
        po_receipts,
        purchase_orders,
        replenishment,
        counts,
        reorder,
        users,
        putaway,
        audit,
    )
    every_router = [*(m.router for m in routers), health.router, docs.router]
    _declare_permissions(every_router)
    openapi.check_operation_ids(route for router in every_router for route in router.routes)
    allowed = methods.AllowedMethods()
    for module in routers:
        api.include_router(module.router)
        allowed.add(API_PREFIX, module.router.routes)
    app.include_router(api)
    app.include_router(health.router)
    allowed.add("", health.router.routes)
    docs.install(app)
    allowed.add("", docs.router.routes)
    methods.install(app, allowed)
    openapi.install(app)
    # Innermost: a request waiting for its turn has cost nothing yet (api/admission.py).
    app.add_middleware(
        Admission, limit=settings.database_pool_size + settings.database_max_overflow
    )
    app.add_middleware(RequireJson)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RejectNulBytes)
    app.add_middleware(RequestId)
    headers.install(app, settings.cors_origins)  # last added = outermost: sees the replies above
    # Outermost of all, so everything inside sees the client a trusted proxy names; it is
    # done here and not by the server so it behaves the same under any server (and in tests).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app


def _declare_permissions(routers: list[APIRouter]) -> None:
    """Every route must say what it needs; it is published as ``x-permission``."""
    for route in (r for router in routers for r in router.routes):
        if not isinstance(route, APIRoute):
            continue
        mark = route_permission(route)
        if mark is None:
            raise RuntimeError(f"{route.path} declares no permission (use PUBLIC or a role alias)")
        route.openapi_extra = {**(route.openapi_extra or {}), "x-permission": mark}
