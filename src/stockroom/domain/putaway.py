"""Put-away: where received stock should go, and whether a quantity fits a location.

The order of preference (issue 12):

1. a storage location that already holds the product, the pick face first, then bulk
   (stock of one product stays together, and the pick face is where it is picked from);
2. an empty BULK location (a bin holding nothing at all: products are not mixed in bulk);
3. an OVERFLOW location, those already holding the product first.

Within a rank, locations are taken in code order, so the answer is stable. Only storage
locations (PICK_FACE, BULK, OVERFLOW) are put-away targets: receiving, shipping, transit,
quarantine and store locations are reached by their own operations, never by put-away.
An empty pick face is not suggested either: which product gets a pick face is a slotting
decision, not something the next receipt should decide.

A location never gets more than its ``max_weight_kg`` and ``max_volume_cm3`` allow, given
what it already holds (the sum over its balances of on hand times each product's unit weight
and unit volume).

Unknown measures (products created without weight or dimensions are common): **a limit
that cannot be checked is not enforced**, and the reply says it was not checked.

- A product without a weight (or without one of its three dimensions) is not checked
  against weight (volume) limits. Refusing it everywhere a limit exists instead would make
  such a product impossible to receive into most warehouses the day limits are enforced on
  every inbound move, for want of a catalog field rather than of room. The check is only
  as good as the catalog; the ``checked`` flag makes the gap visible so it can be fixed.
- Contents of unknown weight (volume) count as zero in what a location holds, for the same
  reason: one unweighed item must not block a location for good. ``Contents`` records that
  the figure is a lower bound (``unweighed`` / ``unmeasured``) and the reasons say so.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from stockroom.domain.decimals import format_quantity
from stockroom.domain.errors import DomainError
from stockroom.domain.movements import LocationType

ZERO = Decimal(0)
GRAMS_PER_KG = Decimal(1000)
MM3_PER_CM3 = Decimal(1000)
# How many refused locations a "nothing fits" reply lists (in order of preference).
MAX_LISTED = 20


@dataclass(frozen=True)
class ProductSize:
    """A product's unit weight (g) and dimensions (mm), each possibly unknown."""

    weight_g: Decimal | None = None
    length_mm: Decimal | None = None
    width_mm: Decimal | None = None
    height_mm: Decimal | None = None

    @property
    def unit_weight_kg(self) -> Decimal | None:
        return None if self.weight_g is None else self.weight_g / GRAMS_PER_KG

    @property
    def unit_volume_cm3(self) -> Decimal | None:
        """None when any of the three dimensions is unknown."""
        sides = (self.length_mm, self.width_mm, self.height_mm)
        if any(side is None for side in sides):
            return None
        length, width, height = (Decimal(side) for side in sides if side is not None)
        return length * width * height / MM3_PER_CM3


@dataclass(frozen=True)
class Contents:
    """What a location holds: units of anything, and their weight and volume.

    ``unweighed``/``unmeasured``: some contents have no known weight/volume and counted as
    zero, so the figure is a lower bound.
    """

    units: Decimal = ZERO
    weight_kg: Decimal = ZERO
    volume_cm3: Decimal = ZERO
    unweighed: bool = False
    unmeasured: bool = False

    @property
    def empty(self) -> bool:
        return self.units <= 0

    def plus(self, on_hand: Decimal, size: ProductSize) -> "Contents":
        """These contents with ``on_hand`` units of a product of ``size`` added."""
        if on_hand <= 0:
            return self
        weight, volume = size.unit_weight_kg, size.unit_volume_cm3
        return Contents(
            units=self.units + on_hand,
            weight_kg=self.weight_kg + (ZERO if weight is None else on_hand * weight),
            volume_cm3=self.volume_cm3 + (ZERO if volume is None else on_hand * volume),
            unweighed=self.unweighed or weight is None,
            unmeasured=self.unmeasured or volume is None,
        )


@dataclass(frozen=True)
class Candidate:
    """A location put-away may consider, with what it holds."""

    code: str
    type: str
    max_weight_kg: Decimal | None
    max_volume_cm3: Decimal | None
    contents: Contents
    holds_product: bool


