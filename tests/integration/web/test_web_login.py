"""The web app's login: the session cookie, CSRF on every form, redirects and error pages."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from stockroom.domain.access import Role
from support.web import PASSWORD, PageFactory, form_token, log_in

ClientFactory = Callable[..., TestClient]


def test_a_page_without_login_leads_to_the_login_page_and_back(browser_client: TestClient) -> None:
    reply = browser_client.get("/account/password?from=menu")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/account/password%3Ffrom%3Dmenu"


def test_login_sets_an_http_only_session_cookie_and_goes_where_it_was_asked(
    browser_client: TestClient, page_as: PageFactory
) -> None:
    page_as(Role.STAFF, email="floor@example.com")
    token = form_token(browser_client.get("/login").text)
    reply = browser_client.post(
        "/login",
        data={
            "email": "floor@example.com",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/account/password",
        },
    )
    assert reply.status_code == 303
    assert reply.headers["location"] == "/account/password"
    cookie = next(h for h in reply.headers.get_list("set-cookie") if "stockroom_session=" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert browser_client.get("/").status_code == 200


def test_login_never_redirects_to_another_site(
    browser_client: TestClient, page_as: PageFactory
) -> None:
    page_as(Role.VIEWER, email="v@example.com")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        token = form_token(browser_client.get("/login").text)
        reply = browser_client.post(
            "/login",
            data={
                "email": "v@example.com",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert reply.headers["location"] == "/"


def test_a_wrong_password_shows_the_form_again_with_the_email_kept(
    browser_client: TestClient, page_as: PageFactory
) -> None:
    page_as(Role.STAFF, email="s@example.com")
    token = form_token(browser_client.get("/login").text)
    reply = browser_client.post(
        "/login", data={"email": "s@example.com", "password": "nope", "csrf_token": token}
    )
    assert reply.status_code == 401
    assert "Email or password is wrong" in reply.text
    assert 'value="s@example.com"' in reply.text
    assert "stockroom_session" not in reply.headers.get("set-cookie", "")


def test_failed_logins_are_limited_like_the_api(
    browser_client: TestClient, page_as: PageFactory, settings: object
) -> None:
    page_as(Role.STAFF, email="guess@example.com")
    token = form_token(browser_client.get("/login").text)
    statuses = [
        browser_client.post(
            "/login",
            data={"email": "guess@example.com", "password": f"wrong{i}", "csrf_token": token},
        ).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # Even the right password, until the minute has passed.
    right = browser_client.post(
        "/login", data={"email": "guess@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 429
    assert "Too many failed logins" in right.text


def test_a_post_without_the_csrf_token_is_refused(
    browser_client: TestClient, page_as: PageFactory
) -> None:
    client = page_as(Role.STAFF)
    reply = client.post("/logout")
    assert reply.status_code == 403
    assert "did not come from Stockroom" in reply.text
    assert client.get("/").status_code == 200  # still logged in
    # Nor a token from another browser.
    other = form_token(browser_client.get("/login").text)
    assert client.post("/logout", data={"csrf_token": other}).status_code == 403


def test_a_token_from_before_the_login_is_not_good_after_it(
    browser_client: TestClient, page_as: PageFactory
) -> None:
    page_as(Role.STAFF, email="fixated@example.com")
    before = form_token(browser_client.get("/login").text)
    log_in(browser_client, "fixated@example.com")
    assert browser_client.post("/logout", data={"csrf_token": before}).status_code == 403
    after = form_token(browser_client.get("/").text)
    assert browser_client.post("/logout", data={"csrf_token": after}).status_code == 303


def test_logout_ends_the_session_for_good(page_as: PageFactory) -> None:
    client = page_as(Role.STAFF)
    cookie = client.cookies.get("stockroom_session")
    token = form_token(client.get("/").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.cookies.set("stockroom_session", cookie)  # a copy kept by an attacker
    assert client.get("/").status_code == 303


def test_an_api_token_is_no_session_cookie(
    browser_client: TestClient, client_as: ClientFactory
) -> None:
    api = client_as(Role.ADMIN)
    bearer = api.headers["Authorization"].removeprefix("Bearer ")
    assert api.get("/api/v1/me").status_code == 200
    browser_client.cookies.set("stockroom_session", bearer)
    assert browser_client.get("/").status_code == 303


def test_unknown_pages_are_pages_and_unknown_api_paths_stay_json(
    browser_client: TestClient,
) -> None:
    page = browser_client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = browser_client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_pages_carry_a_strict_content_security_policy(browser_client: TestClient) -> None:
    reply = browser_client.get("/login")
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert reply.headers["cache-control"] == "no-store"
    assert reply.headers["x-frame-options"] == "DENY"


def test_a_form_posted_after_the_login_ended_leads_back_to_its_page(
    browser_client: TestClient,
) -> None:
    page = browser_client.get("/login")
    assert page.headers["referrer-policy"] == "same-origin"  # the browser sends the Referer
    token = form_token(page.text)
    plain = browser_client.post(
        "/floor/receive",
        data={"csrf_token": token, "sku": "TEA"},
        headers={"referer": "http://testserver/floor/receive?sku=TEA"},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/login?next=/floor/receive"
    htmx = browser_client.post(
        "/floor/ship",
        data={"csrf_token": token},
        headers={"hx-request": "true", "hx-current-url": "http://testserver/floor/ship"},
    )
    assert htmx.status_code == 204
    assert htmx.headers["hx-redirect"] == "/login?next=/floor/ship"
