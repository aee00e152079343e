"""A Python client generated from the live OpenAPI document, the way an integrator starts.

openapi-python-client reads ``/api/v1/openapi.json`` from a real ``stockroom serve``. It
must generate every operation (two schemas sharing a name once made it drop
``POST /movements/ship`` and ``/movements/batch``, issue 9 defect 15) under its short
operationId, and the generated functions must do a day's first work: sign up the admin,
log in, create a warehouse, a location and a product, receive 2 and ship 1.
"""

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2 as httpx
import pytest

from stockroom.config import Settings
from stockroom.db.engine import Database
from support.server import StockroomServer

PACKAGE = "stockroom_generated_client"
PASSWORD = "correct horse battery"
# The generator's own problems are printed in these words (and it exits 1 on a warning).
COMPLAINTS = ("warning", "error", "will not be generated", "unable to parse")

# The generator alone takes several seconds; the document is the same on both databases.
pytestmark = [pytest.mark.slow, pytest.mark.any_database]


@pytest.fixture
def base_url(settings: Settings, db: Database, tmp_path: Path) -> Iterator[str]:
    """A real server on the empty test database."""
    with StockroomServer(settings, tmp_path / "server.log") as url:
        yield url


@pytest.fixture
def generated(base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The client package generated into ``tmp_path`` and imported from there."""
    output = generate(f"{base_url}/api/v1/openapi.json", tmp_path)
    complaints = [line for line in output.splitlines() if line.lower().startswith(COMPLAINTS)]
    assert complaints == [], output
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module(PACKAGE)


def generate(document_url: str, into: Path) -> str:
    """Run the generator offline (it reads only the local URL); its output, once it passed."""
    config = into / "generator.yaml"
    # No post hooks: formatting the generated code with ruff only costs time.
    config.write_text("post_hooks: []\n")
    command = [
        *(sys.executable, "-m", "openapi_python_client", "generate"),
        *("--url", document_url, "--meta", "none", "--config", str(config)),
        *("--output-path", str(into / PACKAGE), "--fail-on-warning"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def test_the_generated_client_has_every_operation_and_ships_one_unit(
    base_url: str, generated: ModuleType
) -> None:
    document = httpx.get(f"{base_url}/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    package = Path(generated.__file__ or "").parent
    modules = {path.stem for path in (package / "api").glob("*/*.py")} - {"__init__"}
    assert ids - modules == set(), "operations missing from the client"
    assert {"movements_ship", "movements_batch"} <= modules

    models = importlib.import_module(f"{PACKAGE}.models")
    email = "first@example.com"
    with generated.Client(base_url=base_url) as anonymous:
        signup = models.SignUp(email=email, name="First", password=PASSWORD)
        assert call("auth.auth_signup", client=anonymous, body=signup).role.value == "admin"
        login = models.LogIn(email=email, password=PASSWORD)
        tokens = call("auth.auth_login", client=anonymous, body=login)
    with generated.AuthenticatedClient(base_url=base_url, token=tokens.access_token) as client:
        stock_one_unit(client, models)
        available = call("inventory.inventory_get_availability", client=client, sku="BOLT")
    assert available.total.on_hand == "1"


def call(operation: str, **arguments: Any) -> Any:
    """Call the generated ``api.<tag>.<operation_id>.sync_detailed``; its parsed reply."""
    module = importlib.import_module(f"{PACKAGE}.api.{operation}")
    response = module.sync_detailed(**arguments)
    assert response.status_code < 300, (operation, response.status_code, response.content)
    return response.parsed


def stock_one_unit(client: Any, models: ModuleType) -> None:
    """A warehouse, a location and a product; 2 received there and 1 shipped."""
    warehouse = models.WarehouseCreate(code="MAIN", name="Main")
    call("warehouses.warehouses_create", client=client, body=warehouse)
    location = models.LocationCreate(warehouse="MAIN", code="A-01")
    call("warehouses.locations_create", client=client, body=location)
    product = models.ProductCreate(sku="BOLT", name="Bolt")
    call("products.products_create", client=client, body=product)
    receipt = models.ReceiveIn(sku="BOLT", location="MAIN/A-01", quantity="2")
    call("movements.movements_receive", client=client, body=receipt)
    shipment = models.ShipIn(sku="BOLT", location="MAIN/A-01", quantity="1")
    call("movements.movements_ship", client=client, body=shipment)
