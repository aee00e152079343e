"""The ``stockroom`` command: serve, worker, db upgrade, demo, verify."""

import logging
import signal
import threading
from typing import Annotated

import typer
import uvicorn

from stockroom.api import limiter
from stockroom.config import get_settings
from stockroom.db import migrate
from stockroom.db.audit import verify_chain
from stockroom.domain.access import Role
from stockroom.domain.errors import DomainError
from stockroom.services import users
from stockroom.services.credentials import Passwords
from stockroom.services.demo import load_demo
from stockroom.services.unit_of_work import Database, UnitOfWork, connect
from stockroom.services.verify import find_mismatches
from stockroom.workers import expiry

app = typer.Typer(
    help="Stockroom inventory management.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


def _database() -> Database:
    return connect(get_settings())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development)")] = False,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the API and its docs (/docs)."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    if workers > 1 and not settings.redis_url and settings.rate_limit_file == limiter.MEMORY:
        typer.echo(
            "warning: with STOCKROOM_RATE_LIMIT_FILE=:memory: each worker counts on its own, "
            f"so the rate limits are {workers} times the configured ones",
            err=True,
        )
    uvicorn.run(
        "stockroom.api.app:create_app",
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
    once: Annotated[bool, typer.Option(help="Expire what is due now, then exit")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between rounds")] = 5.0,
    batch: Annotated[
        int, typer.Option(min=1, max=10_000, help="Reservations per transaction")
    ] = 500,
) -> None:
    """Release expired reservations (run one or more next to the web server)."""
    database = _database()
    if once:
        typer.echo(f"expired {expiry.expire_once(database, batch)} reservations")
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"expiring reservations every {interval} s; Ctrl-C to stop")
    expiry.run(
        database,
        interval=interval,
        batch_size=batch,
        stop=stop,
        report=lambda n: typer.echo(f"expired {n} reservations"),
    )


@app.command()
def demo() -> None:
    """Load the demo data set (warehouses, products, stock, history). Safe to run twice."""
    database = _database()
    with UnitOfWork(database, write=True) as unit:
        if load_demo(unit.session, progress=typer.echo):
            unit.commit()
            typer.echo("demo data loaded")
    database.dispose()


@app.command()
def verify() -> None:
    """Recompute every balance from the ledger and check the audit hash chain; exit 1 if
    anything is off, naming each balance or audit row."""
    database = _database()
    with UnitOfWork(database, write=False) as unit:
        mismatches = find_mismatches(unit.session)
        breaks = verify_chain(unit.session)
    database.dispose()
    for mismatch in mismatches:
        typer.echo(f"MISMATCH {mismatch.describe()}", err=True)
    for chain_break in breaks:
        typer.echo(f"TAMPERED {chain_break.describe()}", err=True)
    if mismatches:
        typer.echo(f"{len(mismatches)} balance(s) disagree with the ledger", err=True)
    if breaks:
        typer.echo(f"{len(breaks)} problem(s) in the audit chain", err=True)
    if mismatches or breaks:
        raise typer.Exit(1)
    typer.echo(
        "ok: every balance equals the sum of its ledger rows, reservations and order lines "
        "agree, the audit chain is intact"
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
