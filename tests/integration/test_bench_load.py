"""The load benchmark end to end: a real server on the tiny data set, every workload briefly.

On ``--db=sqlite`` the driver provisions everything itself (a SQLite file, the generator,
the server); on ``--db=postgresql`` it is handed the test PostgreSQL database, generated
here, as ``--database-url`` (the path for a data set that already exists).
"""

import json
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bench.generate import generate
from bench.report import update_markdown
from bench.scales import SCALES
from bench.workloads import WORKLOAD_NAMES, StockBook, Stocked, workloads
from stockroom.db.engine import Database

READS = {w.name for w in workloads() if w.reads_only}

ROOT = Path(__file__).parents[2]


def _options(tmp_path: Path) -> list[str]:
    return [
        "--scale", "tiny",
        "--duration", "0.4",
        "--warmup", "0.2",
        "--max-clients", "8",
        "--workers", "1",
        "--markdown", str(tmp_path / "benchmarks.md"),
        "--results-dir", str(tmp_path / "results"),
        "--label", "test run",
    ]  # fmt: skip


@pytest.mark.slow
def test_every_workload_runs_and_the_report_is_written(
    db_kind: str, database_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_kind == "sqlite":
        target = ["--database", "sqlite"]
    else:
        # A data set handed to the driver must be sealed with the key its run will use.
        monkeypatch.setenv("STOCKROOM_AUDIT_KEY", "bench-test-audit-key-" + "k" * 32)
        generate(database_url, SCALES["tiny"])
        target = ["--database-url", database_url]

    # As a user runs it: a process of its own, with its own event loop and signal handlers
    # (the browser tests' sync Playwright keeps a loop running in this process's main thread
    # when they share an xdist worker with this test).
    command = [sys.executable, "-m", "bench.load", *target, *_options(tmp_path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    [result_file] = (tmp_path / "results").glob("load-*.json")
    result = json.loads(result_file.read_text())["databases"][db_kind]
    summaries = {s["workload"]: s for s in result["sides"]["run"]["workloads"]}
    assert list(summaries) == list(WORKLOAD_NAMES)
    for name, summary in summaries.items():
        assert summary["total"]["count"] > 0, name
        if name in READS:
            assert summary["total"]["errors"] == {}, name
    assert summaries["hot_sku_reserve"]["endpoints"]["reserve"]["count"] > 0
    assert result["oversell"] == {"": []}
    assert all(v["passed"] for v in result["verify"].values())
    markdown = (tmp_path / "benchmarks.md").read_text()
    assert "## test run" in markdown
    assert "| product_get | 8 | product_get |" in markdown


@pytest.mark.any_database
def test_a_section_is_appended_once_and_replaced_when_written_again(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    update_markdown(path, "run-1", "## run 1\nfirst\n", "# Benchmarks\n")
    update_markdown(path, "run-2", "## run 2\n", "# Benchmarks\n")
    update_markdown(path, "run-1", "## run 1\nsecond\n", "# Benchmarks\n")

    text = path.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "first" not in text
    assert text.index("second") < text.index("## run 2")  # kept its place
    assert text.count("<!-- bench:run-1 -->") == 1


@pytest.mark.any_database
def test_the_ship_book_never_asks_for_the_last_units_of_a_balance() -> None:
    stocked = [Stocked("A", "W", "W/1", Decimal(5)), Stocked("HOT", "W", "W/1", Decimal(99))]
    book = StockBook.of(stocked, exclude_sku="HOT")
    rng = random.Random(1)

    taken = [book.take_one(rng) for _ in range(4)]

    # 5 free, a margin of 2 kept for the other workloads: 3 ships, then nothing.
    assert taken == [("A", "W/1")] * 3 + [None]