@dataclass(frozen=True)
class LimitCheck:
    """One limit of a location against what a quantity needs (kg or cm³)."""

    limit: Decimal | None  # None: the location has no such limit
    used: Decimal
    needed: Decimal | None  # None: the product's measure is unknown

    @property
    def free(self) -> Decimal | None:
        """Room left; negative when the location is already over its limit."""
        return None if self.limit is None else self.limit - self.used

    @property
    def checked(self) -> bool:
        return self.limit is not None and self.needed is not None

    @property
    def ok(self) -> bool:
        free = self.free
        return self.needed is None or free is None or self.needed <= free


@dataclass(frozen=True)
class Fit:
    """Whether ``quantity`` fits ``location``, with the numbers behind the answer."""

    location: str
    quantity: Decimal
    weight_kg: LimitCheck
    volume_cm3: LimitCheck

    @property
    def fits(self) -> bool:
        return self.weight_kg.ok and self.volume_cm3.ok

    def refusal(self) -> str | None:
        """Why it does not fit, naming the numbers; None if it fits."""
        parts = [
            f"{name} needs {format_quantity(check.needed)} {unit}, "
            f"{format_quantity(check.free)} {unit} free of {format_quantity(check.limit)}"
            for name, unit, check in (
                ("weight", "kg", self.weight_kg),
                ("volume", "cm3", self.volume_cm3),
            )
            if not check.ok
            and check.needed is not None
            and check.free is not None
            and check.limit is not None
        ]
        return f"{self.location}: " + "; ".join(parts) if parts else None

    def numbers(self) -> dict[str, Any]:
        """The figures of a refusal or a suggestion, for a problem document or a reply."""
        return {
            "location": self.location,
            "quantity": self.quantity,
            **_limit_numbers("weight_kg", self.weight_kg),
            **_limit_numbers("volume_cm3", self.volume_cm3),
        }


def _limit_numbers(name: str, check: LimitCheck) -> dict[str, Decimal | None]:
    return {
        f"max_{name}": check.limit,
        f"used_{name}": check.used,
        f"free_{name}": check.free,
        f"needed_{name}": check.needed,
    }


def fits(size: ProductSize, quantity: Decimal, candidate: Candidate) -> Fit:
    """Whether ``quantity`` units of a product of ``size`` fit the candidate location."""
    weight, volume = size.unit_weight_kg, size.unit_volume_cm3
    held = candidate.contents
    return Fit(
        location=candidate.code,
        quantity=quantity,
        weight_kg=LimitCheck(
            candidate.max_weight_kg, held.weight_kg, None if weight is None else quantity * weight
        ),
        volume_cm3=LimitCheck(
            candidate.max_volume_cm3,
            held.volume_cm3,
            None if volume is None else quantity * volume,
        ),
    )


class Rule(StrEnum):
    """Why a location was chosen: the rank of preference it was found in."""

    HOLDS_PRODUCT = "holds_product"
    EMPTY_BULK = "empty_bulk"
    OVERFLOW = "overflow"


_RULE_RANK = {Rule.HOLDS_PRODUCT: 0, Rule.EMPTY_BULK: 1, Rule.OVERFLOW: 2}
# Among locations holding the product: the pick face first, then bulk.
_HOLDING_TYPES = {LocationType.PICK_FACE.value: 0, LocationType.BULK.value: 1}


def rule_of(candidate: Candidate) -> Rule | None:
    """The rank a candidate is eligible in, or None if put-away never chooses it."""
    if candidate.holds_product and candidate.type in _HOLDING_TYPES:
        return Rule.HOLDS_PRODUCT
    if candidate.type == LocationType.BULK and candidate.contents.empty:
        return Rule.EMPTY_BULK
    if candidate.type == LocationType.OVERFLOW:
        return Rule.OVERFLOW
    return None


def preference(candidate: Candidate) -> tuple[int, int, str] | None:
    """Sort key of an eligible candidate (smaller is better); None if not eligible."""
    rule = rule_of(candidate)
    if rule is None:
        return None
    if rule is Rule.HOLDS_PRODUCT:
        within = _HOLDING_TYPES[candidate.type]
    else:  # overflow already holding the product before other overflow
        within = 0 if candidate.holds_product else 1
    return (_RULE_RANK[rule], within, candidate.code)


