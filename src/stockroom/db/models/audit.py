"""The audit trail: one append-only, hash-chained row per change."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from stockroom.db.models.base import Base
from stockroom.db.models.stock import WritingTransaction
from stockroom.db.types import BigId, UtcDateTime, utcnow


class AuditEntry(Base):
    """``hash`` = HMAC of the previous row's hash and this row's content, so editing or
    deleting any row breaks the chain from there on (``stockroom verify`` names it).

    Rows are inserted unsealed as changes are flushed (a rolled-back savepoint takes its
    rows with it); the sealer (``stockroom worker``) later gives committed rows their
    ``seq``, ``prev_hash`` and ``hash``, in ``(tx_id, id)`` order (``services/audit_seal.py``)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_actor", "actor", "id"),
        Index("ix_audit_log_created_at", "created_at"),
        Index("uq_audit_log_seq", "seq", unique=True),
        # What the sealer reads next: the unsealed rows only, in sealing order.
        Index(
            "ix_audit_log_unsealed",
            "tx_id",
            "id",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(160))
    actor_name: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    # The warehouse the entity belongs to, so scoped readers see only their own; None for
    # what belongs to no warehouse (catalog, customers, users, keys) and for older rows.
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"), index=True)
    # The writing transaction (see WritingTransaction): the sealer seals a row only once
    # every transaction that could still add a row before it has ended.
    tx_id: Mapped[int] = mapped_column(BigInteger, server_default=WritingTransaction())
    # Position in the chain, assigned by the sealer under the head lock; NULL until then.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the chain (one row). The sealer locks it, so the chain never forks (no
    request does); with its MAC it lets verify notice rows removed from the end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # Rows up to here were sealed with the unkeyed legacy scheme (before migration 0010).
    legacy_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # HMAC of (last_seq, last_hash, legacy_seq) with the audit key; NULL until first sealed.
    mac: Mapped[str | None] = mapped_column(String(64))
