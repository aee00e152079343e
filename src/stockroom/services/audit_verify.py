"""Checking the audit chain: streamed in keyset batches of plain tuples, resumable.

The walk reads the head first and then the rows up to it, in ``seq`` order: a sealer
running meanwhile moves the head and its rows in one transaction, so the rows up to the
head read are all there to be read. Each row must follow the one before (no gap), link to
its hash, and carry the hash of its content under its scheme (legacy SHA-256 up to the
head's ``legacy_seq``, HMAC with the audit key after it); the walk must end at the head,
and the head's MAC must hold. Unsealed rows are counted, never passed over in silence.

A ``Checkpoint`` (kept outside the database) lets a run start after the last row an
earlier run verified: it checks that row still has the hash it had, then only what is new.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from stockroom.db.queries import audit as audit_queries
from stockroom.domain.audit_chain import START, Checkpoint, head_mac, keyed_hash, legacy_hash

BATCH = 5_000
NOTHING_UNSEALED = audit_queries.Unsealed(0, None, None, 0)
# Past this many, breaks are counted but not listed (a wrong key breaks every row).
MAX_LISTED = 100


@dataclass(frozen=True)
class ChainBreak:
    row_id: int | None
    seq: int | None
    problem: str

    def describe(self) -> str:
        where = f"audit row id={self.row_id} (seq {self.seq})" if self.row_id else "audit log"
        return f"{where}: {self.problem}"


@dataclass
class ChainReport:
    breaks: list[ChainBreak] = field(default_factory=list)
    broken: int = 0  # all breaks, listed or not
    checked: int = 0  # rows whose hash this run recomputed
    legacy: int = 0  # rows of the whole chain sealed without the key
    end: Checkpoint = START
    unsealed: audit_queries.Unsealed = NOTHING_UNSEALED
    seconds: float = 0.0

    def add(self, found: ChainBreak) -> None:
        self.broken += 1
        if len(self.breaks) < MAX_LISTED:
            self.breaks.append(found)

    @property
    def micros_per_row(self) -> float:
        return 1e6 * self.seconds / max(self.checked, 1)


def verify_chain(
    session: Session, key: bytes, since: Checkpoint = START, batch_size: int = BATCH
) -> ChainReport:
    """Walk the chain from after ``since`` to the head; report every break."""
    started = time.perf_counter()
    report = ChainReport()
    head = audit_queries.head(session)
    if head is None:
        report.add(ChainBreak(None, None, "the chain head is missing"))
        return report
    report.legacy = head.legacy_seq
    _check_checkpoint(session, since, head, report)
    walk = _Walk(key, head.legacy_seq, since, report)
    while walk.last.seq < head.last_seq:
        rows = audit_queries.chain_rows(session, walk.last.seq, head.last_seq, batch_size)
        if not rows:
            break
        walk.check(rows)
    _check_head(key, head, walk.last, report)
    _check_beyond_head(session, report)
    report.end = walk.last
    frontier = audit_queries.position_at(session, head.last_seq) if head.last_seq else None
    report.unsealed = audit_queries.unsealed(session, frontier)
    if report.unsealed.behind:
        problem = f"{report.unsealed.behind} unsealed row(s) sit behind sealed ones (inserted?)"
        report.add(ChainBreak(None, None, problem))
    report.seconds = time.perf_counter() - started
    return report


class _Walk:
    """The rows seen so far: the last one checked, and what the next must be."""

    def __init__(self, key: bytes, legacy_seq: int, since: Checkpoint, report: ChainReport):
        self.key, self.legacy_seq, self.report = key, legacy_seq, report
        self.last = Checkpoint(since.seq, since.hash, legacy_seq)

    def check(self, rows: list[Any]) -> None:
        expected, previous = self.last.seq + 1, self.last.hash
        key, legacy_seq, add = self.key, self.legacy_seq, self.report.add
        for row in rows:
            row_id, seq, prev_hash, digest = row[0], row[1], row[2] or "", row[3]
            content = tuple(row[4:])
            if seq != expected:
                add(ChainBreak(row_id, seq, f"rows {expected}..{seq - 1} are missing"))
            elif prev_hash != previous:
                add(ChainBreak(row_id, seq, "does not link to the row before it"))
            if seq <= legacy_seq:
                recomputed = legacy_hash(prev_hash, seq, content)
            else:
                recomputed = keyed_hash(key, prev_hash, seq, content)
            if digest != recomputed:
                add(ChainBreak(row_id, seq, "content was changed after it was written"))
            expected, previous = seq + 1, digest or ""
        self.report.checked += len(rows)
        self.last = Checkpoint(expected - 1, previous, legacy_seq)


def _check_checkpoint(
    session: Session, since: Checkpoint, head: audit_queries.Head, report: ChainReport
) -> None:
    if since.seq == 0:
        return
    if since.seq > head.last_seq:
        problem = f"the chain ends at seq {head.last_seq}, before the checkpoint's {since.seq}"
        report.add(ChainBreak(None, None, f"{problem}: rows removed or the head rolled back"))
    elif audit_queries.hash_at(session, since.seq) != since.hash:
        report.add(ChainBreak(None, since.seq, "the checkpoint's row was changed or removed"))
    if since.legacy_seq != head.legacy_seq:
        report.add(ChainBreak(None, None, "the legacy boundary moved since the checkpoint"))


def _check_head(
    key: bytes, head: audit_queries.Head, last: Checkpoint, report: ChainReport
) -> None:
    if (last.seq, last.hash) != (head.last_seq, head.last_hash):
        report.add(ChainBreak(None, None, "the newest rows were removed (head mismatch)"))
    if head.mac is None:
        if head.last_seq > 0:
            problem = "the chain head is not attested with the audit key yet"
            report.add(ChainBreak(None, None, f"{problem}: run `stockroom audit seal` once"))
    elif head.mac != head_mac(key, head.last_seq, head.last_hash, head.legacy_seq):
        problem = "the chain head's MAC does not hold (another key, or a rewritten head)"
        report.add(ChainBreak(None, None, problem))


def _check_beyond_head(session: Session, report: ChainReport) -> None:
    """Rows past the head: sealed since it was read (then the head now covers them, as the
    sealer moves both at once; so read the rows first), or put there by hand."""
    furthest = audit_queries.last_seq(session)
    now = audit_queries.head(session)
    if now is not None and furthest > now.last_seq:
        problem = f"rows up to seq {furthest} lie past the chain head (inserted?)"
        report.add(ChainBreak(None, None, problem))


def read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint kept in ``path``; the start of the chain if there is none yet."""
    if not path.exists():
        return START
    kept = json.loads(path.read_text())
    return Checkpoint(int(kept["seq"]), str(kept["hash"]), int(kept["legacy_seq"]))


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Replace the file in one step, so a crash leaves the old checkpoint or the new."""
    kept = {"seq": checkpoint.seq, "hash": checkpoint.hash, "legacy_seq": checkpoint.legacy_seq}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(kept) + "\n")
    partial.replace(path)
