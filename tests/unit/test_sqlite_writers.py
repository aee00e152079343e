"""SQLite writers of one process take turns in arrival order (db/sqlite_writers.py)."""

import threading
import time

from stockroom.db.sqlite_writers import WriterTurns


def _queue_up(turns: WriterTurns, name: str, order: list[str]) -> threading.Thread:
    def write() -> None:
        assert turns.acquire(timeout=5)
        order.append(name)
        turns.release()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def _wait_for_waiters(turns: WriterTurns, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(turns._waiting) < count:
        assert time.monotonic() < deadline, "the writers never queued up"
        time.sleep(0.001)


def test_turns_go_to_waiting_writers_first_come_first_served() -> None:
    turns = WriterTurns()
    assert turns.acquire(timeout=1)
    order: list[str] = []
    threads = []
    for number in range(20):
        threads.append(_queue_up(turns, f"writer-{number}", order))
        _wait_for_waiters(turns, number + 1)  # each is in the queue before the next comes
    turns.release()
    for thread in threads:
        thread.join(5)
    assert order == [f"writer-{number}" for number in range(20)]


def test_a_writer_that_times_out_leaves_the_queue_and_the_turn_is_not_lost() -> None:
    turns = WriterTurns()
    assert turns.acquire(timeout=1)
    assert not turns.acquire(timeout=0.05)
    assert not turns._waiting
    turns.release()
    assert turns.acquire(timeout=0.05)  # free again: nobody holds a turn that timed out


def test_release_without_waiters_frees_the_turn() -> None:
    turns = WriterTurns()
    assert turns.acquire(timeout=1)
    turns.release()
    assert turns.acquire(timeout=0)
