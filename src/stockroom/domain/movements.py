"""The kinds of stock movement, why stock is adjusted, and what a location is for."""

from enum import StrEnum


class MovementType(StrEnum):
    RECEIVE = "RECEIVE"
    SHIP = "SHIP"
    ADJUST = "ADJUST"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    COUNT = "COUNT"
    RETURN = "RETURN"  # a customer's goods back on the shelf (restocked from an RMA)
    # These change what is promised (reserved), not what is there (on hand).
    RESERVE = "RESERVE"
    RELEASE = "RELEASE"
    EXPIRE = "EXPIRE"


class ReasonCode(StrEnum):
    """Why an adjustment was booked; required on every ADJUST."""

    DAMAGED = "DAMAGED"
    LOST = "LOST"
    FOUND = "FOUND"
    THEFT = "THEFT"
    EXPIRED = "EXPIRED"
    SAMPLE = "SAMPLE"
    RETURNED = "RETURNED"
    CORRECTION = "CORRECTION"
    SCRAP = "SCRAP"  # written off, e.g. a returned item not fit to sell again
    OTHER = "OTHER"


class ReferenceType(StrEnum):
    """The document a movement belongs to."""

    PO = "PO"
    SO = "SO"
    TRANSFER = "TRANSFER"
    COUNT = "COUNT"
    MANUAL = "MANUAL"
    RESERVATION = "RESERVATION"
    RMA = "RMA"


class LocationType(StrEnum):
    RECEIVING = "RECEIVING"
    BULK = "BULK"
    PICK_FACE = "PICK_FACE"
    OVERFLOW = "OVERFLOW"
    SHIPPING = "SHIPPING"
    TRANSIT = "TRANSIT"
    STORE = "STORE"
    # Returned goods awaiting a decision (restock or scrap); never sellable.
    QUARANTINE = "QUARANTINE"
