"""Lots: a batch of one product, named by its number, with the date it expires."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from stockroom.db.models.base import Base, PublicId
from stockroom.db.models.catalog import Product
from stockroom.db.types import UtcDateTime, utcnow


class Lot(PublicId, Base):
    """One lot of a lot-tracked product. Its number is unique per product, and it keeps
    the expiry it arrived with: the same number with another date is refused."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    number: Mapped[str] = mapped_column(String(64))
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship(lazy="raise")
