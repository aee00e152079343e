"""Business errors. Each carries a stable ``code``; ``api/errors.py`` maps them to HTTP."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stockroom.domain.decimals import format_quantity


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input the error is about, where it is one: a form shows the message there.
        self.field = field

    def details(self) -> dict[str, Any]:
        """Extra machine-readable fields for the problem document."""
        return {}


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!s} not found")
        self.entity = entity
        self.key = str(key)

    def details(self) -> dict[str, Any]:
        return {"entity": self.entity, "key": self.key}


class InvalidQuantity(DomainError):
    code = "invalid_quantity"


class RuleViolation(DomainError):
    """Well-formed input that breaks a business rule (a cycle, a transfer to itself...)."""

    code = "rule_violation"


class Duplicate(DomainError):
    code = "duplicate"

    def __init__(self, entity: str, field: str, value: object) -> None:
        super().__init__(f"{entity} with {field} {value!s} already exists")
        self.field = field
        self.value = str(value)

    def details(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value}


class VersionRequired(DomainError):
    """Changing something that exists needs the version the caller read, so no one
    overwrites a change they never saw (an update that may also create, like a PUT)."""

    code = "precondition_required"

    def __init__(self, entity: str) -> None:
        super().__init__(
            f"{entity} exists: send the version you read, as If-Match header or version field"
        )


class VersionConflict(DomainError):
    code = "version_conflict"

    def __init__(self, entity: str, expected: int, actual: int) -> None:
        super().__init__(
            f"{entity} was changed by someone else: you sent version {expected}, "
            f"it is now at version {actual}; reload and retry"
        )
        self.expected = expected
        self.actual = actual

    def details(self) -> dict[str, Any]:
        return {"expected_version": self.expected, "current_version": self.actual}


@dataclass(frozen=True)
class Shortage:
    """One line that cannot be served: what was asked and what there is."""

    sku: str
    location: str
    requested: Decimal
    available: Decimal


class InsufficientStock(DomainError):
    """Raised with every short line at once, not just the first."""

    code = "insufficient_stock"

    def __init__(self, shortages: list[Shortage]) -> None:
        first = shortages[0]
        super().__init__(
            f"insufficient stock of {first.sku} at {first.location}: "
            f"requested {format_quantity(first.requested)}, "
            f"available {format_quantity(first.available)}"
            + (f" (and {len(shortages) - 1} more lines)" if len(shortages) > 1 else "")
        )
        self.shortages = shortages

    def details(self) -> dict[str, Any]:
        first = self.shortages[0]
        return {
            "sku": first.sku,
            "location": first.location,
            "requested": first.requested,
            "available": first.available,
            "shortages": [
                {
                    "sku": s.sku,
                    "location": s.location,
                    "requested": s.requested,
                    "available": s.available,
                }
                for s in self.shortages
            ],
        }


class BalanceLimitExceeded(DomainError):
    """A balance would hold more than the one maximum a quantity may have (422)."""

    code = "balance_limit_exceeded"

    def __init__(self, on_hand: Decimal, requested: Decimal, maximum: Decimal) -> None:
        super().__init__(
            f"on hand {format_quantity(on_hand)} plus {format_quantity(requested)} "
            f"exceeds the maximum balance {format_quantity(maximum)}"
        )
        self.on_hand, self.requested, self.maximum = on_hand, requested, maximum

    def details(self) -> dict[str, Any]:
        return {"on_hand": self.on_hand, "requested": self.requested, "maximum": self.maximum}


class UnitChangeRefused(DomainError):
    """A new unit would strand quantities it cannot express (0.5 of a piece) (409)."""

    code = "unit_change_refused"

    def __init__(
        self,
        unit: str,
        decimals: int,
        quantities: list[tuple[str, Decimal]],
        *,
        elsewhere: bool = False,
    ) -> None:
        named = [f"{what} {format_quantity(q)}" for what, q in quantities[:5]]
        # Quantities in warehouses the caller may not see: said to exist, never named.
        listed = ", ".join(named + (["quantities in other warehouses"] if elsewhere else []))
        super().__init__(
            f"unit {unit} allows {decimals} decimals, but the product still has {listed}; "
            "move, count or release those first"
        )
        self.unit, self.decimals, self.quantities = unit, decimals, quantities

    def details(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "decimals": self.decimals,
            "quantities": [{"what": what, "quantity": q} for what, q in self.quantities],
        }


class CountBelowReserved(DomainError):
    """A count may not drop on-hand below what is already promised to customers."""

    code = "count_below_reserved"

    def __init__(self, counted: Decimal, reserved: Decimal) -> None:
        super().__init__(
            f"counted {format_quantity(counted)} is below the reserved "
            f"{format_quantity(reserved)}; release or reallocate the reservations first"
        )
        self.counted = counted
        self.reserved = reserved

    def details(self) -> dict[str, Any]:
        return {"counted": self.counted, "reserved": self.reserved}


class InvalidState(DomainError):
    """The thing is not in a state that allows this action (409); ``details`` say why."""

    code = "invalid_state"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.extra = details

    def details(self) -> dict[str, Any]:
        return dict(self.extra)


class ConcurrentChange(DomainError):
    """The row kept changing under a compare-and-set; trying again usually succeeds."""

    code = "concurrent_change"


class Forbidden(DomainError):
    """The actor is known but may not do this (a role or a warehouse scope says no)."""

    code = "forbidden"


class Unauthorized(DomainError):
    """No valid credentials: missing, expired, tampered with or revoked."""

    code = "unauthorized"
