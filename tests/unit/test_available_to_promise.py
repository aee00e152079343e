"""The one rule of what can be promised (domain/availability.py)."""

from decimal import Decimal

import pytest

from stockroom.domain.availability import Breakdown, bucket_of, is_sellable
from stockroom.domain.errors import UnitChangeRefused
from stockroom.domain.quantities import check_unit_change
from stockroom.domain.reservations import PICK_ORDER


@pytest.mark.parametrize("kind", sorted(PICK_ORDER))
def test_what_reservations_pick_from_is_sellable(kind: str) -> None:
    assert is_sellable(kind, True, True)
    assert bucket_of(kind, True, True) == "available"


@pytest.mark.parametrize(
    ("kind", "bucket"),
    [("TRANSIT", "in_transit"), ("SHIPPING", "staged"), ("QUARANTINE", "quarantined")],
)
def test_unsellable_types_have_their_own_figure(kind: str, bucket: str) -> None:
    assert not is_sellable(kind, True, True)
    assert bucket_of(kind, True, True) == bucket


def test_deactivated_places_hold_their_stock() -> None:
    assert bucket_of("PICK_FACE", False, True) == "on_hold"
    assert bucket_of("TRANSIT", True, False) == "on_hold"
    assert not is_sellable("PICK_FACE", True, False)


def test_the_parts_add_up() -> None:
    total = Breakdown.of(Decimal(10), Decimal(3), "available") + Breakdown.of(
        Decimal(4), Decimal(1), "in_transit"
    )
    parts = (total.reserved, total.available, total.in_transit, total.staged)
    assert sum(parts, Decimal(0)) + total.quarantined + total.on_hold == total.on_hand == 14


def test_a_unit_change_names_every_stranded_quantity() -> None:
    check_unit_change("pcs", 0, [("on_hand at MAIN/A", Decimal(2))])
    with pytest.raises(UnitChangeRefused) as refused:
        check_unit_change(
            "pcs", 0, [("on_hand at MAIN/A", Decimal("1.5")), ("reserved", Decimal("0.5"))]
        )
    assert [q["what"] for q in refused.value.details()["quantities"]] == [
        "on_hand at MAIN/A",
        "reserved",
    ]
