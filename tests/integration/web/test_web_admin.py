"""The admin pages over HTTP: users, API keys and the audit trail, with the API's rules.

Who may open what (admins: users and keys; managers: the audit trail; staff and viewers:
nothing, GET or POST), validation errors next to their fields, an API key's secret shown
exactly once, CSRF, escaping, and the audit trail's warehouse scope.
"""

import re
import uuid
from collections.abc import Mapping, Sequence

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from factories import stocked_with
from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.domain.access import Actor, Role
from stockroom.services import api_keys, users, warehouses
from stockroom.services.credentials import Passwords
from support.web import PASSWORD, PageFactory, form_token, log_in

FORBIDDEN_WORDS = "You don&#39;t have access to this"
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FormData = Mapping[str, str | Sequence[str]]


def send(
    client: TestClient, action: str, data: FormData, headers: dict[str, str] | None = None
) -> Response:
    """Post ``data`` to ``action`` with this browser's CSRF token, as a page's form does."""
    token = form_token(client.get("/account/password").text)
    return client.post(action, data={**data, "csrf_token": token}, headers=headers or {})


def errors_of(html: str) -> dict[str, str]:
    """Each field's error message, by field name (the ids the field macro gives them)."""
    found = re.findall(r'<p class="field-error" id="f-([a-z_]+)-error">([^<]*)</p>', html)
    return dict(found)


def user_id(db: Database, email: str) -> uuid.UUID:
    with db.session(write=False) as session:
        found = users.list_users(session, None, None, 500, email)
        return next(u.public_id for u in found.items if u.email == email)


def make_user(
    db: Database,
    settings: Settings,
    email: str,
    role: Role,
    name: str = "Someone",
    scope: tuple[str, ...] = (),
) -> uuid.UUID:
    with db.session(write=True) as session:
        new = users.NewUser(email, name, PASSWORD, role, scope)
        created = users.create_user(session, Passwords(settings), new).public_id
        session.commit()
    return created


@pytest.fixture
def admin(page_as: PageFactory, world: Database) -> TestClient:
    return page_as(Role.ADMIN, email="boss@example.com")


# --- Who may open what ---------------------------------------------------------------


def test_the_admin_page_shows_an_admin_every_section(admin: TestClient) -> None:
    page = admin.get("/admin")
    assert page.status_code == 200
    for link in ('href="/admin/users"', 'href="/admin/api-keys"', 'href="/admin/audit"'):
        assert link in page.text


def test_a_manager_sees_the_audit_trail_but_not_users_or_keys(
    page_as: PageFactory, world: Database
) -> None:
    manager = page_as(Role.MANAGER)
    home = manager.get("/admin")
    assert home.status_code == 200
    assert 'href="/admin/audit"' in home.text
    assert 'href="/admin/users"' not in home.text
    assert 'href="/admin/api-keys"' not in home.text
    assert manager.get("/admin/audit").status_code == 200
    for url in ("/admin/users", "/admin/users/new", "/admin/api-keys"):
        reply = manager.get(url)
        assert reply.status_code == 403, url
        assert FORBIDDEN_WORDS in reply.text
    refused = send(manager, "/admin/users", {"email": "x@example.com", "name": "X"})
    assert refused.status_code == 403


