"""The pages issue 11 names, at phone and desktop size: screenshots for people to look at
(test-artifacts/, git-ignored), and axe-core's check with no serious or critical
violation, nor anything wider than the screen at 360 px."""

import pytest
from e2e_pages import (
    DESKTOP,
    NARROW,
    PHONE,
    OpenPage,
    axe_violations,
    scan,
    screenshot,
    wider_than_screen,
)
from playwright.sync_api import Page, expect

from stockroom.db.engine import Database
from stockroom.domain.access import Role

SIZES = {"phone": PHONE, "desktop": DESKTOP}


def stock_some_tea(page: Page) -> None:
    page.goto("/floor/receive")
    scan(page, "Product", "TEA-GRN-100", tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "12")
    expect(page.get_by_role("status").filter(has_text="Received")).to_be_visible()


def over_ship(page: Page) -> None:
    page.goto("/floor/ship")
    scan(page, "Product", "TEA-GRN-100", tap=True)
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "99")
    expect(page.get_by_role("alert").filter(has_text="available")).to_be_visible()


PAGES = {
    "dashboard": lambda page: page.goto("/"),
    "product-detail": lambda page: page.goto("/products/TEA-GRN-100"),
    "receive-form": lambda page: page.goto("/floor/receive"),
    "ship-error": over_ship,
}


@pytest.mark.parametrize("size", SIZES)
def test_the_main_pages_look_right_and_pass_axe(
    size: str, open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.MANAGER, viewport=SIZES[size])
    stock_some_tea(page)
    problems: dict[str, list[str]] = {}
    for name, show in PAGES.items():
        show(page)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"{name}-{size}")
        if found := axe_violations(page):
            problems[name] = found
    assert problems == {}


def test_the_login_page_passes_axe(open_page: OpenPage, floor_world: Database) -> None:
    page = open_page(None)
    page.goto("/login")
    assert axe_violations(page) == []


@pytest.mark.parametrize("address", ["/", "/products/TEA-GRN-100", "/floor/receive", "/products"])
def test_nothing_is_wider_than_a_360_px_phone(
    address: str, open_page: OpenPage, floor_world: Database
) -> None:
    page = open_page(Role.MANAGER, viewport=NARROW)
    page.goto(address)
    assert not wider_than_screen(page), f"{address} scrolls sideways at 360 px"
