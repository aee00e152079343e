"""The capacity check every inbound move makes (services/putaway.check_capacity); over the
API in test_capacity_enforced.py."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from factories import location, product, receive, warehouse
from stockroom.api.errors import status_of
from stockroom.db.engine import Database
from stockroom.domain.access import Actor, Role
from stockroom.domain.errors import Forbidden
from stockroom.domain.putaway import Fit, LocationFull
from stockroom.services import putaway, references

D = Decimal


@pytest.fixture
def site(db: Database) -> Database:
    """MAIN/B-01 (max 10 kg, 5,000 cm3) holds 3 BOX: 6 kg, 3,000 cm3. MAIN/B-02 has no limits."""
    with db.session(write=True) as session:
        warehouse(session, "MAIN")
        location(session, "MAIN", "B-01", max_weight_kg=D(10), max_volume_cm3=D(5000))
        location(session, "MAIN", "B-02")
        product(
            session, "BOX", weight_g=D(2000), length_mm=D(100), width_mm=D(100), height_mm=D(100)
        )
        product(session, "FEATHER")
        receive(session, "BOX", "MAIN/B-01", 3)
        session.commit()
    return db


def check(
    session: Session,
    sku: str,
    where: str,
    quantity: int,
    override_capacity: bool = False,
    actor: Actor | None = None,
) -> Fit | None:
    return putaway.check_capacity(
        session,
        references.product_by_sku(session, sku),
        references.location(session, where),
        D(quantity),
        override_capacity=override_capacity,
        actor=actor,
    )


def someone(role: Role) -> Actor:
    return Actor("user", uuid.uuid4(), "someone", role)


def test_a_quantity_that_fits_passes_with_its_numbers(site: Database, session: Session) -> None:
    fit = check(session, "BOX", "MAIN/B-01", 2)
    assert fit is not None
    assert fit.fits
    assert fit.weight_kg.free == 4


def test_overfilling_is_refused_with_capacity_and_what_would_be_there(
    site: Database, session: Session
) -> None:
    with pytest.raises(LocationFull) as refused:
        check(session, "BOX", "MAIN/B-01", 3)  # 12 kg of 10, 6,000 cm3 of 5,000
    error = refused.value
    assert error.code == "location_full"
    assert status_of(error) == 409
    details = error.details()
    assert details["location"] == "MAIN/B-01"
    assert (details["max_weight_kg"], details["used_weight_kg"], details["needed_weight_kg"]) == (
        10,
        6,
        6,
    )
    assert (details["would_hold_weight_kg"], details["would_hold_volume_cm3"]) == (12, 6000)
    assert str(error) == (
        "MAIN/B-01 cannot take 3 of BOX: weight needs 6 kg, 4 kg free of 10; "
        "volume needs 3000 cm3, 2000 cm3 free of 5000"
    )


def test_no_limits_or_no_measures_means_nothing_to_check(site: Database, session: Session) -> None:
    assert check(session, "BOX", "MAIN/B-02", 1_000_000) is None
    assert check(session, "FEATHER", "MAIN/B-01", 1_000_000) is None


def test_a_manager_may_override_the_capacity_and_staff_may_not(
    site: Database, session: Session
) -> None:
    # An override lets the move through and hands back the fit it broke, to be recorded.
    overridden = check(
        session, "BOX", "MAIN/B-01", 100, override_capacity=True, actor=someone(Role.MANAGER)
    )
    assert overridden is not None
    assert not overridden.fits
    assert overridden.weight_kg.needed == 200
    system = check(session, "BOX", "MAIN/B-01", 100, override_capacity=True)  # the system
    assert system is not None
    assert not system.fits
    with pytest.raises(Forbidden):
        check(session, "BOX", "MAIN/B-01", 100, override_capacity=True, actor=someone(Role.STAFF))
    with pytest.raises(Forbidden):  # asking is refused even where it would fit
        check(session, "BOX", "MAIN/B-02", 1, override_capacity=True, actor=someone(Role.STAFF))