@pytest.mark.parametrize("role", [Role.STAFF, Role.VIEWER])
def test_staff_and_viewers_get_a_403_page_on_every_admin_url(
    page_as: PageFactory, world: Database, settings: Settings, role: Role
) -> None:
    other = make_user(world, settings, "other@example.com", Role.STAFF)
    with world.session(write=True) as session:
        key = api_keys.create_api_key(session, _system_admin(), "shop", None, ()).key.public_id
        session.commit()
    client = page_as(role)
    assert 'href="/admin"' not in client.get("/").text  # not even offered in the menu
    pages = [
        "/admin",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{other}",
        f"/admin/users/{other}/deactivate",
        f"/admin/users/{other}/reactivate",
        "/admin/api-keys",
        f"/admin/api-keys/{key}/revoke",
        "/admin/audit",
    ]
    for url in pages:
        reply = client.get(url)
        assert reply.status_code == 403, url
        assert reply.headers["content-type"].startswith("text/html")
        assert FORBIDDEN_WORDS in reply.text, url
    forms = {
        "/admin/users": {
            "email": "new@example.com",
            "name": "New",
            "role": "admin",
            "password": "x" * 12,
        },
        f"/admin/users/{other}": {"name": "Renamed", "role": "admin", "version": "1"},
        f"/admin/users/{other}/deactivate": {"version": "1"},
        "/admin/api-keys": {"name": "stolen"},
        f"/admin/api-keys/{key}/revoke": {},
    }
    for url, data in forms.items():
        reply = send(client, url, data)  # with a good CSRF token: refused for the role
        assert reply.status_code == 403, url
        assert FORBIDDEN_WORDS in reply.text, url
        assert "did not come from Stockroom" not in reply.text
    with world.session(write=False) as session:
        assert users.get_user(session, other).is_active
        assert users.get_user(session, other).name == "Someone"
        assert api_keys.get_api_key(session, key).revoked_at is None
        assert len(api_keys.list_api_keys(session, None, 50).items) == 1
        assert len(users.list_users(session, None, None, 50, "new@example.com").items) == 0


def _system_admin() -> Actor:
    """An unscoped admin actor, to make keys directly through the service."""
    return Actor("user", uuid.uuid4(), "setup", Role.ADMIN)


def test_every_admin_form_needs_the_csrf_token(admin: TestClient, world: Database) -> None:
    reply = admin.post(
        "/admin/users",
        data={"email": "csrf@example.com", "name": "C", "role": "staff", "password": "x" * 12},
    )
    assert reply.status_code == 403
    assert "did not come from Stockroom" in reply.text
    assert admin.post("/admin/api-keys", data={"name": "k"}).status_code == 403
    with world.session(write=False) as session:
        assert users.list_users(session, None, None, 50, "csrf@").items == []
        assert api_keys.list_api_keys(session, None, 50).items == []


# --- Users -----------------------------------------------------------------------------


def test_an_admin_creates_a_user_with_a_role_and_warehouses(
    admin: TestClient, world: Database, page_as: PageFactory
) -> None:
    form = admin.get("/admin/users/new").text
    for code in ("MAIN", "EAST"):
        assert f'name="warehouses" value="{code}"' in form
    reply = send(
        admin,
        "/admin/users",
        {
            "email": "picker@example.com",
            "name": "Pat Picker",
            "role": "staff",
            "warehouses": ["MAIN"],
            "password": "a long enough one",
        },
    )
    assert reply.status_code == 303
    created = user_id(world, "picker@example.com")
    assert reply.headers["location"] == f"/admin/users/{created}?done=user-created"
    page = admin.get(reply.headers["location"]).text
    assert "The user is created" in page
    with world.session(write=False) as session:
        user = users.get_user(session, created)
        assert (user.name, user.role, [w.code for w in user.warehouses]) == (
            "Pat Picker",
            "staff",
            ["MAIN"],
        )
    log_in(TestClient(admin.app, follow_redirects=False), "picker@example.com", "a long enough one")


