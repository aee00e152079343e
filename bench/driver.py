"""Closed-loop clients: each sends its next request when the previous reply has arrived.

``run_workload`` starts ``workload.clients`` clients on one keep-alive connection each,
lets them run for ``duration`` seconds and records every request's latency and status per
endpoint, together with the CPU the server's processes (and PostgreSQL's, and this
driver's own) spent meanwhile and the load average before and after. Every loop ends by
itself: at the deadline a client finishes the request in flight (each has a timeout)
and stops.
"""

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.client import Connection, Reply
from bench.machine import load_average, own_cpu_seconds, tree_cpu_seconds
from bench.workloads import Send, Steps, Workload

REQUEST_TIMEOUT_SECONDS = 60.0
TRANSPORT_ERROR = 0  # the "status" of a request that got no reply at all
# Before a run the server must be idle: an overloaded run leaves requests behind (a client
# that timed out has gone, the server still works on its request) and they would weigh on
# the next run, the other side's in a comparison. Idle: below this share of one core,
# server, worker and database together, over one interval; waited for at most a minute.
IDLE_CORE_SHARE = 0.2
IDLE_INTERVAL_SECONDS = 0.25
SETTLE_LIMIT_SECONDS = 60.0


@dataclass(frozen=True)
class Target:
    """A running server: where it listens, its token and the processes that serve it."""

    label: str  # "A", "B" or "" outside a comparison
    host: str
    port: int
    token: str
    cpu_roots: dict[str, int]  # "server" / "worker" / "database" -> root pid


@dataclass
class Endpoint:
    latencies: list[float] = field(default_factory=list)  # seconds, successful or not
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class Measurement:
    """The raw outcome of one workload run against one server."""

    workload: str
    clients: int
    target: str
    seconds: float
    endpoints: dict[str, Endpoint]
    cpu_seconds: dict[str, float]  # per process tree, plus "client"
    load_start: float
    load_end: float
    settled_seconds: float  # waited before the run for the server to go idle

    @property
    def requests(self) -> int:
        return sum(len(e.latencies) for e in self.endpoints.values())


async def run_workload(
    target: Target,
    workload: Workload,
    steps: Steps,
    duration: float,
    seed: int,
    others: Sequence[Target] = (),
) -> Measurement:
    """``others``: servers that must be idle too before the run (the other side's)."""
    endpoints: dict[str, Endpoint] = defaultdict(Endpoint)
    connections = [
        Connection(target.host, target.port, {"Authorization": f"Bearer {target.token}"})
        for _ in range(workload.clients)
    ]
    settled = await settle([target, *others])
    try:
        if workload.setup is not None:
            setup = getattr(steps, workload.setup)
            await setup(_sender(connections[0], defaultdict(Endpoint)), random.Random(seed))
        cpu_before = _cpu(target)
        load_start = load_average()
        started = time.perf_counter()
        deadline = started + duration
        await asyncio.gather(
            *(
                _client(
                    connection,
                    workload,
                    steps,
                    deadline,
                    random.Random(seed * 1000 + n),
                    _sender(connection, endpoints),
                )
                for n, connection in enumerate(connections)
            )
        )
        seconds = time.perf_counter() - started
        cpu_after = _cpu(target)
    finally:
        for connection in connections:
            connection.close()
    return Measurement(
        workload=workload.name,
        clients=workload.clients,
        target=target.label,
        seconds=seconds,
        endpoints=dict(endpoints),
        cpu_seconds={name: cpu_after[name] - cpu_before[name] for name in cpu_before},
        load_start=load_start,
        load_end=load_average(),
        settled_seconds=settled,
    )


async def settle(targets: Sequence[Target]) -> float:
    """Wait until the servers' processes are idle (or a minute has passed); seconds waited."""
    roots = {pid for target in targets for pid in target.cpu_roots.values()}
    started = time.perf_counter()
    while True:
        before = sum(tree_cpu_seconds(pid) for pid in roots)
        await asyncio.sleep(IDLE_INTERVAL_SECONDS)
        spent = sum(tree_cpu_seconds(pid) for pid in roots) - before
        waited = time.perf_counter() - started
        if spent < IDLE_CORE_SHARE * IDLE_INTERVAL_SECONDS or waited > SETTLE_LIMIT_SECONDS:
            return waited


async def _client(
    connection: Connection,
    workload: Workload,
    steps: Steps,
    deadline: float,
    rng: random.Random,
    send: Send,
) -> None:
    functions, weights = workload.step_functions(steps)
    while time.perf_counter() < deadline:
        step = functions[0] if len(functions) == 1 else rng.choices(functions, weights)[0]
        await step(send, rng)


def _sender(connection: Connection, endpoints: dict[str, Endpoint]) -> Send:
    async def send(endpoint: str, method: str, target: str, body: bytes | None) -> Reply:
        started = time.perf_counter()
        try:
            reply = await connection.request(method, target, body, REQUEST_TIMEOUT_SECONDS)
        except (OSError, TimeoutError):
            reply = Reply(TRANSPORT_ERROR, b"")
        record = endpoints[endpoint]
        record.latencies.append(time.perf_counter() - started)
        record.statuses[reply.status] += 1
        if reply.status == TRANSPORT_ERROR:
            await asyncio.sleep(0.05)  # a refused connection must not become a busy loop
        return reply

    return send


def _cpu(target: Target) -> dict[str, float]:
    seconds = {name: tree_cpu_seconds(pid) for name, pid in target.cpu_roots.items()}
    seconds["client"] = own_cpu_seconds()
    return seconds
