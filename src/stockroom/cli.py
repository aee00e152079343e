"""The ``stockroom`` command: serve, worker, db upgrade, demo, verify, audit seal, replenish."""

import logging
import signal
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from stockroom.api import limiter
from stockroom.config import get_settings
from stockroom.db import migrate
from stockroom.db.queries.audit import Unsealed
from stockroom.domain.access import Role
from stockroom.domain.audit_chain import START
from stockroom.domain.clock import utcnow
from stockroom.domain.errors import DomainError
from stockroom.domain.quantities import format_quantity
from stockroom.services import audit_verify, replenishment, users
from stockroom.services.audit_seal import ChainHeadUntrusted
from stockroom.services.credentials import Passwords
from stockroom.services.demo import add_demo_users, load_demo
from stockroom.services.unit_of_work import Database, UnitOfWork, connect
from stockroom.services.verify import find_mismatches
from stockroom.workers import expiry, replenisher, rounds, sealer

app = typer.Typer(
    help="Stockroom inventory management.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
audit_app = typer.Typer(help="The audit trail's hash chain.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


def _database() -> Database:
    """The database, once its schema is this version's: on a database never upgraded
    (or upgraded by another version) every command failed with an SQL traceback."""
    settings = get_settings()
    at, head = (
        migrate.current_revision(settings.database_url),
        migrate.head_revision(settings.database_url),
    )
    if at != head:
        state = "has no schema yet" if at is None else f"is at schema revision {at}, not {head}"
        typer.echo(f"error: the database {state}; run `stockroom db upgrade` first", err=True)
        raise typer.Exit(1)
    return connect(settings)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the web app (/), the API (/api/v1) and its docs (/docs)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    if workers > 1 and not settings.redis_url and settings.rate_limit_file == limiter.MEMORY:
        typer.echo(
            "warning: with STOCKROOM_RATE_LIMIT_FILE=:memory: each worker counts on its own, "
            f"so the rate limits are {workers} times the configured ones",
            err=True,
        )
    uvicorn.run(
        "stockroom.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        # X-Forwarded-For is honoured by the app, from STOCKROOM_TRUSTED_PROXIES only.
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply the schema migrations."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    typer.echo(f"database at revision {migrate.current_revision(url)}")


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Do what is due now, then exit")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between rounds")] = 5.0,
    batch: Annotated[
        int, typer.Option(min=1, max=10_000, help="Reservations per transaction")
    ] = 500,
    seal_batch: Annotated[
        int, typer.Option(min=1, max=100_000, help="Audit rows sealed per transaction")
    ] = 2_000,
) -> None:
    """Release expired reservations, seal the audit trail and, once a day, compute the
    replenishment suggestions (run one or more next to the web server)."""
    database = _database()
    key = get_settings().audit_secret()
    jobs = [
        rounds.Job(
            "reservation expiry",
            lambda: expiry.expire_once(database, batch),
            lambda n: typer.echo(f"expired {n} reservations"),
        ),
        rounds.Job(
            "audit sealing",
            lambda: sealer.seal_once(database, key, seal_batch),
            lambda n: typer.echo(f"sealed {n} audit rows"),
        ),
    ]
    jobs.append(_replenishment_job(database))
    try:
        if once:
            for job in jobs:
                job.report(job.run_once())
            return
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        typer.echo(
            f"expiring reservations and sealing the audit trail every {interval} s, "
            "replenishment suggestions once a day"
        )
        rounds.run(jobs, interval=interval, stop=stop)
    finally:
        database.dispose()


def _replenishment_job(database: Database) -> rounds.Job:
    """Once a day: compute the suggestions, log a summary, apply them if the setting says."""
    settings = get_settings()
    daily = replenisher.Daily(
        lambda: replenisher.replenish_once(
            database,
            replenishment.config_of(settings),
            auto_apply=settings.replenishment_auto_apply,
            now=utcnow(),
        )
    )
    return rounds.Job(
        "replenishment",
        daily.run_once,
        lambda n: typer.echo(f"computed {n} replenishment suggestions"),
    )


@audit_app.command("seal")
def audit_seal(
    batch: Annotated[
        int, typer.Option(min=1, max=100_000, help="Audit rows sealed per transaction")
    ] = 2_000,
) -> None:
    """Seal every audit row that is final now (what the worker does each round)."""
    database = _database()
    try:
        sealed = sealer.seal_once(database, get_settings().audit_secret(), batch)
    except ChainHeadUntrusted as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    finally:
        database.dispose()
    typer.echo(f"sealed {sealed} audit rows")


@app.command()
def replenish(
    apply: Annotated[
        bool, typer.Option("--apply", help="Write the recommendations into the products")
    ] = False,
    only_changes: Annotated[
        bool, typer.Option("--only-changes", help="Print only what differs from the settings")
    ] = False,
) -> None:
    """Print the replenishment suggestion of every product in every warehouse stocking it
    (the numbers behind it, then the recommended reorder point and quantity against the
    current ones); with --apply, write those that differ into the products."""
    settings = get_settings()
    config = replenishment.config_of(settings)
    database = _database()
    try:
        with UnitOfWork(database, write=apply) as unit:
            found = list(replenishment.every_suggestion(unit.session, config, utcnow(), _progress))
            for suggestion in found:
                if suggestion.changes or not only_changes:
                    typer.echo(_suggestion_line(suggestion))
            changes = [s for s in found if s.changes]
            if apply:
                applied = replenishment.apply_changes(unit.session, found)
                unit.commit()
                typer.echo(f"applied {len(applied)} product x warehouse settings")
            else:
                typer.echo(f"{len(changes)} of {len(found)} differ; --apply writes them")
    finally:
        database.dispose()


