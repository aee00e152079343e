"""Customers and their addresses."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import Session

from stockroom.db.models import Customer, CustomerAddress
from stockroom.db.queries import orders as queries
from stockroom.db.queries.pagination import Page, paginate, parse_sort
from stockroom.db.types import utcnow
from stockroom.domain.errors import NotFound, RuleViolation
from stockroom.services.versions import check_version

# What an order copies of an address (not whether it is someone's default).
ADDRESS_FIELDS = ("label", "name", "line1", "line2", "city", "region", "postal_code", "country")
SORTS = {"name": Customer.name, "created_at": Customer.created_at, "email": Customer.email}


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    country: str
    label: str | None = None
    name: str | None = None
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None
    is_default_shipping: bool = False
    is_default_billing: bool = False


def snapshot(address: Address | CustomerAddress) -> dict[str, Any]:
    """As an order keeps it: later edits of the customer do not change where it went."""
    return {name: getattr(address, name) for name in ADDRESS_FIELDS}


def _address_rows(addresses: list[Address]) -> list[CustomerAddress]:
    for flag in ("is_default_shipping", "is_default_billing"):
        if sum(getattr(a, flag) for a in addresses) > 1:
            raise RuleViolation(f"only one address may be {flag.removeprefix('is_')}")
    return [
        CustomerAddress(position=number, **address.__dict__)
        for number, address in enumerate(addresses, start=1)
    ]


def create_customer(session: Session, fields: dict[str, Any], addresses: list[Address]) -> Customer:
    customer = Customer(**fields, addresses=_address_rows(addresses))
    session.add(customer)
    session.flush()
    return customer


def get_customer(session: Session, public_id: uuid.UUID) -> Customer:
    found = queries.customer_by_public_id(session, public_id)
    if found is None:
        raise NotFound("customer", public_id)
    return found


def update_customer(
    session: Session,
    public_id: uuid.UUID,
    changes: dict[str, Any],
    addresses: list[Address] | None,
    version: int | None,
) -> Customer:
    """Change the fields sent; ``addresses``, when sent, replaces the whole list."""
    customer = get_customer(session, public_id)
    check_version("customer", customer.version, version)
    for name, value in changes.items():
        setattr(customer, name, value)
    if addresses is not None:
        customer.addresses.clear()
        session.flush()  # the old rows go first: positions are unique per customer
        customer.addresses.extend(_address_rows(addresses))
        customer.updated_at = utcnow()  # the list changed: the version must move too
    session.flush()
    return customer


@dataclass(frozen=True)
class CustomerFilter:
    q: str | None = None
    active: bool | None = True


def list_customers(
    session: Session, filters: CustomerFilter, sort: str | None, cursor: str | None, limit: int
) -> Page[Customer]:
    stmt = queries.customers_query()
    if filters.active is not None:
        stmt = stmt.where(Customer.is_active.is_(filters.active))
    if filters.q:
        pattern = f"%{filters.q.lower()}%"
        stmt = stmt.where(
            or_(func.lower(Customer.name).like(pattern), func.lower(Customer.email).like(pattern))
        )
    keys = parse_sort(sort, SORTS, "name")
    return paginate(session, stmt, keys, Customer.id, cursor, limit)


def default_shipping(customer: Customer) -> dict[str, Any] | None:
    """The address an order ships to when it names none: the default, else the first."""
    rows = customer.addresses
    chosen = next((a for a in rows if a.is_default_shipping), rows[0] if rows else None)
    return None if chosen is None else snapshot(chosen)
