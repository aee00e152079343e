"""The load benchmark: a real server on a throwaway database, closed-loop clients, a report.

    python -m bench.load [--database postgresql|sqlite ...] [--scale small] [--duration 10]
                         [--database-url URL] [--compare REF] [--workloads a,b]

For each database it starts a throwaway server (PostgreSQL with durability on, or a
SQLite file), fills it with ``bench.generate`` at ``--scale`` (or uses ``--database-url``
as it is, already generated), creates the user the clients log in as, starts
``stockroom serve --workers N`` and ``stockroom worker`` from this tree, runs every
workload (``bench/workloads.py``) for ``--duration`` seconds, then stops the server and
runs ``stockroom verify``. It writes the figures as JSON under ``bench/results/`` and as
a markdown section into ``docs/benchmarks.md`` (``--markdown`` elsewhere). Progress goes
to stderr. Everything it started is stopped on the way out, Ctrl-C included.

Exit status: 0, or 1 when ``verify`` failed or the hot SKU was oversold.
"""

import argparse
import asyncio
import json
import re
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import uvloop

from bench import compare, report
from bench.driver import Measurement, Target, run_workload
from bench.machine import git_commit, load_average, machine_info
from bench.scales import SCALES
from bench.servers import (
    AppServer,
    Databases,
    create_bench_user,
    database_kind,
    generate,
    postgres_version,
    verify,
)
from bench.workloads import (
    WORKLOAD_NAMES,
    Steps,
    StockBook,
    Workload,
    hot_sku_balances,
    oversold,
    sample_data,
    workloads,
)

TREE = Path(__file__).resolve().parents[1]
WARM_UP = Workload(
    "warm_up",
    8,
    (
        (1.0, "product_get"),
        (1.0, "availability"),
        (1.0, "inventory_list"),
        (1.0, "movements_of_sku"),
    ),
    reads_only=True,
)
DATABASE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--database",
        action="append",
        choices=sorted(DATABASE_NAMES),
        help="throwaway database(s) to run on, in this order (default: postgresql)",
    )
    add("--database-url", help="an already generated database: used as it is, nothing started")
    add("--scale", choices=sorted(SCALES), default="small")
    add("--seed", type=int, default=1)
    add("--duration", type=float, default=10.0, help="seconds per workload (and per round)")
    add("--warmup", type=float, default=2.0, help="seconds of reads after each server start")
    add("--clients", type=int, default=16, help="clients of the single-endpoint workloads")
    add("--hot-clients", type=int, default=32, help="clients reserving the one hot SKU")
    add("--max-clients", type=int, help="cap every workload's clients (quick looks, tests)")
    add("--workers", type=int, default=2, help="stockroom serve --workers")
    add("--workloads", default=",".join(WORKLOAD_NAMES), help="comma-separated subset")
    add("--compare", metavar="REF", help="also run git revision REF; print B/A ratios")
    add("--rounds", type=int, default=2, help="--compare: runs of each workload per side")
    add("--label", help="title of the markdown section (same label: replaced)")
    add("--markdown", type=Path, default=TREE / "docs" / "benchmarks.md")
    add("--results-dir", type=Path, default=TREE / "bench" / "results")
    args = parser.parse_args(argv)
    unknown = set(args.workloads.split(",")) - set(WORKLOAD_NAMES)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; known: {', '.join(WORKLOAD_NAMES)}")
    if args.database_url:
        args.database = [database_kind(args.database_url)]
    args.database = args.database or ["postgresql"]
    return args


@dataclass
class Side:
    """One server's code and data: B is this tree, A the --compare revision."""

    label: str
    tree: Path
    commit: str
    url: str = ""
    measurements: dict[str, list[Measurement]] = field(default_factory=dict)