@dataclass(frozen=True)
class Suggestion:
    """The chosen location, the rule that chose it and the fit that allowed it."""

    candidate: Candidate
    rule: Rule
    fit: Fit

    def reasons(self) -> list[str]:
        """Plain sentences a clerk can read on a phone."""
        kind = self.candidate.type.lower().replace("_", " ")
        said = {
            Rule.HOLDS_PRODUCT: f"the {kind} already holds this product",
            Rule.EMPTY_BULK: "an empty bulk location (no location holding the product had room)",
            Rule.OVERFLOW: "overflow: no location holding the product and no empty bulk had room",
        }
        return [said[self.rule], *_limit_reasons(self.fit, self.candidate.contents)]


def _limit_reasons(fit: Fit, held: Contents) -> list[str]:
    reasons = []
    for name, unit, check, lower_bound in (
        ("weight", "kg", fit.weight_kg, held.unweighed),
        ("volume", "cm3", fit.volume_cm3, held.unmeasured),
    ):
        if check.limit is None:
            reasons.append(f"{name}: no limit")
        elif check.needed is None:
            reasons.append(f"{name} not checked: the product's {name} is unknown")
        else:
            reasons.append(
                f"{name}: needs {format_quantity(check.needed)} {unit}, "
                f"{format_quantity(check.free or ZERO)} {unit} free"
                + (f" (some contents have no known {name})" if lower_bound else "")
            )
    return reasons


class NoPutawayLocation(DomainError):
    """No eligible location of the warehouse can take the quantity (409 ``no_location``)."""

    code = "no_location"

    def __init__(
        self, sku: str, warehouse: str, quantity: Decimal, size: ProductSize, refused: list[Fit]
    ) -> None:
        listed = " / ".join(filter(None, (f.refusal() for f in refused[:3])))
        super().__init__(
            f"no location of {warehouse} can take {format_quantity(quantity)} of {sku}"
            + (f": {listed}" if listed else ": it has no bulk, pick face or overflow location")
        )
        self.sku, self.warehouse, self.quantity = sku, warehouse, quantity
        weight, volume = size.unit_weight_kg, size.unit_volume_cm3
        self.needed_weight_kg = None if weight is None else quantity * weight
        self.needed_volume_cm3 = None if volume is None else quantity * volume
        self.refused = refused

    def details(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "warehouse": self.warehouse,
            "quantity": self.quantity,
            "needed_weight_kg": self.needed_weight_kg,
            "needed_volume_cm3": self.needed_volume_cm3,
            "considered": len(self.refused),
            "locations": [f.numbers() for f in self.refused[:MAX_LISTED]],
        }


class LocationFull(DomainError):
    """A move would take a location beyond its weight or volume limit (409 ``location_full``)."""

    code = "location_full"

    def __init__(self, sku: str, fit: Fit) -> None:
        super().__init__(
            f"{fit.location} cannot take {format_quantity(fit.quantity)} of {sku}: "
            + (fit.refusal() or "").removeprefix(f"{fit.location}: ")
        )
        self.sku, self.fit = sku, fit

    def details(self) -> dict[str, Any]:
        would_hold = {
            f"would_hold_{name}": check.used + check.needed
            for name, check in (
                ("weight_kg", self.fit.weight_kg),
                ("volume_cm3", self.fit.volume_cm3),
            )
            if check.needed is not None
        }
        return {"sku": self.sku, **self.fit.numbers(), **would_hold}


def require_room(sku: str, size: ProductSize, quantity: Decimal, candidate: Candidate) -> Fit:
    """The fit of ``quantity`` at the candidate; raises LocationFull if it does not fit."""
    fit = fits(size, quantity, candidate)
    if not fit.fits:
        raise LocationFull(sku, fit)
    return fit


def suggest(
    sku: str, warehouse: str, size: ProductSize, quantity: Decimal, candidates: Iterable[Candidate]
) -> Suggestion:
    """The most preferred eligible candidate that can take ``quantity``.

    Raises NoPutawayLocation, listing every eligible location it refused, when none can.
    """
    ranked = sorted(
        ((key, c) for c in candidates if (key := preference(c)) is not None),
        key=lambda pair: pair[0],
    )
    refused: list[Fit] = []
    for _, candidate in ranked:
        fit = fits(size, quantity, candidate)
        if fit.fits:
            rule = rule_of(candidate)
            assert rule is not None  # ranked holds eligible candidates only
            return Suggestion(candidate, rule, fit)
        refused.append(fit)
    raise NoPutawayLocation(sku, warehouse, quantity, size, refused)
