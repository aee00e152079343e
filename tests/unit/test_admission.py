"""At most ``limit`` requests inside the application at once, the rest in arrival order."""

import asyncio
from typing import Any

from stockroom.api.admission import Admission


def test_no_more_requests_inside_than_the_limit_and_the_rest_in_arrival_order() -> None:
    inside, most, started = 0, 0, []

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        nonlocal inside, most
        started.append(scope["n"])
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    admission = Admission(app, limit=3)

    async def requests() -> None:
        async def nothing() -> Any:
            return {}

        calls = [admission({"type": "http", "n": n}, nothing, nothing) for n in range(20)]
        await asyncio.gather(*calls)

    asyncio.run(requests())
    assert most == 3
    assert started == list(range(20))


def test_other_traffic_is_not_counted() -> None:
    seen: list[str] = []

    async def app(scope: Any, _receive: Any, _send: Any) -> None:
        seen.append(scope["type"])

    asyncio.run(Admission(app, limit=1)({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == ["lifespan"]
