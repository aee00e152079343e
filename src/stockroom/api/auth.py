"""/auth and /me: sign up, log in, refresh, log out, the current user, password change."""

from fastapi import APIRouter, Request, Response

from stockroom.api import ratelimit
from stockroom.api.deps import PasswordsDep, ReadSession, SettingsDep
from stockroom.api.idempotency import WriterDep
from stockroom.api.schemas.access import (
    LogIn,
    MeRead,
    PasswordChange,
    RefreshIn,
    SignUp,
    TokenPair,
    UserRead,
)
from stockroom.api.security import PUBLIC, Authenticated
from stockroom.domain.access import Role
from stockroom.services import auth, users

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/signup",
    name="auth_signup",
    status_code=201,
    response_model=UserRead,
    dependencies=[PUBLIC],
    responses={403: {"description": "Self-registration is off and the system has users"}},
)
def sign_up(body: SignUp, writer: WriterDep, passwords: PasswordsDep) -> Response:
    """The first user of an empty system becomes admin; later ones need self-registration
    to be enabled by an admin, and start as viewers."""
    new = users.NewUser(body.email, body.name, body.password, Role.VIEWER)

    def work() -> UserRead:
        return UserRead.of(users.sign_up(writer.session, passwords, new))

    return writer.run(work, body=body, status_code=201)


@router.post(
    "/auth/login",
    name="auth_login",
    response_model=TokenPair,
    dependencies=[PUBLIC],
    responses={
        401: {"description": "Unknown email, wrong password or inactive user"},
        429: {"description": "Too many failed logins from this address or for this account"},
    },
)
def log_in(
    body: LogIn,
    request: Request,
    writer: WriterDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
) -> Response:
    """Exchange email and password for a short-lived access token and a refresh token.

    Failed attempts are limited per client address and per account
    (`STOCKROOM_LOGIN_ATTEMPTS_PER_MINUTE`); once over, even the right password gets 429."""
    # Counted before the password is checked, so concurrent guesses cannot overshoot.
    attempt = ratelimit.count_login_attempt(request, body.email)

    def work() -> TokenPair:
        tokens = auth.login(writer.session, settings, passwords, body.email, body.password)
        return TokenPair.of(tokens)

    response = writer.run(work, idempotent=False)
    attempt.succeeded()
    return response


@router.post(
    "/auth/refresh",
    name="auth_refresh",
    response_model=TokenPair,
    dependencies=[PUBLIC],
    responses={401: {"description": "Unknown, expired, revoked or reused refresh token"}},
)
def refresh(body: RefreshIn, writer: WriterDep, settings: SettingsDep) -> Response:
    """Trade a refresh token for a new pair. Each refresh token works once; presenting a
    used one again revokes the whole login session."""
    return writer.run(
        lambda: TokenPair.of(auth.refresh(writer.session, settings, body.refresh_token)),
        idempotent=False,
        commit_on_error=True,
    )


@router.post("/auth/logout", status_code=204, name="auth_logout")
def log_out(actor: Authenticated, writer: WriterDep) -> Response:
    """End this login session: its access and refresh tokens stop working at once."""

    def work() -> None:
        auth.logout(writer.session, actor)

    return writer.run(work)


@router.get("/me", response_model=MeRead, name="me_get")
def get_me(actor: Authenticated, session: ReadSession) -> MeRead:
    """The caller: a user, or the API key the request was made with."""
    return MeRead.of(users.caller(session, actor), actor)


@router.post("/me/password", status_code=204, name="me_change_password")
def change_password(
    body: PasswordChange, actor: Authenticated, writer: WriterDep, passwords: PasswordsDep
) -> Response:
    """Change your password; every other login session of yours ends."""

    def work() -> None:
        users.change_password(
            writer.session, passwords, actor, body.current_password, body.new_password
        )

    return writer.run(work)