def test_creating_a_user_shows_each_error_next_to_its_field_and_keeps_the_input(
    admin: TestClient, world: Database
) -> None:
    reply = send(
        admin,
        "/admin/users",
        {"email": "not-an-email", "name": "  ", "role": "boss", "password": "short-secret"},
    )
    assert reply.status_code == 422
    errors = errors_of(reply.text)
    assert "valid email" in errors["email"]
    assert errors["name"] == "This is required."
    assert "staff" in errors["role"]  # the roles it may be
    assert 'value="not-an-email"' in reply.text
    assert "short-secret" not in reply.text  # a password is never sent back
    # The service's rules, in words, next to their fields.
    short = send(
        admin,
        "/admin/users",
        {"email": "ok@example.com", "name": "Ok", "role": "staff", "password": "short"},
    )
    assert short.status_code == 422
    assert errors_of(short.text) == {"password": "A password needs at least 10 characters."}
    global_admin = send(
        admin,
        "/admin/users",
        {
            "email": "ok@example.com",
            "name": "Ok",
            "role": "admin",
            "warehouses": ["EAST"],
            "password": "a long enough one",
        },
    )
    assert errors_of(global_admin.text) == {
        "warehouses": "An admin cannot be limited to some warehouses; admins are global."
    }
    assert re.search(r'value="EAST" checked', global_admin.text)  # still ticked
    taken = send(
        admin,
        "/admin/users",
        {"email": "BOSS@example.com", "name": "Ok", "role": "staff", "password": "a long one!"},
    )
    assert errors_of(taken.text) == {"email": "A user with this email already exists."}


