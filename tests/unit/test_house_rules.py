"""House rules a linter does not know, checked on the source itself.

One transaction boundary: a session is opened, committed and rolled back only by
``services/unit_of_work.py`` (savepoints inside a transaction are the services' own).
"""

import ast
from collections.abc import Iterator
from pathlib import Path

SOURCE = Path(__file__).parents[2] / "src" / "stockroom"
UNIT_OF_WORK = SOURCE / "services" / "unit_of_work.py"
# What only the unit of work may do to a session. Units of work are named ``unit`` (or
# ``self.unit``), savepoints ``savepoint``: anything else calling these is a session.
TRANSACTION_CALLS = {"commit", "rollback"}
SAVEPOINT_NAMES = {"savepoint"}


def calls(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, receiver, method) of every ``receiver.method(...)`` call in the file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = ast.unparse(node.func.value)
            yield node.lineno, receiver, node.func.attr


def test_only_the_unit_of_work_commits_or_rolls_back_a_session() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{line} {receiver}.{method}()"
        for path in SOURCE.rglob("*.py")
        if path != UNIT_OF_WORK
        for line, receiver, method in calls(path)
        if method in TRANSACTION_CALLS
        and receiver not in SAVEPOINT_NAMES
        and not receiver.endswith("unit")
        # A DB-API connection class overriding commit/rollback delegates to its base
        # (db/sqlite_writers.py); that is the driver's transaction end, not a session's.
        and receiver != "super()"
    ]
    assert found == [], "use a UnitOfWork (services/unit_of_work.py) instead"


def test_only_the_unit_of_work_opens_sessions() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{line} {receiver}.session()"
        for path in SOURCE.rglob("*.py")
        if path != UNIT_OF_WORK
        for line, receiver, method in calls(path)
        if method == "session" and receiver.endswith("database")
    ]
    assert found == [], "open a UnitOfWork (services/unit_of_work.py) instead"


def test_test_modules_have_names_of_their_own() -> None:
    """The test folders are not packages, so pytest imports each test file by its bare
    name: two files of one name in different folders stop the suite from collecting."""
    tests = Path(__file__).resolve().parents[1]
    seen: dict[str, list[str]] = {}
    for path in tests.rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(tests)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
