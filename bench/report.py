"""From raw measurements to figures: the JSON record and the markdown tables.

Latency percentiles are nearest-rank over every request of the run (failed ones too);
throughput counts every reply; an error is any status outside 2xx (0: no reply at all).
CPU per request is the CPU a process tree spent during the run divided by the requests
the run completed: ``server`` is ``stockroom serve`` (parent and workers), ``worker`` the
``stockroom worker`` beside it, ``database`` the PostgreSQL server (every backend), and
``client`` this driver.
"""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.driver import Endpoint, Measurement

TOTAL = "(all)"


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty sequence."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def endpoint_figures(endpoint: Endpoint, seconds: float) -> dict[str, Any]:
    latencies = sorted(endpoint.latencies)
    errors = {str(s): n for s, n in sorted(endpoint.statuses.items()) if not 200 <= s < 300}
    return {
        "count": len(latencies),
        "throughput": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": 1000 * percentile(latencies, 0.50) if latencies else None,
        "p95_ms": 1000 * percentile(latencies, 0.95) if latencies else None,
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else None,
        "mean_ms": 1000 * sum(latencies) / len(latencies) if latencies else None,
        "errors": errors,
        "error_count": sum(errors.values()),
    }


def merged(endpoints: Iterable[Endpoint]) -> Endpoint:
    total = Endpoint()
    for endpoint in endpoints:
        total.latencies += endpoint.latencies
        total.statuses += endpoint.statuses
    return total


def summarize(measurements: Sequence[Measurement]) -> dict[str, Any]:
    """One workload's figures from one or more runs of it against the same server."""
    seconds = sum(m.seconds for m in measurements)
    names = sorted({name for m in measurements for name in m.endpoints})
    endpoints = {
        name: endpoint_figures(
            merged(m.endpoints[name] for m in measurements if name in m.endpoints), seconds
        )
        for name in names
    }
    everything = merged(e for m in measurements for e in m.endpoints.values())
    total = endpoint_figures(everything, seconds)
    requests = total["count"]
    cpu: Counter[str] = Counter()
    for m in measurements:
        cpu.update(m.cpu_seconds)
    return {
        "workload": measurements[0].workload,
        "clients": measurements[0].clients,
        "runs": len(measurements),
        "seconds": seconds,
        "total": total,
        "endpoints": endpoints,
        "cpu_ms_per_request": {
            k: 1000 * v / requests if requests else None for k, v in sorted(cpu.items())
        },
        "client_cpu_percent_of_core": 100 * cpu["client"] / seconds if seconds else None,
        "settled_s": [round(m.settled_seconds, 2) for m in measurements],
        "load_start": measurements[0].load_start,
        "load_end": measurements[-1].load_end,
    }


# -- markdown -------------------------------------------------------------------------


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _errors(figures: dict[str, Any]) -> str:
    errors: dict[str, int] = figures["errors"]
    return ", ".join(f"{n} x {status}" for status, n in errors.items()) or "0"


def workload_table(summaries: Sequence[dict[str, Any]]) -> str:
    """One row per endpoint of each workload (and a total row for several endpoints)."""
    head = (
        "| workload | clients | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms/req | DB CPU ms/req | client CPU ms/req (% core) | load start→end |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for s in summaries:
        cpu = s["cpu_ms_per_request"]
        server = (cpu.get("server") or 0) + (cpu.get("worker") or 0)
        database = ms(cpu.get("database")) if "database" in cpu else "(in server)"
        client = f"{ms(cpu.get('client'))} ({s['client_cpu_percent_of_core']:.0f} %)"
        shared = f"{ms(server)} | {database} | {client} | {s['load_start']:.2f}→{s['load_end']:.2f}"
        parts = list(s["endpoints"].items())
        if len(parts) > 1:
            parts.append((TOTAL, s["total"]))
        for number, (name, f) in enumerate(parts, start=1):
            # The CPU and load figures are the workload's: on its last row only.
            last = shared if number == len(parts) else "| | |"
            rows.append(
                f"| {s['workload']} | {s['clients']} | {name} | {f['count']:,} | "
                f"{f['throughput']:.0f} | {ms(f['p50_ms'])} | {ms(f['p95_ms'])} | "
                f"{ms(f['p99_ms'])} | {_errors(f)} | {last} |"
            )
    return head + "\n".join(rows) + "\n"


def comparison_table(ratios: Sequence[dict[str, Any]]) -> str:
    head = (
        "| workload | A req/s | B req/s | B/A req/s | A p95 ms | B p95 ms | B/A p95 "
        "| A server CPU ms/req | B server CPU ms/req | errors A / B |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = [
        f"| {r['workload']} | {r['a_throughput']:.0f} | {r['b_throughput']:.0f} | "
        f"**{r['throughput_ratio']:.2f}** | {ms(r['a_p95_ms'])} | {ms(r['b_p95_ms'])} | "
        f"**{r['p95_ratio']:.2f}** | {ms(r['a_server_cpu_ms'])} | {ms(r['b_server_cpu_ms'])} "
        f"| {r['a_errors']} / {r['b_errors']} |"
        for r in ratios
    ]
    return head + "\n".join(rows) + "\n"


def update_markdown(path: Path, key: str, section: str, preamble: str) -> None:
    """Put ``section`` into ``path`` between markers named ``key``: replace it when the
    key is already there (the same run label written again), append it otherwise."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{start}\n{section.rstrip()}\n{end}\n"
    text = path.read_text() if path.exists() else preamble
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
