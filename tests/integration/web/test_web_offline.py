"""The installable-app parts: the service worker from the root, the manifest, the outbox."""

import json

import pytest
from fastapi.testclient import TestClient

from stockroom import __version__
from stockroom.domain.access import Role
from support.web import PageFactory

pytestmark = pytest.mark.any_database


def test_the_service_worker_is_served_from_the_root_never_stale(
    browser_client: TestClient,
) -> None:
    reply = browser_client.get("/sw.js")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/javascript")
    assert reply.headers["cache-control"] == "no-cache"
    assert f'"stockroom-{__version__}"' in reply.text
    assert "__VERSION__" not in reply.text


def test_the_manifest_starts_on_the_floor_pages(browser_client: TestClient) -> None:
    manifest = json.loads(browser_client.get("/static/manifest.webmanifest").text)
    assert manifest["start_url"] == "/floor"
    assert manifest["display"] == "standalone"


def test_signed_in_pages_carry_the_outbox_and_its_script(page_as: PageFactory) -> None:
    html = page_as(Role.STAFF).get("/").text
    assert 'id="outbox"' in html
    assert "/static/offline.js" in html
    assert 'rel="manifest"' in html
