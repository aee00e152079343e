"""Lots in the domain: what "expired" means, the inbound rules, and FEFO, with the
property that FEFO never takes a later lot while an earlier unexpired one has free stock."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockroom.domain.errors import RuleViolation
from stockroom.domain.lots import (
    InboundLot,
    Known,
    LotExpired,
    LotExpiryConflict,
    LotRequired,
    LotStock,
    fefo,
    inbound_expiry,
    is_expired,
)
from stockroom.domain.movements import LocationType
from stockroom.domain.reservations import Candidate, allocate_candidates

TODAY = date(2026, 12, 5)


def test_a_lot_is_expired_from_the_day_after_its_expiry_date() -> None:
    assert not is_expired(None, TODAY)
    assert not is_expired(TODAY, TODAY)  # "use by 5 Dec" is good all of 5 Dec
    assert is_expired(TODAY - timedelta(days=1), TODAY)


def expiry(given: InboundLot, known: Known | None = None, shelf: int | None = None) -> date | None:
    return inbound_expiry(
        "MILK",
        given,
        lot_tracked=True,
        expiry_tracked=True,
        shelf_life_days=shelf,
        known=known,
        on=TODAY,
    )


def test_inbound_rules() -> None:
    with pytest.raises(LotRequired):
        expiry(InboundLot(None, TODAY))
    with pytest.raises(RuleViolation):
        expiry(InboundLot("L1"))  # expiry-tracked, no date, no shelf life
    assert expiry(InboundLot("L1"), shelf=3) == TODAY + timedelta(days=3)
    with pytest.raises(LotExpired):
        expiry(InboundLot("L1", TODAY - timedelta(days=1)))
    assert expiry(InboundLot("L1", date(2020, 1, 1), accept_expired=True)) == date(2020, 1, 1)
    with pytest.raises(LotExpiryConflict):
        expiry(InboundLot("L1", date(2027, 1, 2)), known=Known(date(2027, 1, 1)))
    assert expiry(InboundLot("L1"), known=Known(date(2027, 1, 1)), shelf=3) == date(2027, 1, 1)


lot_stock = st.builds(
    LotStock,
    lot_id=st.integers(1, 50),
    expires_on=st.one_of(st.none(), st.dates(TODAY - timedelta(days=5), TODAY + timedelta(30))),
    free=st.integers(0, 20).map(Decimal),
)


def _unique(stock: list[LotStock]) -> list[LotStock]:
    return list({s.lot_id: s for s in stock}.values())


def _order(expires: date | None) -> date:
    return date.max if expires is None else expires


@given(st.lists(lot_stock, max_size=12).map(_unique), st.integers(0, 150).map(Decimal))
def test_fefo_never_takes_a_later_lot_while_an_earlier_one_has_free_stock(
    stock: list[LotStock], need: Decimal
) -> None:
    plan = fefo(need, stock, TODAY)
    by_id = {s.lot_id: s for s in stock}
    taken = dict(plan)
    assert sum(taken.values(), Decimal(0)) <= need
    for lot_id, quantity in plan:
        assert 0 < quantity <= by_id[lot_id].free
        assert not is_expired(by_id[lot_id].expires_on, TODAY)  # never an expired lot
    for lot_id in taken:
        later = _order(by_id[lot_id].expires_on)
        for other in stock:
            earlier = _order(other.expires_on) < later
            left = other.free - taken.get(other.lot_id, Decimal(0))
            if earlier and not is_expired(other.expires_on, TODAY):
                assert left == 0, (other, lot_id)
    usable = sum((s.free for s in stock if not is_expired(s.expires_on, TODAY)), Decimal(0))
    assert sum(taken.values(), Decimal(0)) == min(need, usable)


kinds = st.sampled_from(
    [LocationType.PICK_FACE, LocationType.BULK, LocationType.OVERFLOW, LocationType.RECEIVING]
)


@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            kinds,
            st.dates(TODAY, TODAY + timedelta(days=30)),
            st.integers(0, 10),
        ),
        max_size=12,
    ),
    st.integers(0, 80),
)
def test_reservations_take_lots_by_expiry_before_the_pick_order(
    places: list[tuple[int, LocationType, date, int]], need: int
) -> None:
    """Among the (unexpired) candidates a reservation sees, an allocation from a later lot
    means every earlier lot was used up, wherever it sits."""
    candidates = [
        Candidate(n, kind.value, f"L-{n}", Decimal(free), lot_id=i + 1, expires_on=expires)
        for i, (n, kind, expires, free) in enumerate(places)
    ]
    plan = allocate_candidates(Decimal(need), candidates)
    taken = {c.lot_id: q for c, q in plan}
    latest = max((c.expires_on for c, _ in plan if c.expires_on), default=None)
    for c in candidates:
        if latest is not None and c.expires_on is not None and c.expires_on < latest:
            assert taken.get(c.lot_id, Decimal(0)) == c.available
