"""Fill an empty Stockroom database with a seeded, consistent data set of a given scale.

    python -m bench.generate --database-url URL --scale tiny|small|medium|full [--seed N]

It migrates the database first, refuses one that already holds stock or catalog data,
and prints per-table progress (rows, rows/s) to stderr. ``stockroom verify`` passes on
the result: balances add up to their ledger rows and reservations, order lines to their
reservations, and the audit rows form an intact hash chain.
"""

import argparse
import gc
import random
import sys
import time
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, create_engine, text

from bench.history import Output, product_history
from bench.orders import allocate_order, balance_rows
from bench.pipeline import Writer
from bench.scales import SCALES, Scale
from bench.seal import Chain
from bench.sink import (
    PostgresSink,
    Progress,
    Sink,
    SqliteSink,
    advance_sequences,
    create_indexes,
    drop_secondary_indexes,
)
from bench.world import Item, World, build_world, new_uuid
from stockroom.config import Settings
from stockroom.db import migrate

# Products per transaction: large enough for COPY to stream, small enough to keep the
# rows of one batch (about 100 ledger rows per product) in memory.
BATCH_PRODUCTS = 1_000
STATIC_TABLES = ("warehouses", "locations", "categories", "products", "customers")
# Indexed after the load on PostgreSQL: these get ten million rows at the full scale.
REINDEXED_TABLES = ("stock_movements", "audit_log", "stock_balances")
# Parents before children within a batch (foreign keys are checked per row).
BATCH_TABLES = (
    "stock_balances",
    "sales_orders",
    "sales_order_lines",
    "reservations",
    "reservation_allocations",
    "stock_movements",
    "audit_log",
)
ACTOR_NAMES = ("Ana Ruiz", "Ben Okafor", "Chen Wei", "Dana Levi", "Emil Novak", "Fatima Zahra")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        rows = generate(args.database_url, SCALES[args.scale], args.seed)
    except NotEmpty as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - started
    total = sum(rows.values())
    print(
        f"done: {total:,} rows in {seconds:.1f} s ({total / seconds:,.0f} rows/s)", file=sys.stderr
    )
    return 0


class NotEmpty(Exception):
    """The generator only fills an empty database: it assigns the ids itself."""


def generate(database_url: str, scale: Scale, seed: int = 1) -> dict[str, int]:
    """Migrate, check emptiness, load; return the rows written per table."""
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    progress = Progress()
    try:
        with engine.connect() as connection:
            _require_empty(connection)
            sink: Sink = (
                PostgresSink(connection, progress)
                if connection.dialect.name == "postgresql"
                else SqliteSink(connection, progress)
            )
            _load(connection, sink, scale, random.Random(seed))
    finally:
        engine.dispose()
    for table in progress.rows:
        progress.report(table)
    return progress.rows


def _require_empty(connection: Connection) -> None:
    # Table names here and in bench.sink are constants of ours, never input: S608 is moot.
    for table in ("warehouses", "products", "stock_movements", "audit_log"):
        probe = text(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        if connection.execute(probe).first() is not None:
            raise NotEmpty(f"{table} is not empty: the generator needs a fresh database")
    connection.rollback()


def _load(connection: Connection, sink: Sink, scale: Scale, rng: random.Random) -> None:
    world = build_world(scale, rng)
    with connection.begin():
        for table in STATIC_TABLES:
            sink.write(table, world.tables[table])
    postgres = connection.dialect.name == "postgresql"
    with connection.begin():
        dropped = drop_secondary_indexes(connection, REINDEXED_TABLES) if postgres else []
    # The rows made here hold no reference cycles: the collector would only cost time
    # (it halves the per-row cost of generating and sealing, measured).
    gc.freeze()
    gc.disable()
    try:
        chain = _load_history(connection, sink, scale, world, rng)
    finally:
        gc.unfreeze()
        gc.enable()
        with connection.begin():
            create_indexes(connection, dropped)
    with connection.begin():
        _finish(connection, chain)


def _load_history(
    connection: Connection, sink: Sink, scale: Scale, world: World, rng: random.Random
) -> Chain:
    actors = {f"user:{new_uuid(rng)}": name for name in ACTOR_NAMES}
    out = Output(rng, list(actors), world.customer_ids)
    chain = Chain(actors, Settings().audit_secret())
    writer = Writer(connection, sink)
    writer.start()
    try:
        for batch in _batches(world.items, BATCH_PRODUCTS):
            writer.put(_history(batch, world, scale, out, chain))
    finally:
        writer.close()
    per_row = 1e6 * chain.seconds / max(chain.seq, 1)
    print(f"sealing: {chain.seq:,} audit rows, {per_row:.1f} µs per row", file=sys.stderr)
    # The same seed and scale give the same head on any database: a quick reproducibility check.
    print(f"audit chain head: seq {chain.seq}, hash {chain.head}", file=sys.stderr)
    return chain


def _batches(items: list[Item], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _history(
    items: list[Item], world: World, scale: Scale, out: Output, chain: Chain
) -> dict[str, list[tuple[object, ...]]]:
    """The ledger, balances, orders and audit rows of some products, in insertion order."""
    stocked = min(scale.balances_per_product, len(world.places))
    moves = scale.balances_per_product * scale.movements_per_balance
    for item in items:
        history = product_history(item, out.rng.sample(world.places, stocked), moves, out)
        if item.id % scale.reserve_one_in == 0:
            allocate_order(history)
        balance_rows(history)
    tables = out.take()
    tables["audit_log"] = chain.seal_movements(tables.get("stock_movements", []))
    return {table: tables.get(table, []) for table in BATCH_TABLES}


def _finish(connection: Connection, chain: Chain) -> None:
    """Point the chain's head at the last sealed row; on PostgreSQL move the id sequences
    on and refresh the planner's statistics for the benchmarks that follow."""
    connection.execute(
        text(
            "UPDATE audit_head SET last_seq = :seq, last_hash = :hash, legacy_seq = 0, "
            "mac = :mac WHERE id = 1"
        ),
        {"seq": chain.seq, "hash": chain.head, "mac": chain.head_mac()},
    )
    if connection.dialect.name == "postgresql":
        advance_sequences(connection, (*STATIC_TABLES, *BATCH_TABLES))
        connection.execute(text("ANALYZE"))


if __name__ == "__main__":
    sys.exit(main())