def _progress(done: int) -> None:
    typer.echo(f"computed {done} product x warehouse pairs", err=True)


def _suggestion_line(found: replenishment.Suggestion) -> str:
    n, product, q = found.numbers, found.product, format_quantity
    return (
        f"{product.sku}\t{found.warehouse.code}\tavg {q(n.average_daily_demand)} sd "
        f"{q(n.demand_std_dev)} lead {n.lead_time_days}d ({found.terms.source})\t"
        f"seed ss {q(n.seed.safety_stock)} rp {q(n.seed.reorder_point)}\t"
        f"statistical ss {q(n.statistical.safety_stock)} rp {q(n.statistical.reorder_point)}\t"
        f"{found.rule.value}: reorder point {q(found.reorder_point)} quantity "
        f"{q(found.reorder_quantity)} (now {q(product.reorder_point)} / "
        f"{q(product.reorder_quantity)})" + (" *" if found.changes else "")
    )


@app.command()
def demo() -> None:
    """Load the demo data set (warehouses, products, stock, history) and one login per
    role with a published password. Safe to run twice; refused in production."""
    settings = get_settings()
    if settings.environment == "production":
        typer.echo(
            "refused: demo data and its logins (their password is public) are never loaded "
            "in production",
            err=True,
        )
        raise typer.Exit(1)
    database = _database()
    with UnitOfWork(database, write=True) as unit:
        if load_demo(unit.session, progress=typer.echo):
            typer.echo("demo data loaded")
        logins = add_demo_users(unit.session, Passwords(settings))
        unit.commit()
    database.dispose()
    for new in logins:
        typer.echo(f"demo login ({new.role.value}): {new.email} / {new.password}")


@app.command()
def verify(
    since_checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="A file outside the database with the last verified audit row: check only "
            "the rows sealed since, then move the checkpoint on (created on first use)"
        ),
    ] = None,
    max_unsealed_age: Annotated[
        int, typer.Option(min=0, help="Seconds an audit row may wait for the sealer")
    ] = 600,
) -> None:
    """Recompute every balance from the ledger and check the audit hash chain; exit 1 if
    anything is off, naming each balance or audit row."""
    settings = get_settings()
    since = audit_verify.read_checkpoint(since_checkpoint) if since_checkpoint else None
    database = _database()
    with UnitOfWork(database, write=False) as unit:
        mismatches = find_mismatches(unit.session)
        report = audit_verify.verify_chain(unit.session, settings.audit_secret(), since or START)
    database.dispose()
    for mismatch in mismatches:
        typer.echo(f"MISMATCH {mismatch.describe()}", err=True)
    for chain_break in report.breaks:
        typer.echo(f"TAMPERED {chain_break.describe()}", err=True)
    stale = _age(report.unsealed) > timedelta(seconds=max_unsealed_age)
    if mismatches:
        typer.echo(f"{len(mismatches)} balance(s) disagree with the ledger", err=True)
    if report.broken:
        typer.echo(f"{report.broken} problem(s) in the audit chain", err=True)
    elif since_checkpoint:
        audit_verify.write_checkpoint(since_checkpoint, report.end)
    if not (mismatches or report.broken or stale):
        typer.echo(
            "ok: every balance equals the sum of its ledger rows, reservations and order "
            "lines agree, the audit chain is intact"
        )
    _describe_chain(report, stale)
    if mismatches or report.broken or stale:
        raise typer.Exit(1)


def _age(pending: Unsealed) -> timedelta:
    """How long the oldest unsealed row has waited for the sealer."""
    return utcnow() - pending.oldest_at if pending.oldest_at else timedelta(0)


def _describe_chain(report: audit_verify.ChainReport, stale: bool) -> None:
    rate = f" ({report.micros_per_row:.1f} µs per row)" if report.checked else ""
    typer.echo(
        f"audit chain: {report.checked:,} row(s) checked up to seq {report.end.seq} in "
        f"{report.seconds:.2f} s{rate}"
    )
    pending = report.unsealed
    if pending.count:
        # Never passed over in silence: fresh ones are normal, old ones are not.
        what = f"{pending.count:,} audit row(s) not sealed yet (oldest id={pending.oldest_id}, "
        what += f"{_age(pending).total_seconds():.0f} s old)"
        if stale:
            typer.echo(f"UNSEALED {what}: is `stockroom worker` running?", err=True)
        else:
            typer.echo(f"audit chain: {what}; `stockroom worker` seals them")
    if report.legacy:
        typer.echo(
            f"audit chain: the first {report.legacy:,} row(s) were sealed before the audit "
            "key (plain SHA-256): they show accidental edits, not a deliberate rewrite"
        )


@users_app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(prompt=True, help="The admin's email (login name)")],
    name: Annotated[str, typer.Option(prompt=True, help="Display name")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="STOCKROOM_ADMIN_PASSWORD",
            help="Asked for when not given (or set STOCKROOM_ADMIN_PASSWORD)",
        ),
    ],
) -> None:
    """Create an administrator (the way in on a new installation)."""
    settings = get_settings()
    database = _database()
    try:
        with UnitOfWork(database, write=True) as unit:
            new = users.NewUser(email, name, password, Role.ADMIN)
            user = users.create_user(unit.session, Passwords(settings), new)
            unit.commit()
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from error
    finally:
        database.dispose()
    typer.echo(f"admin {user.email} created")
