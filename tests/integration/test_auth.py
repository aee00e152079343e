"""Sign-up, log-in, tokens (expiry, tampering, rotation, reuse), logout, API keys."""

import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from integration.conftest import PASSWORD, ClientFactory
from stockroom.config import Settings
from stockroom.db.types import utcnow
from stockroom.domain.access import Role
from stockroom.services import credentials

API = "/api/v1"


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_first_sign_up_becomes_admin_and_then_sign_up_is_closed(anonymous: TestClient) -> None:
    first = anonymous.post(
        f"{API}/auth/signup",
        json={"email": "Boss@Example.com", "name": "Boss", "password": "a long secret"},
    )
    assert first.status_code == 201, first.text
    assert first.json()["role"] == "admin"
    second = anonymous.post(
        f"{API}/auth/signup",
        json={"email": "other@example.com", "name": "Other", "password": "a long secret"},
    )
    assert second.status_code == 403


def test_self_registration_when_enabled_makes_viewers(
    anonymous: TestClient, client: TestClient
) -> None:
    assert (
        client.patch(f"{API}/system/settings", json={"self_registration": True}).status_code == 200
    )
    joined = anonymous.post(
        f"{API}/auth/signup",
        json={"email": "walk-in@example.com", "name": "Walk In", "password": "a long secret"},
    )
    assert joined.status_code == 201
    assert joined.json()["role"] == "viewer"


def test_weak_password_is_refused(anonymous: TestClient) -> None:
    response = anonymous.post(
        f"{API}/auth/signup", json={"email": "a@example.com", "name": "A", "password": "short"}
    )
    assert response.status_code == 422


def test_login_returns_tokens_and_me_answers(anonymous: TestClient, client: TestClient) -> None:
    tokens = login(anonymous, "ADMIN@example.com").json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = anonymous.get(f"{API}/me", headers=bearer(tokens["access_token"]))
    assert me.json()["email"] == "admin@example.com"
    assert me.json()["role"] == "admin"


def test_wrong_password_and_unknown_user_get_the_same_answer(
    anonymous: TestClient, client: TestClient
) -> None:
    wrong = login(anonymous, "admin@example.com", "not the password")
    unknown = login(anonymous, "ghost@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_unknown_user_costs_a_password_check_too(settings: Settings) -> None:
    """Timing class: verifying against no user still runs argon2 on a decoy hash."""
    passwords = credentials.Passwords(settings.model_copy(update={"password_time_cost": 3}))
    real = passwords.hash("some password here")

    def timed(stored: str | None) -> float:
        # CPU time of the process (argon2's threads included), not wall time: what the
        # check costs, unaffected by whatever else the machine is doing meanwhile.
        start = time.process_time()
        for _ in range(5):
            passwords.verify(stored, "a wrong guess")
        return time.process_time() - start

    # The process's other threads can add CPU time to any one sample, never take it
    # away: the smallest of several interleaved samples is each check's own cost.
    samples = [(timed(real), timed(None)) for _ in range(5)]
    known = min(k for k, _ in samples)
    unknown = min(u for _, u in samples)
    assert unknown > known / 2


def test_no_or_garbage_credentials_are_401(anonymous: TestClient, client: TestClient) -> None:
    assert anonymous.get(f"{API}/products").status_code == 401
    assert anonymous.get(f"{API}/products", headers=bearer("garbage")).status_code == 401
    assert anonymous.get(f"{API}/products", headers={"X-API-Key": "srk_0000_x"}).status_code == 401


def test_expired_access_token_is_401(
    anonymous: TestClient, client: TestClient, settings: Settings
) -> None:
    token = client.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["exp"] = utcnow() - timedelta(seconds=1)
    expired = jwt.encode(claims, settings.signing_secret(), algorithm="HS256")
    response = anonymous.get(f"{API}/me", headers=bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_tampered_access_token_is_401(anonymous: TestClient, client: TestClient) -> None:
    token = client.headers["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert (
        anonymous.get(f"{API}/me", headers=bearer(f"{header}.{payload}.{flipped}")).status_code
        == 401
    )
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}), "another-secret-" + "x" * 32
    )
    assert anonymous.get(f"{API}/me", headers=bearer(forged)).status_code == 401
    unsigned = jwt.encode(jwt.decode(token, options={"verify_signature": False}), None, "none")
    assert anonymous.get(f"{API}/me", headers=bearer(unsigned)).status_code == 401


