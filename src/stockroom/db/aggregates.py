"""Exact sums of quantities on both databases.

PostgreSQL sums NUMERIC exactly and without overflow. SQLite's ``sum()`` over the integer
thousandths of ``Fixed`` raises "integer overflow" once a total passes 2**63 (about 9.2e15
units), which would turn every availability read of a big SKU into a 500, for good. So on
SQLite ``quantity_sum`` is ``exact_sum``, an aggregate registered on every connection
(``db/engine.py``) that adds Python integers, which never overflow. ``value_sum`` (what
stock is worth: quantity times cost) is built the same way.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from stockroom.db.types import Fixed, Quantity

EXACT_SUM = "exact_sum"
# SQLite's INTEGER range: a larger total leaves the aggregate as decimal text (still exact;
# compared with a column it is read as a number through the column's affinity).
_INT64 = 2**63 - 1


class ExactSum:
    """The SQLite aggregate behind ``quantity_sum``: NULL for no rows, like ``sum()``."""

    def __init__(self) -> None:
        self.total: int | None = None

    def step(self, value: Any) -> None:
        if value is not None:
            self.total = (self.total or 0) + int(value)

    def finalize(self) -> int | str | None:
        if self.total is None or abs(self.total) <= _INT64:
            return self.total
        return str(self.total)


class quantity_sum(FunctionElement[Decimal]):
    """``SUM`` of a quantity column that cannot overflow, on either database."""

    type = Quantity
    inherit_cache = True
    name = "quantity_sum"


@compiles(quantity_sum)
def _sum(element: quantity_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(quantity_sum, "sqlite")
def _exact_sum(element: quantity_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{EXACT_SUM}({compiler.process(element.clauses, **kw)})"


EXACT_VALUE_SUM = "exact_value_sum"
# A quantity (thousandths) times a cost (ten-thousandths): ten-millionths of money.
VALUE_SCALE = 7


class ExactValueSum(ExactSum):
    """The SQLite aggregate behind ``value_sum``: the products of two ``Fixed`` columns,
    multiplied and added as Python integers. SQLite's own ``a * b`` turns into a binary
    float once the product passes 2**63, which would make a stock value inexact."""

    def step(self, quantity: Any, cost: Any) -> None:  # type: ignore[override]
        if quantity is not None and cost is not None:
            self.total = (self.total or 0) + int(quantity) * int(cost)


class value_sum(FunctionElement[Decimal]):
    """``SUM(quantity * cost)`` exactly, on either database: what stock is worth."""

    type = Fixed(30, VALUE_SCALE)
    inherit_cache = True
    name = "value_sum"


@compiles(value_sum)
def _value_sum(element: value_sum, compiler: SQLCompiler, **kw: Any) -> str:
    quantity, cost = (compiler.process(c, **kw) for c in element.clauses)
    return f"sum({quantity} * {cost})"


@compiles(value_sum, "sqlite")
def _exact_value_sum(element: value_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{EXACT_VALUE_SUM}({compiler.process(element.clauses, **kw)})"
