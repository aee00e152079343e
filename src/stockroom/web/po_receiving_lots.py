"""The lot and expiry fields of receiving against a purchase order (``web.po_receiving``).

A lot-tracked product's line asks for its lot (scanned or typed; Enter moves on); an
expiry-tracked one also for the expiry date. The date is left empty rather than filled in
from the shelf life: the service gives a *new* lot today plus the shelf life and a known
lot its own date, so a date filled in here would be refused as a conflict the moment a
known lot is scanned. The hint says what an empty date becomes.

Refusals land next to their field in words: no lot, a date in the past (with "accept it
as expired", which the API allows whoever may receive), a date that is not the known
lot's.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from stockroom.domain.errors import DomainError, NotFound
from stockroom.domain.lots import LotExpired, LotExpiryConflict, today
from stockroom.services import catalog
from stockroom.web.floor_operations import FormField

LOT = FormField(
    "lot", "Lot", "scan", "Scan or type the lot number on the pack", "Scan or type the lot."
)
EXPIRY_NAME = "expiry_date"
LOT_FIELDS = ("lot", EXPIRY_NAME)
ACCEPT_EXPIRED = "accept_expired"


@dataclass(frozen=True)
class Tracking:
    """What the scanned product asks for on arrival."""

    expiry: bool
    shelf_life_days: int | None

    @classmethod
    def of(cls, product: Any) -> "Tracking | None":
        if not (product.lot_tracked or product.expiry_tracked):
            return None
        return cls(bool(product.expiry_tracked), product.shelf_life_days)

    def expiry_field(self) -> FormField:
        hint = "As printed on the pack"
        if self.shelf_life_days is not None:
            default = today() + timedelta(days=self.shelf_life_days)
            hint += (
                f"; left empty, a new lot gets {default.isoformat()} "
                f"({self.shelf_life_days} days' shelf life) and a known lot keeps its date"
            )
        return FormField(EXPIRY_NAME, "Expiry date", "date", hint, "Enter the expiry date.")


def tracking_of(session: Session, typed: str) -> Tracking | None:
    """What the product typed (SKU or barcode) asks for; None for none, or no product."""
    if not typed:
        return None
    try:
        return Tracking.of(catalog.find_product(session, sku=typed))
    except NotFound:
        pass
    try:
        return Tracking.of(catalog.find_product(session, barcode=typed))
    except NotFound:
        return None


def expiry_of(values: dict[str, str], errors: dict[str, str]) -> date | None:
    """The typed expiry date (None when empty); a malformed one is an error by the field."""
    typed = values.get(EXPIRY_NAME, "")
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        errors[EXPIRY_NAME] = "Enter the date as year-month-day, such as 2027-03-31."
        return None


def lot_of(values: dict[str, str]) -> str | None:
    return values.get("lot") or None


def place_error(exc: DomainError, errors: dict[str, str], offer: set[str]) -> bool:
    """Put a lot refusal next to its field (True), or leave it to the caller (False)."""
    if isinstance(exc, LotExpired):
        errors[EXPIRY_NAME] = (
            f"Lot {exc.number} expired on {exc.expires_on.isoformat()}: that date is past. "
            "Check the date, or tick “Accept it as expired” to receive it as expired "
            "(it stays on hand, never available)."
        )
        offer.add(ACCEPT_EXPIRED)
        return True
    if isinstance(exc, LotExpiryConflict):
        known, given = exc.extra["expires_on"], exc.extra["given"]
        errors[EXPIRY_NAME] = (
            f"Lot {exc.extra['lot']} is already here expiring {_day(known)}, not {_day(given)}. "
            "Leave the date empty to keep it, or check the lot number."
        )
        return True
    if exc.field in ("lot", EXPIRY_NAME):
        words = exc.message[:1].upper() + exc.message[1:]
        errors[exc.field] = words.rstrip(".") + "."
        return True
    return False


def _day(iso: str) -> str:
    return "never" if iso == "none" else f"on {iso}"