def test_refresh_rotates_and_the_new_pair_works(anonymous: TestClient, client: TestClient) -> None:
    first = login(anonymous, "admin@example.com").json()
    second = anonymous.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert anonymous.get(f"{API}/me", headers=bearer(pair["access_token"])).status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_session(
    anonymous: TestClient, client: TestClient
) -> None:
    first = login(anonymous, "admin@example.com").json()
    rotated = anonymous.post(
        f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    ).json()
    replay = anonymous.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "reused" in replay.json()["detail"]
    # The thief's replay ended the session: the legitimate new tokens are dead too.
    assert anonymous.get(f"{API}/me", headers=bearer(rotated["access_token"])).status_code == 401
    again = anonymous.post(f"{API}/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 401
    # Other sessions of the same user are untouched.
    assert client.get(f"{API}/me").status_code == 200


def test_logout_ends_the_session_at_once(anonymous: TestClient, client: TestClient) -> None:
    tokens = login(anonymous, "admin@example.com").json()
    assert (
        anonymous.post(f"{API}/auth/logout", headers=bearer(tokens["access_token"])).status_code
        == 204
    )
    assert anonymous.get(f"{API}/me", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = anonymous.post(
        f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401


def test_password_change_ends_other_sessions_and_old_password(
    anonymous: TestClient, client_as: ClientFactory
) -> None:
    staff = client_as(Role.STAFF, email="clerk@example.com")
    elsewhere = login(anonymous, "clerk@example.com").json()
    changed = staff.post(
        f"{API}/me/password",
        json={"current_password": PASSWORD, "new_password": "a new passphrase"},
    )
    assert changed.status_code == 204
    assert staff.get(f"{API}/me").status_code == 200
    assert anonymous.get(f"{API}/me", headers=bearer(elsewhere["access_token"])).status_code == 401
    assert login(anonymous, "clerk@example.com").status_code == 401
    assert login(anonymous, "clerk@example.com", "a new passphrase").status_code == 200


def test_deactivated_user_is_locked_out(
    anonymous: TestClient, client: TestClient, client_as: ClientFactory
) -> None:
    staff = client_as(Role.STAFF, email="leaver@example.com")
    me = staff.get(f"{API}/me").json()
    patched = client.patch(
        f"{API}/users/{me['id']}",
        json={"is_active": False},
        headers={"If-Match": f'"{me["version"]}"'},
    )
    assert patched.status_code == 200
    assert staff.get(f"{API}/me").status_code == 401
    assert login(anonymous, "leaver@example.com").status_code == 401


def test_admin_cannot_deactivate_themselves(client: TestClient) -> None:
    me = client.get(f"{API}/me").json()
    response = client.patch(
        f"{API}/users/{me['id']}",
        json={"is_active": False},
        headers={"If-Match": f'"{me["version"]}"'},
    )
    assert response.status_code == 403


def test_api_key_is_shown_once_works_and_stops_when_revoked(
    anonymous: TestClient, client: TestClient
) -> None:
    created = client.post(f"{API}/api-keys", json={"name": "sync", "role": "viewer"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("srk_")
    listed = client.get(f"{API}/api-keys").json()["items"]
    assert all("key" not in item for item in listed)
    assert anonymous.get(f"{API}/products", headers={"X-API-Key": key}).status_code == 200
    assert anonymous.get(f"{API}/products", headers=bearer(key)).status_code == 200
    # A viewer key cannot move stock.
    ship = {"sku": "X", "location": "MAIN/A-01", "quantity": 1}
    assert (
        anonymous.post(f"{API}/movements/ship", json=ship, headers={"X-API-Key": key}).status_code
        == 403
    )
    revoked = client.delete(f"{API}/api-keys/{created.json()['id']}")
    assert revoked.json()["revoked_at"] is not None
    after = anonymous.get(f"{API}/products", headers={"X-API-Key": key})
    assert after.status_code == 401
    assert "revoked" in after.json()["detail"]


def test_api_key_records_when_it_was_last_used(anonymous: TestClient, client: TestClient) -> None:
    created = client.post(f"{API}/api-keys", json={"name": "sync"}).json()
    assert created["last_used_at"] is None
    anonymous.get(f"{API}/products", headers={"X-API-Key": created["key"]})
    [listed] = client.get(f"{API}/api-keys").json()["items"]
    assert listed["last_used_at"] is not None


def test_a_key_with_a_wrong_secret_is_refused(anonymous: TestClient, client: TestClient) -> None:
    key = client.post(f"{API}/api-keys", json={"name": "sync"}).json()["key"]
    wrong = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    assert anonymous.get(f"{API}/products", headers={"X-API-Key": wrong}).status_code == 401


@pytest.mark.parametrize("email", ["'; DROP TABLE users; --", "x" * 300, "admin@example.com\u0000"])
def test_odd_login_input_is_a_clean_4xx(
    anonymous: TestClient, client: TestClient, email: str
) -> None:
    response = login(anonymous, email)
    assert 400 <= response.status_code < 500
