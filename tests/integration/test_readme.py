"""The curl examples in README.md work as printed, against a real server with the demo data."""

import json
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


def curl_commands() -> list[str]:
    """Every ``curl`` command in the README's bash blocks, continuation lines joined."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        # A quoted JSON body may span lines; keep the lines of one command together.
        for command in re.split(r"\n(?=\S)", joined):
            if command.startswith("curl "):
                commands.append(command.strip())
    return commands


def test_readme_has_curl_examples() -> None:
    assert len(curl_commands()) >= 10


def test_readme_curl_examples_work_as_printed(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to check the README examples (apt-get install curl)")
    with db.session(write=True) as session:
        load_demo(session, progress=lambda _: None)
        session.commit()
    with StockroomServer(settings.database_url, tmp_path / "server.log") as base_url:
        for command in curl_commands():
            runnable = command.replace("http://localhost:8000", base_url)
            result = subprocess.run(
                ["bash", "-c", runnable], capture_output=True, text=True, timeout=30, check=False
            )
            # --fail-with-body makes curl exit non-zero on any HTTP error status.
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
            reply = json.loads(result.stdout)
            if "--fail-with-body" not in command:
                assert reply["status"] >= 400, f"{command} was meant to show an error"
