"""The list pages' filter drop-downs (one macro, ``_forms.html``'s ``filter_select``): the
choice sent stays selected whatever its case, and a refused one is flagged beside its field."""

import re

import pytest

from factories import standard_world
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from support.web import PageFactory

# Each list page with a warehouse filter, and the id of that filter's drop-down.
PAGES = {
    "/orders": "f-warehouse",
    "/reservations": "f-warehouse",
    "/purchase-orders": "f-warehouse",
    "/counts": "f-filter-warehouse",
    "/counts/due": "f-warehouse",
    "/replenishment": "f-warehouse",
}


@pytest.fixture
def world(db: Database) -> Database:
    standard_world(db)
    return db


def _select(html: str, select_id: str) -> str:
    found = re.search(rf'<select id="{select_id}"[^>]*>.*?</select>', html, re.S)
    assert found, f"no drop-down {select_id}"
    return found.group(0)


@pytest.mark.parametrize("path", PAGES)
def test_the_warehouse_chosen_stays_selected(
    world: Database, page_as: PageFactory, path: str
) -> None:
    reply = page_as(Role.MANAGER).get(f"{path}?warehouse=east")
    assert reply.status_code == 200, reply.text
    select = _select(reply.text, PAGES[path])
    assert re.search(r'<option value="EAST"\s+selected>', select)
    assert not re.search(r'<option value="MAIN"\s+selected>', select)


@pytest.mark.parametrize("path", PAGES)
def test_a_warehouse_out_of_scope_is_flagged_beside_its_field(
    world: Database, page_as: PageFactory, path: str
) -> None:
    reply = page_as(Role.MANAGER, warehouses=("MAIN",)).get(f"{path}?warehouse=EAST")
    assert reply.status_code == 422
    select_id = PAGES[path]
    assert f'aria-describedby="{select_id}-error"' in _select(reply.text, select_id)
    assert f'<p class="field-error" id="{select_id}-error">' in reply.text
    assert "EAST" not in _select(reply.text, select_id)  # not even offered


@pytest.mark.parametrize(
    ("path", "status"),
    [("/orders", "PENDING"), ("/reservations", "ACTIVE"), ("/purchase-orders", "SENT")],
)
def test_the_status_chosen_stays_selected(
    world: Database, page_as: PageFactory, path: str, status: str
) -> None:
    reply = page_as(Role.MANAGER).get(f"{path}?status={status.lower()}")
    assert reply.status_code == 200, reply.text
    assert re.search(rf'<option value="{status}"\s+selected>', _select(reply.text, "f-status"))
