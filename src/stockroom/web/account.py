"""Logging in and out of the web app, and changing one's password."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from stockroom.api import ratelimit
from stockroom.api.ratelimit import RateLimited
from stockroom.domain.errors import RuleViolation, Unauthorized
from stockroom.services import auth, users
from stockroom.web import session
from stockroom.web.pages import page_router, render, safe_next
from stockroom.web.session import PUBLIC, SignedIn
from stockroom.web.writes import write

router = page_router()

Text = Annotated[str, Form(max_length=1000)]


@router.get("/login", dependencies=[PUBLIC])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": safe_next(next), "email": ""})


@router.post("/login", dependencies=[PUBLIC])
def log_in(
    request: Request, email: Text, password: Text, next: Annotated[str, Form()] = "/"
) -> Response:
    """The API's login rules: the same limits on failed attempts, the same answer for an
    unknown email and a wrong password."""
    settings = request.app.state.settings
    passwords = request.app.state.passwords
    context = {"next": safe_next(next), "email": email}
    try:
        attempt = ratelimit.count_login_attempt(request, email)
    except RateLimited as exc:
        message = f"Too many failed logins. Try again in {exc.retry_after} seconds."
        response = render(request, "login.html", {**context, "error": message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    try:
        token = write(
            request, lambda s: auth.web_login(s, settings, passwords, email.strip(), password)
        )
    except Unauthorized as exc:
        return render(request, "login.html", {**context, "error": exc.message.capitalize()}, 401)
    attempt.succeeded()
    redirect = RedirectResponse(safe_next(next), status_code=303)
    session.set_session(redirect, request, token, settings)
    return redirect


@router.post("/logout")
def log_out(request: Request, actor: SignedIn) -> Response:
    write(request, lambda s: auth.logout(s, actor))
    response = RedirectResponse("/login", status_code=303)
    session.clear_session(response)
    return response


@router.get("/account/password")
def password_page(request: Request, actor: SignedIn) -> HTMLResponse:
    return render(request, "password.html", {"errors": {}})


@router.post("/account/password")
def change_password(
    request: Request,
    actor: SignedIn,
    current_password: Text,
    new_password: Text,
    repeat_password: Text,
) -> HTMLResponse:
    if new_password != repeat_password:
        errors = {"repeat_password": "The two new passwords differ."}
        return render(request, "password.html", {"errors": errors}, 422)
    passwords = request.app.state.passwords
    try:
        write(
            request,
            lambda s: users.change_password(s, passwords, actor, current_password, new_password),
        )
    except Unauthorized as exc:
        return render(request, "password.html", {"errors": {"current_password": exc.message}}, 422)
    except RuleViolation as exc:
        return render(request, "password.html", {"errors": {"new_password": exc.message}}, 422)
    return render(request, "password.html", {"errors": {}, "done": True})
