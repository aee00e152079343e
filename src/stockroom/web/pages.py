"""Rendering pages: the templates, the headers every page carries, and error pages.

A page route is a FastAPI route of ``PageRoute``: a domain error raised anywhere in it (its
dependencies included) becomes a page in words, never a stack trace or a JSON problem; an
ended session sends the browser to the login page and back.
"""

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from stockroom import __version__
from stockroom.api.errors import ApiProblem, status_of
from stockroom.config import Settings
from stockroom.domain.access import Actor, Permission
from stockroom.domain.errors import DomainError, Unauthorized
from stockroom.web import session
from stockroom.web.formats import FILTERS

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
templates.env.filters.update(FILTERS)
templates.env.globals.update(Permission=Permission, version=__version__)

# Everything from Stockroom itself; no inline script or style, so an injected tag does
# nothing even if escaping were ever missed. ``blob:`` images: the camera's snapshots.
PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PAGE_HEADERS = {
    "content-security-policy": PAGE_POLICY,
    # Pages show stock figures and who did what: a shared device must not keep them.
    "cache-control": "no-store",
    # The API's "no-referrer" would leave a form posted after the login ended without its
    # way back (to_login); other sites still learn nothing.
    "referrer-policy": "same-origin",
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page (or, for htmx, a fragment) with the signed-in user, the CSRF token and the
    headers every page carries."""
    settings = _settings(request)
    nonce, new = session.csrf_nonce(request)
    actor: Actor | None = getattr(request.state, "actor", None)
    # A signed-in page already read its login session from the cookie; decode it only
    # for the pages anyone may open (the login page).
    if actor is not None and actor.session_id is not None:
        login_session = str(actor.session_id)
    else:
        login_session = session.session_id_of(request, settings)
    values = {
        "actor": actor,
        "csrf_token": session.csrf_token(settings, nonce, login_session),
        "csrf_field": session.CSRF_FIELD,
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request, template, values, status_code=status, headers=PAGE_HEADERS
    )
    if new:
        session.set_csrf_cookie(response, request, nonce)
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only, never another host."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def to_login(request: Request) -> Response:
    """Send the browser to the login page, and back here afterwards. A form posted with
    an ended session comes back to the page it was posted from (its input is kept by the
    browser, see app.js), never to the POST itself."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in session.SAFE_METHODS:
        # The page the form was on: htmx names it, a plain form post has the Referer.
        came_from = request.headers.get("hx-current-url") or request.headers.get("referer")
        back = urlsplit(came_from).path if came_from else "/"
    target = f"/login?next={quote(safe_next(back), safe='/')}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    response = RedirectResponse(target, status_code=303)
    session.clear_session(response)
    return response


TITLES = {
    400: "That request was not understood",
    403: "You don't have access to this",
    404: "Not found",
    405: "Not allowed here",
    409: "That could not be done",
    422: "That could not be done",
    429: "Too many requests",
}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    title = TITLES.get(status, "Something went wrong")
    response = render(request, "error.html", {"title": title, "message": message}, status)
    if is_htmx(request):
        # htmx swaps only 2xx replies; the page's error slot shows this one (app.js).
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A web route: failures become pages (see the module's docstring)."""

    def get_route_handler(self) -> Endpoint:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized:
                return to_login(request)
            except DomainError as exc:
                return error_page(request, status_of(exc), exc.message)
            except ApiProblem as exc:  # the rate limiter's 429
                response = error_page(request, exc.status, exc.detail)
                retry = exc.extra.get("retry_after")
                if retry is not None:
                    response.headers["Retry-After"] = str(retry)
                return response
            except RequestValidationError:
                return error_page(request, 400, "Some of the address or form was not valid.")

        return run


def page_router(prefix: str = "") -> APIRouter:
    """The router of a web module: pages out of the OpenAPI document, failures as pages."""
    return APIRouter(prefix=prefix, route_class=PageRoute, include_in_schema=False)
