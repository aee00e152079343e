"""The two counter stores behave alike: moving window, all-or-nothing checks of several
quotas, slots given back, and exact counts when many threads take at once."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stockroom.api.limiter import Quota, RedisWindows, Refused, SqliteWindows, Taken, WindowStore
from support.redis_server import RedisServer, start_or_skip

pytestmark = pytest.mark.any_database  # the counters live in Redis or their own SQLite file

WINDOW = 2  # seconds: short, so the window can be seen to move


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> WindowStore:
    if request.param == "sqlite":
        return SqliteWindows(str(tmp_path / "limits.db"), window=WINDOW)
    redis_server: RedisServer = request.getfixturevalue("redis_server")
    redis_server.flush()
    return RedisWindows(redis_server.url, timeout=1.0, window=WINDOW)


def test_the_window_moves_with_the_oldest_slot(store: WindowStore) -> None:
    quota = Quota("k", 3)
    assert isinstance(store.take([quota]), Taken)
    assert isinstance(store.take([quota]), Taken)
    time.sleep(1.0)
    assert isinstance(store.take([quota]), Taken)
    refused = store.take([quota])
    assert isinstance(refused, Refused)
    # The first slot leaves the window first: about 1 s from now, not WINDOW s.
    assert 0 < refused.retry_after < 1.05
    time.sleep(refused.retry_after + 0.05)
    assert isinstance(store.take([quota]), Taken)


def test_a_refused_check_takes_no_slot_in_any_quota(store: WindowStore) -> None:
    narrow, wide = Quota("narrow", 1), Quota("wide", 5)
    assert isinstance(store.take([narrow, wide]), Taken)
    assert isinstance(store.take([narrow, wide]), Refused)
    taken = [store.take([wide]) for _ in range(5)]
    assert [isinstance(outcome, Taken) for outcome in taken] == [True] * 4 + [False]


def test_a_slot_given_back_is_free_again(store: WindowStore) -> None:
    quotas = [Quota("a", 2), Quota("b", 2)]
    first = store.take(quotas)
    assert isinstance(first, Taken)
    assert isinstance(store.take(quotas), Taken)
    assert isinstance(store.take(quotas), Refused)
    store.give_back(first)
    assert isinstance(store.take(quotas), Taken)
    assert isinstance(store.take([Quota("a", 2)]), Refused)


def test_many_threads_take_exactly_the_limit(store: WindowStore) -> None:
    quota = Quota("rush", 25)
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda _: store.take([quota]), range(100)))
    assert sum(isinstance(outcome, Taken) for outcome in outcomes) == 25


def test_two_handles_on_one_file_share_the_counts(tmp_path: Path) -> None:
    """As two worker processes do: each has its own connection to the file."""
    path = str(tmp_path / "limits.db")
    one, two = SqliteWindows(path), SqliteWindows(path)
    quota = Quota("shared", 4)
    outcomes = [store.take([quota]) for store in (one, two, one, two, one, two)]
    assert [isinstance(outcome, Taken) for outcome in outcomes] == [True] * 4 + [False] * 2
