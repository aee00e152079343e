"""The FastAPI application: routers under /api/v1, problem+json errors, body size limit."""

from fastapi import APIRouter, FastAPI

from stockroom import __version__
from stockroom.api import categories, errors, health, inventory, movements, products, warehouses
from stockroom.api.limits import BodySizeLimit, RejectNulBytes
from stockroom.config import Settings, get_settings
from stockroom.db.engine import Database, make_engine

API_PREFIX = "/api/v1"

DESCRIPTION = """
Stockroom keeps a stock ledger for many warehouses. Every change of a quantity is a
movement (receive, ship, transfer, adjust, count) recorded in an append-only ledger;
balances are never oversold.

* Quantities are exact decimals, sent as numbers or strings and returned as strings.
* Errors are `application/problem+json` with a stable `code`.
* Every state-changing POST accepts an `Idempotency-Key` header.
* Updates need the version you read (`If-Match` or a `version` field).
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Stockroom",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database or Database(make_engine(settings))
    errors.install(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (products, categories, warehouses, inventory, movements):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RejectNulBytes)
    return app
