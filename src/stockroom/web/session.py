"""Who is using the web app: the session cookie, and the CSRF token every form carries.

The session cookie holds a signed token for the web audience (``services.auth.web_login``)
naming a login session; each request checks that the session is live and the user active,
as the API does for its bearer tokens, so logging out or deactivating a user ends every
page at once. The cookie is HttpOnly (no script reads it), SameSite=Lax and, on https,
Secure.

CSRF: SameSite=Lax already keeps other sites' POSTs from carrying the cookie in current
browsers; the token is the second line, for older browsers and same-site subdomains. It is
an HMAC, under the server's signing secret, of a random per-browser nonce (its own HttpOnly,
SameSite=Strict cookie) and the login session, so a token is worth nothing in another
browser or after logging out, and one seen before login is not accepted after it. Every
unsafe request must send it, in the form (``csrf_token``) or, for htmx and scripts, in the
``X-CSRF-Token`` header. A hand-written check because it is a few lines over the standard
library; the CSRF middlewares on PyPI either keep the token in a readable cookie or do not
bind it to the session.
"""

import base64
import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from stockroom.api import ratelimit
from stockroom.api.deps import DatabaseDep, SettingsDep
from stockroom.config import Settings
from stockroom.domain.access import Actor, Permission, require_permission
from stockroom.domain.errors import Forbidden, Unauthorized
from stockroom.services import auth, credentials
from stockroom.services.unit_of_work import Database, UnitOfWork

SESSION_COOKIE = "stockroom_session"
CSRF_COOKIE = "stockroom_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_MARK = "public"
SIGNED_IN_MARK = "authenticated"


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.web_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_id_of(request: Request, settings: Settings) -> str:
    """The login session the cookie names, if its signature and lifetime hold; else ''.

    No database read: whether the session is still live is the actor check's business.
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ""
    try:
        claims = credentials.read_access_token(settings, token, audience=credentials.WEB_AUDIENCE)
    except Unauthorized:
        return ""
    return str(claims.session_id)


def csrf_nonce(request: Request) -> tuple[str, bool]:
    """The browser's nonce, and whether it is new (then the reply must set the cookie)."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if nonce and 16 <= len(nonce) <= 64:
        return nonce, False
    cached: str | None = getattr(request.state, "new_csrf_nonce", None)
    if cached is None:
        cached = secrets.token_urlsafe(24)
        request.state.new_csrf_nonce = cached
    return cached, True


def csrf_token(settings: Settings, nonce: str, session_id: str) -> str:
    message = f"csrf|{nonce}|{session_id}".encode()
    mac = hmac.new(settings.signing_secret().encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def set_csrf_cookie(response: Response, request: Request, nonce: str) -> None:
    response.set_cookie(
        CSRF_COOKIE, nonce, httponly=True, samesite="strict", secure=is_https(request), path="/"
    )


async def verify_csrf(request: Request, settings: Settings, session_id: str) -> None:
    """An unsafe request must carry this browser's token for this login session."""
    if request.method in SAFE_METHODS:
        return
    nonce = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    expected = csrf_token(settings, nonce, session_id) if nonce else ""
    if not sent or not expected or not hmac.compare_digest(expected, sent):
        raise Forbidden("this form has expired or did not come from Stockroom; reload the page")


def _signed_in(request: Request, database: Database, settings: Settings) -> Actor:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise Unauthorized("log in to continue")
    with UnitOfWork(database, write=False) as unit:
        return auth.authenticate_web(unit.session, settings, token)


class PageRequire:
    """Dependency: the signed-in user, provided their role grants ``permission``.

    Every web route declares one of these or ``PagePublic`` (``web.app`` refuses to start
    otherwise), as every API route does; both check the CSRF token of unsafe requests, so
    no route can forget it. The session is checked first: a form posted after the login
    has ended leads to the login page, not to a CSRF refusal.
    """

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission
        self.mark = SIGNED_IN_MARK if permission is None else permission.value

    async def __call__(
        self, request: Request, database: DatabaseDep, settings: SettingsDep
    ) -> Actor:
        actor = await run_in_threadpool(_signed_in, request, database, settings)
        request.state.actor = actor
        ratelimit.check_actor(request, actor)
        await verify_csrf(request, settings, str(actor.session_id or ""))
        if self.permission is not None:
            require_permission(actor, self.permission)
        return actor


class PagePublic:
    """Dependency marking a page anyone may open (login)."""

    mark = PUBLIC_MARK

    async def __call__(self, request: Request, settings: SettingsDep) -> None:
        await verify_csrf(request, settings, session_id_of(request, settings))


SignedIn = Annotated[Actor, Depends(PageRequire(None))]
CatalogViewer = Annotated[Actor, Depends(PageRequire(Permission.CATALOG_READ))]
CatalogEditor = Annotated[Actor, Depends(PageRequire(Permission.CATALOG_WRITE))]
StockViewer = Annotated[Actor, Depends(PageRequire(Permission.STOCK_READ))]
StockMover = Annotated[Actor, Depends(PageRequire(Permission.STOCK_MOVE))]
OrderViewer = Annotated[Actor, Depends(PageRequire(Permission.ORDERS_READ))]
OrderEditor = Annotated[Actor, Depends(PageRequire(Permission.ORDERS_WRITE))]
AuditViewer = Annotated[Actor, Depends(PageRequire(Permission.AUDIT_READ))]
UserAdmin = Annotated[Actor, Depends(PageRequire(Permission.USERS_ADMIN))]
PUBLIC = Depends(PagePublic())
