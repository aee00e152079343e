"""Floor operations in a real browser on a phone-sized screen: a keyboard-wedge scanner
types each code and presses Enter; htmx books without reloading the page; an
over-shipment says how many there are; the camera button stays hidden where the browser
cannot read barcodes (headless Chromium has no BarcodeDetector)."""

from decimal import Decimal

from e2e_pages import DESKTOP, PHONE, OpenPage, scan, screenshot
from playwright.sync_api import Page, expect

from factories import stocked_with
from stockroom.db.engine import Database
from stockroom.domain.access import Role
from stockroom.services import movements


def watch_busy_button(page: Page) -> None:
    """Remember whether the submit button was ever disabled while the form was sending."""
    page.evaluate(
        """() => {
          window.sawBusy = false;
          new MutationObserver(() => {
            const button = document.querySelector("#floor-area button[type=submit]");
            if (button && button.disabled) window.sawBusy = true;
          }).observe(document.body, {attributes: true, subtree: true, childList: true});
        }"""
    )


def test_receiving_by_scanning_on_a_phone(floor_world: Database, open_page: OpenPage) -> None:
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto("/floor")
    screenshot(page, "floor-phone")
    page.get_by_role("link", name="Receive").click()
    page.wait_for_url("**/floor/receive")
    product = page.get_by_label("Product", exact=True)
    expect(product).to_be_focused()
    # No BarcodeDetector in headless Chromium: the camera buttons (product, location, lot)
    # stay hidden.
    assert page.evaluate("'BarcodeDetector' in window") is False
    cameras = page.locator("button[data-camera]")
    expect(cameras).to_have_count(3)
    for i in range(3):
        expect(cameras.nth(i)).to_be_hidden()

    # One column, nothing wider than the narrowest phone.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size(PHONE)

    page.evaluate("window.samePage = true")  # gone if the page were loaded anew
    watch_busy_button(page)
    # Each scan checks its field has the focus: Enter in the one before moved it there.
    scan(page, "Product", "TEA-GRN-100")
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "10")  # Enter in the last field books

    expect(page.get_by_role("status")).to_contain_text(
        "Received 10 pcs of TEA-GRN-100 into MAIN/A-01. On hand there: 10."
    )
    assert page.evaluate("window.samePage") is True  # htmx swapped the form in place
    assert page.evaluate("window.sawBusy") is True  # the button waited while it was sent
    # Ready for the next scan: product empty and focused, the location kept.
    expect(product).to_be_focused()
    expect(product).to_have_value("")
    expect(page.get_by_label("Location", exact=True)).to_have_value("MAIN/A-01")
    expect(cameras.first).to_be_hidden()
    # Last: Playwright's screenshot leaves style="" on hidden inputs, which htmx's settling
    # would copy in the next swap, and the CSP refuses (a console error).
    screenshot(page, "receive-form-phone")

    with floor_world.session(write=False) as session:
        filters = movements.MovementFilter(sku="TEA-GRN-100")
        booked = movements.list_movements(session, filters, None, None, 10).items
        assert [(m.type, m.location.code, m.quantity) for m in booked] == [
            ("RECEIVE", "A-01", Decimal(10))
        ]


def test_the_receive_form_on_a_desktop(floor_world: Database, open_page: OpenPage) -> None:
    page = open_page(Role.STAFF, viewport=DESKTOP)
    page.goto("/floor/receive?location=MAIN/A-01")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receive")
    expect(page.get_by_label("Location", exact=True)).to_have_value("MAIN/A-01")
    screenshot(page, "receive-form-desktop")


def test_an_over_shipment_shows_the_available_quantity(
    floor_world: Database, open_page: OpenPage
) -> None:
    stocked_with(floor_world, ("TEA-GRN-100", "MAIN/A-01", 7), ("TEA-GRN-100", "MAIN/B-01", 4))
    page = open_page(Role.STAFF, viewport=PHONE)
    page.goto("/floor/ship")
    scan(page, "Product", "4006381333931")  # the tea's barcode, as a scanner reads it
    scan(page, "Location", "MAIN/A-01")
    scan(page, "Quantity", "10")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Only 7 pcs available at MAIN/A-01 (you asked for 10).")
    expect(alert).to_contain_text("Also in stock: MAIN/B-01 (4).")
    quantity = page.get_by_label("Quantity")
    expect(quantity).to_have_value("10")  # what was typed stays, to correct it
    expect(quantity).to_be_focused()
    screenshot(page, "ship-error-phone")

    # Each other place is a link to the same form, filled in to ship from there.
    page.get_by_role("link", name="MAIN/B-01 (4)").click()
    page.wait_for_url("**/floor/ship?*")
    expect(page.get_by_label("Location", exact=True)).to_have_value("MAIN/B-01")
    scan(page, "Quantity", "4")  # the first empty field has the focus
    expect(page.get_by_role("status")).to_contain_text(
        "Shipped 4 pcs of TEA-GRN-100 from MAIN/B-01. On hand there: 0."
    )


# A browser that reads barcodes, for the one test that needs one: headless Chromium has no
# BarcodeDetector and no camera. The stand-ins answer as Chrome on Android does.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["ean_13", "code_128", "qr_code"]; }
  constructor(options) { this.formats = options.formats; }
  async detect(source) { return [{ rawValue: "4006381333931", format: "ean_13" }]; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const paint = canvas.getContext("2d");
  setInterval(() => paint.fillRect(0, 0, 64, 48), 50);  // frames for the video to show
  return canvas.captureStream(10);
};
"""


def test_the_camera_reads_a_barcode_into_the_field_and_moves_on(
    floor_world: Database, open_page: OpenPage
) -> None:
    page = open_page(Role.STAFF, viewport=PHONE)
    page.context.add_init_script(FAKE_CAMERA)
    page.goto("/floor/receive")
    cameras = page.get_by_role("button", name="Scan with the camera")
    expect(cameras).to_have_count(2)  # shown beside Product and Location
    cameras.first.click()
    product = page.get_by_label("Product", exact=True)
    expect(product).to_have_value("4006381333931")
    expect(page.get_by_label("Location", exact=True)).to_be_focused()
    expect(page.locator("#camera-dialog")).to_be_hidden()
    assert page.evaluate("document.getElementById('camera-video').srcObject") is None  # stopped
