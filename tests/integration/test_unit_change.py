"""Issue 9, defect 6: a product's unit may not change while its stock, reservations or
open order lines could not be expressed in the new unit."""

from fastapi.testclient import TestClient

from integration.conftest import ClientFactory
from stockroom.db.engine import Database
from stockroom.domain.access import Role

API = "/api/v1"


def receive(client: TestClient, quantity: str, location: str = "MAIN/A-01") -> None:
    body = {"sku": "COFFEE", "location": location, "quantity": quantity}
    assert client.post(f"{API}/movements/receive", json=body).status_code == 201


def change_unit(client: TestClient, unit: str) -> object:
    version = client.get(f"{API}/products/COFFEE").json()["version"]
    return client.patch(f"{API}/products/COFFEE", json={"unit": unit, "version": version})


def test_fractional_stock_blocks_a_change_to_whole_pieces(
    client: TestClient, world: Database
) -> None:
    receive(client, "1.5")
    refused = change_unit(client, "pcs")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "unit_change_refused"
    assert {"what": "on_hand at MAIN/A-01", "quantity": "1.5"} in problem["quantities"]
    assert client.get(f"{API}/products/COFFEE").json()["unit"] == "kg"


def test_a_fractional_reservation_blocks_it_too(client: TestClient, world: Database) -> None:
    receive(client, "2")
    reserve = {
        "reference": "R-1",
        "lines": [{"sku": "COFFEE", "warehouse": "MAIN", "quantity": "0.25"}],
    }
    assert client.post(f"{API}/reservations", json=reserve).status_code == 201
    refused = change_unit(client, "pcs")
    assert refused.status_code == 409, refused.text
    whats = {q["what"] for q in refused.json()["quantities"]}
    assert "reserved at MAIN/A-01" in whats


def test_whole_quantities_may_change_unit(client: TestClient, world: Database) -> None:
    receive(client, "2")
    changed = change_unit(client, "pcs")
    assert changed.status_code == 200, changed.text
    assert changed.json()["unit"] == "pcs"


def test_a_scoped_manager_is_refused_without_learning_another_warehouses_stock(
    client: TestClient, client_as: ClientFactory, world: Database
) -> None:
    """The catalog is shared, so EAST's fractional stock refuses the change for a manager
    of MAIN too; but the refusal names only MAIN's figures, not EAST's place or quantity."""
    receive(client, "1.5", "EAST/A-01")
    receive(client, "0.25")
    manager = client_as(Role.MANAGER, warehouses=("MAIN",))
    refused = change_unit(manager, "pcs")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["quantities"] == [{"what": "on_hand at MAIN/A-01", "quantity": "0.25"}]
    assert "EAST" not in refused.text
    assert "1.5" not in refused.text
    assert "other warehouses" in problem["detail"]
    assert client.get(f"{API}/products/COFFEE").json()["unit"] == "kg"


def test_stock_only_in_another_warehouse_still_refuses_a_scoped_manager(
    client: TestClient, client_as: ClientFactory, world: Database
) -> None:
    receive(client, "1.5", "EAST/A-01")
    refused = change_unit(client_as(Role.MANAGER, warehouses=("MAIN",)), "pcs")
    assert refused.status_code == 409, refused.text
    assert refused.json()["quantities"] == []
    assert "EAST" not in refused.text
    assert "1.5" not in refused.text


def test_an_open_purchase_order_line_blocks_it_too(client: TestClient, world: Database) -> None:
    """7.25 kg on order could never be received in full as pieces."""
    supplier = {"code": "BEAN", "name": "Bean Ltd", "currency": "EUR"}
    assert client.post(f"{API}/suppliers", json=supplier).status_code == 201
    body = {
        "supplier": "BEAN",
        "warehouse": "MAIN",
        "lines": [{"sku": "COFFEE", "quantity": "7.25", "unit_price": "8"}],
    }
    created = client.post(f"{API}/purchase-orders", json=body)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    refused = change_unit(client, "pcs")
    assert refused.status_code == 409, refused.text
    assert {"what": f"purchase order {number} line 1", "quantity": "7.25"} in refused.json()[
        "quantities"
    ]
    cancel = client.post(f"{API}/purchase-orders/{number}/cancel")
    assert cancel.status_code == 200, cancel.text
    assert change_unit(client, "pcs").status_code == 200  # a cancelled order holds nothing
