"""Column types shared by the tables."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

from stockroom.domain.clock import utcnow

__all__ = ["BigId", "Fixed", "Money", "Quantity", "UtcDateTime", "utcnow"]


class Fixed(TypeDecorator[Decimal]):
    """An exact decimal with a fixed number of decimals.

    PostgreSQL stores it as NUMERIC(precision, scale). SQLite has no exact decimal type
    (NUMERIC columns hold binary floats, so 0.3 - 0.1 - 0.2 is not 0 there and a CHECK
    ``on_hand >= 0`` could trip on rounding). On SQLite the value is therefore stored as
    an integer count of the smallest step (10**-scale), which keeps sums, guards and
    CHECK constraints exact on both databases.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        if dialect.name == "sqlite":
            return int(value.scaleb(self.scale).to_integral_value())
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def coerce_compared_value(self, op: Any, value: Any) -> "Fixed":
        # Literals compared with or added to a Fixed column get the same storage scale.
        return self


# Stock quantities: up to 15 integer digits and 3 decimals.
Quantity = Fixed(18, 3)
# Unit costs and prices: up to 10 integer digits and 4 decimals.
Money = Fixed(14, 4)


# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, always timezone-aware UTC in Python whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC time is expected")
        utc: datetime = value.astimezone(UTC)
        # SQLite keeps text; without an offset every row sorts and compares the same way.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        result: datetime = value
        return result.replace(tzinfo=UTC) if result.tzinfo is None else result.astimezone(UTC)
