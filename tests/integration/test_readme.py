"""The examples in README.md work as printed, against a real server with the demo data.

The README's ``bash`` blocks run in order as one shell script (so ``TOKEN=$(…)`` set in
one block is there for the next). Every ``curl`` must succeed; those printed without
``--fail-with-body`` show an error on purpose and must answer with a problem document.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stockroom.config import Settings
from stockroom.db.engine import Database
from stockroom.services.demo import load_demo
from support.server import StockroomServer

README = Path(__file__).parents[2] / "README.md"
CHECK_JSON = "python3 -c 'import json, sys; json.load(sys.stdin)'"


def commands() -> list[str]:
    """Each command of the README's bash blocks, continuation lines joined."""
    found: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        # A quoted JSON body may span lines; lines of one command stay together.
        for command in re.split(r"\n(?=\S)", joined):
            command = command.strip()
            if command and not command.startswith("#"):
                found.append(command)
    return found


def tour_script(base_url: str) -> str:
    lines = ["set -euo pipefail"]
    for command in commands():
        runnable = command.replace("http://localhost:8000", base_url)
        lines.append(f"echo {shell_quote('>>> ' + command[:120])}")
        if not command.startswith("curl "):
            lines.append(runnable)
            continue
        lines.append(f"out=$({runnable})")
        lines.append(f'printf "%s" "$out" | {CHECK_JSON}')
        if "--fail-with-body" not in command:
            lines.append("""printf "%s" "$out" | grep -q '"status":4'""")
    return "\n".join(lines)


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def test_readme_has_a_full_tour() -> None:
    tour = commands()
    assert sum(c.startswith("curl ") for c in tour) >= 15
    assert any(c.startswith("TOKEN=") for c in tour)
    assert any(c.startswith("KEY=") for c in tour)


def test_readme_examples_work_as_printed(settings: Settings, db: Database, tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to check the README examples (apt-get install curl)")
    with db.session(write=True) as session:
        load_demo(session, progress=lambda _: None)
        session.commit()
    with StockroomServer(settings, tmp_path / "server.log") as base_url:
        result = subprocess.run(
            ["bash", "-c", tour_script(base_url)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
