"""Sealing the audit trail: chaining committed rows, in batches, off the request path.

A request only inserts its audit rows (``db/audit.py``), unsealed, and takes no shared
lock. The sealer (``stockroom worker``, or ``stockroom audit seal`` once) locks the chain
head, which makes sealers take turns so the chain never forks, reads the horizon, and
gives the next final rows, in ``(tx_id, id)`` order, their positions and keyed hashes
(see ``db/queries/audit.py`` for why that order is complete and never skips a row).
"""

from sqlalchemy.orm import Session

from stockroom.db.queries import audit as audit_queries
from stockroom.domain.audit_chain import GENESIS, head_mac, keyed_hash


class ChainHeadUntrusted(Exception):
    """The head's MAC does not hold: a wrong key, or a head rewritten in the database.
    Sealing on would vouch for whatever it points to, so the sealer stops."""

    def __init__(self) -> None:
        super().__init__(
            "the audit chain head does not match the audit key (a different "
            "STOCKROOM_AUDIT_KEY, or the head was changed): run `stockroom verify`"
        )


def seal_batch(session: Session, key: bytes, limit: int) -> int:
    """Seal up to ``limit`` final rows in the caller's transaction; how many were sealed.

    With nothing to seal it still attests an unattested head (rows sealed before the key,
    or a new database), so ``verify`` can trust the legacy boundary from then on."""
    head = audit_queries.head(session, lock=True)
    if head is None:  # a database the migrations did not make
        return 0
    _check_head(key, head)
    horizon = audit_queries.sealing_horizon(session)
    rows = audit_queries.unsealed_rows(session, horizon, limit)
    if not rows and head.mac is not None:
        return 0
    seq, previous = head.last_seq, head.last_hash
    sealed = []
    for row in rows:
        seq += 1
        digest = keyed_hash(key, previous, seq, tuple(row[1:]))
        sealed.append({"id": row[0], "seq": seq, "prev_hash": previous, "hash": digest})
        previous = digest
    audit_queries.seal_rows(session, sealed)
    mac = head_mac(key, seq, previous, head.legacy_seq)
    audit_queries.move_head(session, audit_queries.Head(seq, previous, head.legacy_seq, mac))
    return len(rows)


def _check_head(key: bytes, head: audit_queries.Head) -> None:
    if head.mac is None:
        # Never attested: only a new chain or the legacy rows of an upgraded one.
        trusted = head.last_seq == head.legacy_seq
        trusted = trusted and (head.last_seq > 0 or head.last_hash == GENESIS)
    else:
        expected = head_mac(key, head.last_seq, head.last_hash, head.legacy_seq)
        trusted = head.mac == expected
    if not trusted:
        raise ChainHeadUntrusted
