"""``q=`` search finds the same products on both databases, and on PostgreSQL whether it
reads the trigram indexes or scans: SKU or name containing ``q`` whatever the case,
barcode containing it, ``%``, ``_`` and ``\\`` taken literally."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from factories import product
from stockroom.db.models import Product
from stockroom.db.queries.catalog import product_search_clause
from stockroom.services.catalog import ProductFilter, list_products

PRODUCTS = [
    ("HAM-100", "Hammer, claw", "4006381333931"),
    ("ham-200", "Sledge hammer", None),
    ("SCR-1", "Screwdriver 50% off", "5901234123457"),
    ("A_B-7", "Tape a_b", "96385074"),
    ("AXB-8", "Tape axb", None),
    ("PATH-1", "C:\\temp rack", "012345678905"),
    ("X", "Hose", None),
]

QUERIES = ["ham", "HAMMER", "mer, c", "h", "x", "50%", "a_b", "\\", "3813", "4006", "ose", "zz"]


def expected(q: str) -> list[str]:
    """The rule itself, in Python: what the database must return for ``q``."""
    needle = q.lower()
    return sorted(
        sku
        for sku, name, barcode in PRODUCTS
        if needle in sku.lower() or needle in name.lower() or q in (barcode or "")
    )


def searched(session: Session, q: str) -> list[str]:
    page = list_products(session, ProductFilter(q=q), None, None, 500)
    return sorted(p.sku for p in page.items)


@pytest.fixture
def catalog(session: Session) -> Session:
    for sku, name, barcode in PRODUCTS:
        product(session, sku, name=name, barcode=barcode)
    return session


@pytest.mark.parametrize("q", QUERIES)
def test_search_finds_what_the_rule_says(catalog: Session, q: str) -> None:
    assert searched(catalog, q) == expected(q)


@pytest.mark.parametrize("q", QUERIES)
def test_search_through_the_trigram_indexes_finds_the_same(
    catalog: Session, db_kind: str, q: str
) -> None:
    if db_kind != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    # Neither a scan of the table nor of a B-tree: only the trigram indexes remain.
    catalog.execute(text("SET LOCAL enable_seqscan = off"))
    catalog.execute(text("SET LOCAL enable_indexscan = off"))

    assert searched(catalog, q) == expected(q)
    assert "_trgm" in plan_of(catalog, q)


def plan_of(session: Session, q: str) -> str:
    stmt = select(Product.id).where(product_search_clause(q))
    sql = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return "\n".join(session.execute(text(f"EXPLAIN {sql}")).scalars())
