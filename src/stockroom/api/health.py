"""Liveness and readiness probes (no authentication, ever)."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from stockroom.api.deps import ReadSession
from stockroom.api.security import PUBLIC
from stockroom.services.health import database_reachable

router = APIRouter(tags=["health"], dependencies=[PUBLIC])


@router.get("/healthz", name="health_live")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None, name="health_ready")
def readyz(session: ReadSession) -> dict[str, str] | JSONResponse:
    """The process can reach its database."""
    if not database_reachable(session):
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok", "database": "ok"}
