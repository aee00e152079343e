"""The service worker, served from the root so it may keep the floor pages for offline use
(a worker's scope is the folder it is served from; ``static/`` would be too narrow)."""

from fastapi import Request
from fastapi.responses import Response

from stockroom import __version__
from stockroom.web.pages import STATIC, page_router
from stockroom.web.session import PUBLIC

router = page_router()

# Read once: the version names the cache, so a new release replaces the old assets.
_WORKER = (STATIC / "sw.js").read_text().replace("__VERSION__", __version__)


@router.get("/sw.js", dependencies=[PUBLIC])
def service_worker(request: Request) -> Response:
    return Response(
        _WORKER,
        media_type="text/javascript",
        # Browsers check for a new worker on navigation; never serve them a stale one.
        headers={"cache-control": "no-cache"},
    )