def test_the_user_list_is_searched_by_email_or_name_and_cursor_paged(
    admin: TestClient, world: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(world, settings, "ann@example.com", Role.STAFF, name="Ann Archer")
    make_user(world, settings, "bob@shop.example", Role.VIEWER, name="Bob Baker")
    make_user(world, settings, "cy@example.com", Role.MANAGER, name="Cy Cooper", scope=("EAST",))
    by_name = admin.get("/admin/users", params={"q": "baker"}).text
    assert "bob@shop.example" in by_name
    assert "ann@example.com" not in by_name
    by_email = admin.get("/admin/users", params={"q": "SHOP.ex"}).text
    assert "Bob Baker" in by_email
    assert "Cy Cooper" not in by_email
    assert "No user's email or name contains" in admin.get("/admin/users?q=zzz").text
    # A search for the wildcards themselves finds no one (they are matched as written).
    assert "ann@example.com" not in admin.get("/admin/users", params={"q": "%"}).text

    monkeypatch.setattr("stockroom.web.admin_users.PAGE_SIZE", 2)
    seen: list[str] = []
    url: str | None = "/admin/users"
    while url:
        page = admin.get(url).text
        seen += re.findall(r'data-label="Email">([^<]+)<', page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == sorted(
        ["ann@example.com", "bob@shop.example", "boss@example.com", "cy@example.com"]
    )
    listed = admin.get("/admin/users", params={"q": "cy@"}).text
    assert "EAST" in listed
    assert "Manager" in listed


def test_an_admin_changes_a_users_role_scope_and_name(
    admin: TestClient, world: Database, settings: Settings
) -> None:
    someone = make_user(world, settings, "sam@example.com", Role.VIEWER, name="Sam")
    form = admin.get(f"/admin/users/{someone}").text
    assert 'name="version" value="1"' in form
    reply = send(
        admin,
        f"/admin/users/{someone}",
        {"name": "Sam Smith", "role": "manager", "warehouses": ["MAIN", "EAST"], "version": "1"},
    )
    assert reply.status_code == 303
    assert "The changes to the user are saved" in admin.get(reply.headers["location"]).text
    with world.session(write=False) as session:
        user = users.get_user(session, someone)
        assert (user.name, user.role) == ("Sam Smith", "manager")
        assert sorted(w.code for w in user.warehouses) == ["EAST", "MAIN"]
    # No box ticked: every warehouse again.
    send(admin, f"/admin/users/{someone}", {"name": "Sam Smith", "role": "manager", "version": "2"})
    with world.session(write=False) as session:
        assert users.get_user(session, someone).warehouses == []


def test_editing_a_user_someone_else_changed_meanwhile_says_so(
    admin: TestClient, world: Database, settings: Settings
) -> None:
    someone = make_user(world, settings, "sam@example.com", Role.VIEWER, name="Sam")
    stale = send(admin, f"/admin/users/{someone}", {"name": "A", "role": "staff", "version": "1"})
    assert stale.status_code == 303
    again = send(admin, f"/admin/users/{someone}", {"name": "B", "role": "viewer", "version": "1"})
    assert again.status_code == 409
    assert "Someone else changed this user while you were editing it." in again.text
    assert "It now reads: name “A”, role staff, every warehouse." in again.text
    assert 'value="B"' in again.text  # what was typed is kept
    assert 'name="version" value="2"' in again.text  # saving again is a knowing choice
    with world.session(write=False) as session:
        assert users.get_user(session, someone).name == "A"
    invalid = send(admin, f"/admin/users/{someone}", {"name": "", "role": "staff", "version": "2"})
    assert invalid.status_code == 422
    assert "name" in errors_of(invalid.text)


def test_an_admin_cannot_demote_or_deactivate_themself(admin: TestClient, world: Database) -> None:
    me = user_id(world, "boss@example.com")
    page = admin.get(f"/admin/users/{me}").text
    assert "You cannot deactivate your own account" in page
    assert f"/admin/users/{me}/deactivate" not in page
    demote = send(admin, f"/admin/users/{me}", {"name": "Boss", "role": "staff", "version": "1"})
    assert demote.status_code == 422
    assert errors_of(demote.text) == {
        "role": "Admins cannot demote or deactivate themselves; ask another admin."
    }
    deactivate = send(admin, f"/admin/users/{me}/deactivate", {"version": "1"})
    assert deactivate.status_code == 403
    assert "Admins cannot demote or deactivate themselves" in deactivate.text
    with world.session(write=False) as session:
        assert users.get_user(session, me).is_active
        assert users.get_user(session, me).role == "admin"


def test_deactivating_asks_first_ends_the_users_logins_and_reactivating_lets_them_back(
    admin: TestClient, world: Database, page_as: PageFactory
) -> None:
    leaver = page_as(Role.STAFF, email="leaver@example.com")
    assert leaver.get("/").status_code == 200
    them = user_id(world, "leaver@example.com")
    confirm = admin.get(f"/admin/users/{them}/deactivate")
    assert confirm.status_code == 200
    assert "Deactivate Staff?" in confirm.text
    assert "logged out everywhere at once" in confirm.text
    with world.session(write=False) as session:
        assert users.get_user(session, them).is_active  # asking changes nothing
    done = send(admin, f"/admin/users/{them}/deactivate", {"version": "1"})
    assert done.status_code == 303
    assert "The user is deactivated" in admin.get(done.headers["location"]).text
    assert leaver.get("/").status_code == 303  # their session ended
    assert "Deactivated" in admin.get("/admin/users").text
    back = send(admin, f"/admin/users/{them}/reactivate", {"version": "2"})
    assert back.status_code == 303
    assert "The user is reactivated" in admin.get(back.headers["location"]).text
    log_in(leaver, "leaver@example.com")
    assert leaver.get("/").status_code == 200


def test_names_are_escaped_on_the_user_pages(
    admin: TestClient, world: Database, settings: Settings
) -> None:
    evil = make_user(world, settings, "evil@example.com", Role.VIEWER, name=XSS)
    for url in ("/admin/users", f"/admin/users/{evil}", f"/admin/users/{evil}/deactivate"):
        page = admin.get(url).text
        assert XSS not in page, url
        assert ESCAPED in page, url
    typed = send(
        admin,
        "/admin/users",
        {"email": XSS, "name": XSS, "role": "staff", "password": "a long enough one"},
    )
    assert typed.status_code == 422
    assert XSS not in typed.text


# --- API keys --------------------------------------------------------------------------

SECRET = re.compile(r"srk_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


def test_a_new_keys_secret_is_shown_exactly_once(admin: TestClient, world: Database) -> None:
    reply = send(
        admin,
        "/admin/api-keys",
        {"name": "Web shop", "role": "staff", "warehouses": ["MAIN"]},
    )
    assert reply.status_code == 201
    assert reply.headers["cache-control"] == "no-store"
    secrets_shown = SECRET.findall(reply.text)
    assert len(secrets_shown) == 1
    secret = secrets_shown[0]
    assert reply.text.count(secret) == 1
    assert "Copy it now: it will not be shown again." in reply.text
    # Never again: not in the list, not on reload, not on the next page.
    for _ in range(2):
        listed = admin.get("/admin/api-keys")
        assert secret not in listed.text
        assert SECRET.search(listed.text) is None
        assert "Web shop" in listed.text
        assert f"{secret[:12]}…" in listed.text  # its visible start, to recognise it
    # And it works against the API, with the scope it was given.
    api = TestClient(admin.app, headers={"X-API-Key": secret})
    me = api.get("/api/v1/me").json()
    assert (me["kind"], me["role"], me["warehouses"]) == ("api_key", "staff", ["MAIN"])


def test_a_key_created_with_htmx_comes_back_as_the_part_of_the_page_it_replaces(
    admin: TestClient, world: Database
) -> None:
    reply = send(admin, "/admin/api-keys", {"name": "Gateway"}, headers={"HX-Request": "true"})
    assert reply.status_code == 201
    assert reply.text.lstrip().startswith('<div id="keys-body">')
    assert "<html" not in reply.text
    assert len(SECRET.findall(reply.text)) == 1
    listed = admin.get("/admin/api-keys").text
    assert "Gateway" in listed
    assert SECRET.search(listed) is None


def test_the_key_list_shows_role_scope_permissions_and_use(
    admin: TestClient, world: Database
) -> None:
    send(
        admin,
        "/admin/api-keys",
        {"name": "Counter", "permissions": ["stock:read", "catalog:read"]},
    )
    page = admin.get("/admin/api-keys").text
    row = page[page.index("Counter") :]
    row = row[: row.index("</tr>")]
    assert "Viewer" in row  # the lowest role that grants them
    assert "catalog:read, stock:read" in row
    assert 'data-label="Warehouses">All' in row
    assert 'data-label="Last used">Never' in row
    assert "Revoke" in row


def test_key_form_errors_are_next_to_their_fields(admin: TestClient, world: Database) -> None:
    empty = send(admin, "/admin/api-keys", {"name": " "})
    assert empty.status_code == 422
    assert errors_of(empty.text) == {"name": "This is required."}
    beyond = send(
        admin,
        "/admin/api-keys",
        {"name": "Too much", "role": "viewer", "permissions": ["stock:move"]},
    )
    assert beyond.status_code == 422
    assert errors_of(beyond.text) == {"permissions": "Role viewer does not grant stock:move."}
    assert 'value="Too much"' in beyond.text
    assert re.search(r'value="stock:move" checked', beyond.text)
    admin_key = send(
        admin, "/admin/api-keys", {"name": "Root", "role": "admin", "warehouses": ["MAIN"]}
    )
    assert "admins are global" in errors_of(admin_key.text)["warehouses"]
    unknown = send(admin, "/admin/api-keys", {"name": "Nowhere", "warehouses": ["NOPE"]})
    assert errors_of(unknown.text) == {"warehouses": "Warehouse NOPE not found."}
    bad_permission = send(admin, "/admin/api-keys", {"name": "X", "permissions": ["root"]})
    assert "permissions" in errors_of(bad_permission.text)
    for reply in (empty, beyond, admin_key, unknown, bad_permission):
        assert SECRET.search(reply.text) is None
    with world.session(write=False) as session:
        assert api_keys.list_api_keys(session, None, 50).items == []


def test_revoking_a_key_asks_first_then_the_api_refuses_it(
    admin: TestClient, world: Database
) -> None:
    secret = SECRET.findall(send(admin, "/admin/api-keys", {"name": "Old shop"}).text)[0]
    with world.session(write=False) as session:
        key = api_keys.list_api_keys(session, None, 50).items[0].public_id
    api = TestClient(admin.app, headers={"X-API-Key": secret})
    assert api.get("/api/v1/me").status_code == 200
    confirm = admin.get(f"/admin/api-keys/{key}/revoke")
    assert "Revoke the key “Old shop”?" in confirm.text
    assert api.get("/api/v1/me").status_code == 200  # asking changes nothing
    done = send(admin, f"/admin/api-keys/{key}/revoke", {})
    assert done.status_code == 303
    page = admin.get(done.headers["location"]).text
    assert "The API key is revoked" in page
    assert "Revoked " in page
    assert api.get("/api/v1/me").status_code == 401
    assert "was revoked" in admin.get(f"/admin/api-keys/{key}/revoke").text


def test_key_names_are_escaped(admin: TestClient, world: Database) -> None:
    reply = send(admin, "/admin/api-keys", {"name": XSS})
    assert reply.status_code == 201
    assert XSS not in reply.text
    assert ESCAPED in reply.text
    listed = admin.get("/admin/api-keys").text
    assert XSS not in listed
    assert ESCAPED in listed


# --- The audit trail -------------------------------------------------------------------

ROW = re.compile(
    r'data-label="Action">([^<]*)</td>\s*<td data-label="What">([a-z ]+) <a[^>]*>([^<]*)</a></td>'
    r'\s*<td data-label="Warehouse">([^<]*)</td>'
)


def entries(html: str) -> list[tuple[str, str, str, str]]:
    """(action, entity type, entity id, warehouse) of each listed entry, in order."""
    return ROW.findall(html)


@pytest.fixture
def trail(world: Database, admin: TestClient) -> Database:
    """Stock received in MAIN and EAST (by the system), and a user renamed by the admin."""
    stocked_with(world, ("WIDGET", "MAIN/A-01", 5), ("COFFEE", "EAST/A-01", 2))
    created = send(
        admin,
        "/admin/users",
        {"email": "sam@example.com", "name": "Sam", "role": "viewer", "password": "long enough!"},
    )
    sam = created.headers["location"].split("/")[3].split("?")[0]
    send(admin, f"/admin/users/{sam}", {"name": "Sam Smith", "role": "viewer", "version": "1"})
    return world


def test_the_audit_trail_lists_every_change_newest_first_with_its_values(
    admin: TestClient, trail: Database
) -> None:
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    listed = entries(page.text)
    assert listed[0][:2] == ("update", "user")
    assert ("receive", "stock movement") in [e[:2] for e in listed]
    assert {e[3] for e in listed} >= {"MAIN", "EAST", "—"}
    renamed = page.text[page.text.index("update</td>") :]
    renamed = renamed[: renamed.index("</details>")]
    assert (
        '<th scope="row">name</th><td class="before">Sam</td><td class="after">Sam Smith</td>'
        in renamed
    )
    assert "boss@example.com" in page.text  # who did it
    assert "Not sealed yet" in page.text or "Sealed as #" in page.text


def test_the_audit_trail_filters_by_action_type_id_actor_warehouse_and_days(
    admin: TestClient, trail: Database
) -> None:
    def listed(**filters: str) -> list[tuple[str, str, str, str]]:
        reply = admin.get("/admin/audit", params=filters)
        assert reply.status_code == 200, reply.text
        return entries(reply.text)

    assert {e[0] for e in listed(action="receive")} == {"receive"}
    assert len(listed(action="receive")) == 2
    assert {e[3] for e in listed(warehouse="EAST")} == {"EAST"}
    assert {e[1] for e in listed(entity_type="user")} == {"user"}
    by_admin = listed(actor="boss@example.com")
    assert by_admin
    assert {e[1] for e in by_admin} <= {"user", "auth session"}
    assert listed(actor="nobody@example.com") == []
    sam = listed(entity_type="user", action="update")[0][2]
    assert [e[0] for e in listed(entity_id=sam)] == ["update", "create"]
    assert listed(**{"from": "2999-01-01"}) == []
    assert listed(to="2000-01-01") == []
    today = listed(**{"from": "2000-01-01", "to": "2999-12-31"})
    assert len(today) == len(listed())
    assert len(listed(to="9999-12-31")) == len(listed())  # the last day there is


def test_audit_filter_errors_are_next_to_their_fields(admin: TestClient, trail: Database) -> None:
    bad_day = admin.get("/admin/audit", params={"from": "31/01/2026", "actor": "boss@example.com"})
    assert bad_day.status_code == 422
    assert errors_of(bad_day.text) == {"from": "Enter a date as year-month-day, e.g. 2026-01-31."}
    assert 'value="boss@example.com"' in bad_day.text  # the other filters are kept
    assert entries(bad_day.text) == []
    backwards = admin.get("/admin/audit", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert errors_of(backwards.text) == {"to": "The end date is before the start date."}
    unknown = admin.get("/admin/audit", params={"warehouse": "NOPE"})
    assert errors_of(unknown.text) == {"warehouse": "There is no warehouse NOPE you can see."}
    too_long = admin.get("/admin/audit", params={"entity_id": "x" * 161})
    assert "entity_id" in errors_of(too_long.text)


def test_a_reader_limited_to_a_warehouse_sees_only_its_entries(
    page_as: PageFactory, trail: Database
) -> None:
    manager = page_as(Role.MANAGER, warehouses=("MAIN",))
    page = manager.get("/admin/audit")
    assert page.status_code == 200
    listed = entries(page.text)
    assert listed
    assert {e[3] for e in listed} == {"MAIN"}  # not EAST's, not those of no warehouse
    assert "EAST" not in page.text
    assert "sam@example.com" not in page.text
    other = manager.get("/admin/audit", params={"warehouse": "EAST"})
    assert other.status_code == 422
    assert errors_of(other.text) == {"warehouse": "There is no warehouse EAST you can see."}
    assert entries(other.text) == []
    assert manager.get("/admin/audit", params={"entity_type": "user"}).status_code == 200
    assert entries(manager.get("/admin/audit", params={"entity_type": "user"}).text) == []
    assert manager.get("/admin/users").status_code == 403


def test_the_audit_trail_is_cursor_paged_newest_first(
    admin: TestClient, trail: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = entries(admin.get("/admin/audit").text)
    monkeypatch.setattr("stockroom.web.audit.PAGE_SIZE", 3)
    seen: list[tuple[str, str, str, str]] = []
    url: str | None = "/admin/audit?warehouse=MAIN"
    pages = 0
    while url:
        page = admin.get(url).text
        seen += entries(page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert url is None or "warehouse=MAIN" in url  # the filters go with the cursor
        pages += 1
    assert pages > 1
    assert seen == [e for e in everything if e[3] == "MAIN"]


def test_times_are_shown_in_the_warehouses_zone(admin: TestClient, world: Database) -> None:
    with world.session(write=True) as session:
        warehouses.create_warehouse(
            session, {"code": "TOKYO", "name": "Tokyo", "time_zone": "Asia/Tokyo"}
        )
        session.commit()
    page = admin.get("/admin/audit", params={"warehouse": "TOKYO"}).text
    assert re.search(r'data-label="When">\d{4}-\d\d-\d\d \d\d:\d\d JST<', page)


def test_names_are_escaped_in_the_audit_trail(
    admin: TestClient, world: Database, settings: Settings
) -> None:
    make_user(world, settings, "evil@example.com", Role.VIEWER, name=XSS)
    page = admin.get("/admin/audit", params={"entity_type": "user"}).text
    assert XSS not in page
    assert ESCAPED in page