class Bench:
    """One database kind: provision, load, measure, verify."""

    def __init__(
        self, args: argparse.Namespace, kind: str, workdir: Path, sides: list[Side]
    ) -> None:
        self.args = args
        self.kind = kind
        self.workdir = workdir
        self.sides = sides
        chosen = args.workloads.split(",")
        everything = workloads(args.clients, args.hot_clients, args.max_clients)
        self.selected = [w for w in everything if w.name in chosen]
        self.oversell: dict[str, list[str]] = {}
        self.targets: dict[str, Target] = {}

    def run(self, runner: asyncio.Runner) -> dict[str, Any]:
        with Databases(self.kind, self.workdir) as databases:
            self._provision(databases)
            sample = sample_data(self.sides[-1].url, self.args.seed)
            steps = Steps(sample, StockBook.of(sample.stocked, exclude_sku=sample.hot_spot().sku))
            with ExitStack() as servers:
                targets = self.targets
                for side in self.sides:
                    log(f"{self.kind}: starting the server{self._of(side)}")
                    targets[side.label] = servers.enter_context(self._server(side))
                for target in targets.values():
                    self._measure(runner, target, WARM_UP, steps, self.args.warmup)
                for workload in self.selected:
                    self._workload(runner, workload, targets, steps)
            verified = self._verify()
            version = postgres_version(self.sides[-1].url) if self.kind == "postgresql" else None
        return self._record(steps, verified, version)

    def _of(self, side: Side) -> str:
        return f" of {side.label} ({side.commit})" if side.label else ""

    def _server(self, side: Side) -> AppServer:
        return AppServer(side.tree, side.url, self.workdir, self.args.workers, side.label)

    def _provision(self, databases: Databases) -> None:
        shared = self.args.database_url or None
        if len(self.sides) == 2 and not compare.same_schema(self.sides[0].tree, TREE):
            if shared:
                raise SystemExit("--compare with --database-url needs REF to have our migrations")
            log("the revisions' migrations differ: one database each, same seed")
        elif not shared:
            shared = self._generated(databases, self.sides[-1], "stockroom_bench")
        for number, side in enumerate(self.sides):
            side.url = shared or self._generated(databases, side, f"stockroom_bench_{number}")
            create_bench_user(side.tree, side.url, self.workdir)

    def _generated(self, databases: Databases, side: Side, name: str) -> str:
        url = databases.create(name)
        log(f"{self.kind}: generating the {self.args.scale} data set{self._of(side)}")
        generate(side.tree, url, self.args.scale, self.args.seed)
        return url

    def _workload(
        self, runner: asyncio.Runner, workload: Workload, targets: dict[str, Target], steps: Steps
    ) -> None:
        rounds = self.args.rounds if len(targets) > 1 else 1
        for number in range(rounds):
            order = compare.round_order(number) if len(targets) > 1 else tuple(targets)
            for label in order:
                measured = self._measure(
                    runner, targets[label], workload, steps, self.args.duration
                )
                side = next(s for s in self.sides if s.label == label)
                side.measurements.setdefault(workload.name, []).append(measured)
        if workload.name == "hot_sku_reserve":
            for side in self.sides:
                found = oversold(hot_sku_balances(side.url, steps.hot.sku))
                self.oversell[side.label] = found
                log(f"{self.kind}: hot SKU {steps.hot.sku}: " + ("; ".join(found) or "no oversell"))

    def _measure(
        self,
        runner: asyncio.Runner,
        target: Target,
        workload: Workload,
        steps: Steps,
        seconds: float,
    ) -> Measurement:
        side = f" [{target.label}]" if target.label else ""
        log(f"{self.kind}: {workload.name}{side}, {workload.clients} clients, {seconds:g} s")
        others = [t for t in self.targets.values() if t is not target]
        measured = runner.run(
            run_workload(target, workload, steps, seconds, self.args.seed, others)
        )
        figures = report.summarize([measured])
        total = figures["total"]
        if measured.settled_seconds > 1:
            log(f"  (waited {measured.settled_seconds:.1f} s for the server to go idle first)")
        log(
            f"  {total['throughput']:.0f} req/s, p95 {report.ms(total['p95_ms'])} ms, "
            f"errors {total['error_count']}, client CPU "
            f"{figures['client_cpu_percent_of_core']:.0f} % of a core"
        )
        return measured

    def _verify(self) -> dict[str, Any]:
        """``stockroom verify`` on each database, by the code of the last side using it
        (this tree, when both sides share one)."""
        results = {}
        for url in dict.fromkeys(side.url for side in self.sides):
            users = [side for side in self.sides if side.url == url]
            names = " and ".join(s.label for s in users if s.label) or "run"
            log(f"{self.kind}: stockroom verify" + (f" ({names})" if len(self.sides) > 1 else ""))
            passed, output = verify(users[-1].tree, url, self.workdir)
            log(
                f"  {'passed' if passed else 'FAILED'}: {output.splitlines()[-1] if output else ''}"
            )
            results[names] = {"passed": passed, "output": output[-2000:]}
        return results

    def _record(
        self, steps: Steps, verified: dict[str, Any], version: str | None
    ) -> dict[str, Any]:
        sides: dict[str, dict[str, Any]] = {
            side.label or "run": {
                "commit": side.commit,
                "workloads": [report.summarize(side.measurements[w.name]) for w in self.selected],
            }
            for side in self.sides
        }
        record: dict[str, Any] = {
            "database": self.kind,
            "server_version": version,
            "hot_sku": steps.hot.sku,
            "oversell": self.oversell,
            "verify": verified,
            "sides": sides,
        }
        if len(self.sides) == 2:
            a: list[dict[str, Any]] = sides["A"]["workloads"]
            b: list[dict[str, Any]] = sides["B"]["workloads"]
            record["ratios"] = [
                compare.ratios(x["workload"], x, y) for x, y in zip(a, b, strict=True)
            ]
        return record


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through every finally: servers and databases stop


