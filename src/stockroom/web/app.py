"""The web app's routes and static files, added to the application next to the API."""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockroom.web import (
    account,
    admin,
    admin_keys,
    admin_users,
    audit,
    count_tasks,
    counts,
    customers,
    dashboard,
    floor,
    lots,
    offline,
    orders,
    pages,
    po_receiving,
    products,
    purchase_orders,
    replenishment,
    reservations,
    supplier_links,
    suppliers,
)

# One module per business concept, each with its router; a new page goes in one of them
# (or a new module listed here), with its template and a browser test (docs/architecture.md).
MODULES = (
    account,
    dashboard,
    floor,
    offline,
    products,
    orders,
    reservations,
    customers,
    suppliers,
    supplier_links,
    purchase_orders,
    po_receiving,
    replenishment,
    admin,
    admin_users,
    admin_keys,
    audit,
    counts,
    count_tasks,
    lots,
)
# Paths the API answers: their errors stay problem documents.
API_PATHS = ("/api/", "/docs", "/healthz", "/readyz")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    for module in MODULES:
        _check_permissions(module.router)
        app.include_router(module.router)
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    _pages_for_http_errors(app)


def _check_permissions(router: APIRouter) -> None:
    """Every page says who may open it, or the app does not start (as for the API)."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not _declares_access(route):
            raise RuntimeError(f"page {route.path} declares no access (PUBLIC or a role alias)")


def _declares_access(route: APIRoute) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(getattr(dependant.call, "mark", None), str):
            return True
        pending.extend(dependant.dependencies)
    return False


async def _favicon() -> Response:
    return FileResponse(pages.STATIC / "icon.svg", media_type="image/svg+xml")


def _pages_for_http_errors(app: FastAPI) -> None:
    """An unknown address outside the API is a page, not a JSON problem."""
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def handler(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith(API_PATHS):
            answer = api_handler(request, exc)
            return answer if isinstance(answer, Response) else await answer
        message = "There is no page at this address." if exc.status_code == 404 else exc.detail
        return pages.error_page(request, exc.status_code, str(message))

    app.add_exception_handler(StarletteHTTPException, handler)
