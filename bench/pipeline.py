"""Write one batch while the next is generated.

Generating and sealing rows is Python work; ingesting them (COPY, index upkeep, the
commit's fsync) is the database's, in another process. Done in turn, each waits for the
other (a profile of the small scale showed the generator idle in psycopg's ``wait`` for a
third of the run); with the writing in a thread they overlap. One batch is queued at most,
which bounds memory to about three batches.
"""

import queue
import threading

from sqlalchemy import Connection

from bench.sink import Sink
from bench.world import Row

Tables = dict[str, list[Row]]


class Writer(threading.Thread):
    """Owns the connection until ``close()``: each batch is one transaction."""

    def __init__(self, connection: Connection, sink: Sink) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.connection = connection
        self.sink = sink
        self.batches: queue.Queue[Tables | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while (tables := self.batches.get()) is not None:
                with self.connection.begin():
                    for table, rows in tables.items():
                        self.sink.write(table, rows)
        except BaseException as exc:  # handed to the generating thread by put() or close()
            self.error = exc

    def put(self, tables: Tables | None) -> None:
        """Queue a batch (None: no more), waiting while the writer is behind."""
        while self.is_alive():
            try:
                self.batches.put(tables, timeout=1.0)
                return
            except queue.Full:
                continue
        self._raise()

    def close(self) -> None:
        self.put(None)
        self.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise RuntimeError("writing a batch failed") from self.error