def main(argv: Sequence[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        log("interrupted: everything it started has been stopped")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    record: dict[str, Any] = {
        "command": shlex.join(
            ["python", "-m", "bench.load", *(sys.argv[1:] if argv is None else argv)]
        ),
        "commit": git_commit(TREE),
        "date": started.isoformat(timespec="seconds"),
        "machine": machine_info().describe(),
        "scale": "(given database)" if args.database_url else args.scale,
        "seed": args.seed,
        "duration_s": args.duration,
        "workers": args.workers,
        "load_start": load_average(),
        "databases": {},
    }
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="stockroom-bench-") as tmp:
        sides = [Side("", TREE, record["commit"])]
        if args.compare:
            ref_tree, ref_commit = stack.enter_context(compare.checkout(TREE, args.compare))
            log(f"comparing A = {args.compare} ({ref_commit}) with B = this tree")
            sides = [Side("A", ref_tree, ref_commit), Side("B", TREE, record["commit"])]
            record["compare"] = {"ref": args.compare, "A": ref_commit, "B": record["commit"]}
        runner = stack.enter_context(asyncio.Runner(loop_factory=uvloop.new_event_loop))
        for kind in args.database:
            fresh = [Side(s.label, s.tree, s.commit) for s in sides]
            record["databases"][kind] = Bench(args, kind, Path(tmp), fresh).run(runner)
    record["load_end"] = load_average()
    record["seconds"] = (datetime.now(UTC) - started).total_seconds()
    _write(args, record, started)
    return 0 if _passed(record) else 1


def _passed(record: dict[str, Any]) -> bool:
    for result in record["databases"].values():
        if any(result["oversell"].values()):
            return False
        if not all(v["passed"] for v in result["verify"].values()):
            return False
    return True


def _write(args: argparse.Namespace, record: dict[str, Any], started: datetime) -> None:
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    json_path = args.results_dir / f"load-{stamp}.json"
    json_path.write_text(json.dumps(record, indent=2) + "\n")
    label = args.label or f"{started:%Y-%m-%d %H:%M} UTC, {record['commit']}, {record['scale']}"
    key = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    report.update_markdown(args.markdown, key, markdown(record, label), PREAMBLE)
    log(f"wrote {json_path} and {args.markdown}")
    for kind, result in record["databases"].items():
        if "ratios" in result:
            print(f"\n{DATABASE_NAMES[kind]}: B = this tree / A = {args.compare}")
            print(report.comparison_table(result["ratios"]))


PREAMBLE = "# Benchmarks\n\nFigures written by `python -m bench.load` (see bench/README.md).\n"


def markdown(record: dict[str, Any], label: str) -> str:
    lines = [
        f"## {label}",
        "",
        f"`{record['command']}`  ",
        f"commit `{record['commit']}`, {record['date']}, {record['machine']}  ",
        f"scale {record['scale']} (seed {record['seed']}), {record['duration_s']:g} s per "
        f"workload, `stockroom serve --workers {record['workers']}` + `stockroom worker`; "
        f"load average {record['load_start']:.2f} at the start, {record['load_end']:.2f} at "
        f"the end ({record['seconds'] / 60:.1f} min in all)",
    ]
    for kind, result in record["databases"].items():
        lines += ["", *database_section(kind, result, record.get("compare"))]
    return "\n".join(lines) + "\n"


def database_section(
    kind: str, result: dict[str, Any], compared: dict[str, str] | None
) -> list[str]:
    name = DATABASE_NAMES[kind]
    if result["server_version"]:
        name += f" {result['server_version']} (fsync, synchronous_commit, full_page_writes on)"
    lines = [f"### {name}", ""]
    for label, side in result["sides"].items():
        if compared:
            lines += [
                f"{label} = `{side['commit']}`"
                + (f" ({compared['ref']})" if label == "A" else " (this tree)"),
                "",
            ]
        lines.append(report.workload_table(side["workloads"]))
    if "ratios" in result:
        lines += [
            "Ratios, B / A (req/s above 1 and p95 below 1: B is faster):",
            "",
            report.comparison_table(result["ratios"]),
        ]
    oversell = "; ".join(
        f"{k or 'run'}: {', '.join(v) or 'none'}" for k, v in result["oversell"].items()
    )
    verified = ", ".join(
        f"{k}: {'passed' if v['passed'] else 'FAILED'}" for k, v in result["verify"].items()
    )
    lines.append(
        f"Hot SKU `{result['hot_sku']}`: oversold balances: {oversell or 'not run'}. "
        f"`stockroom verify` afterwards: {verified}."
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())
