"""Every error leaves as RFC 9457 ``application/problem+json`` with a stable ``code``.

The mapping from domain errors to HTTP status lives here and nowhere else.
"""

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockroom.api import methods
from stockroom.domain import errors as domain
from stockroom.domain.paging import InvalidListRequest
from stockroom.domain.purchase_orders import OverReceipt
from stockroom.domain.putaway import LocationFull, NoPutawayLocation
from stockroom.domain.quantities import format_quantity
from stockroom.services.stock_batch import BatchRejected

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

STATUS_OF: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.InsufficientStock: 409,
    domain.CountBelowReserved: 409,
    domain.UnitChangeRefused: 409,
    domain.VersionConflict: 409,
    domain.VersionRequired: 428,
    domain.Duplicate: 409,
    domain.ConcurrentChange: 409,
    domain.InvalidState: 409,
    OverReceipt: 409,
    NoPutawayLocation: 409,
    LocationFull: 409,
    domain.InvalidQuantity: 422,
    domain.BalanceLimitExceeded: 422,
    domain.RuleViolation: 422,
    InvalidListRequest: 400,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
}

HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
}


class ApiProblem(Exception):
    """An HTTP-level refusal that is not a business rule (a missing header, a bad key...)."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.extra = status, code, detail, extra


def problem(
    status: int, code: str, detail: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: _plain(v) for k, v in extra.items()})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _plain(value: Any) -> Any:
    """Quantities leave as exact decimal strings, like everywhere else in the API."""
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def domain_problem(error: domain.DomainError, instance: str | None = None) -> JSONResponse:
    status = status_of(error)
    response = problem(status, error.code, error.message, instance, **error.details())
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


def status_of(error: domain.DomainError) -> int:
    if isinstance(error, BatchRejected):
        # One kind of failure keeps its status (all short: 409, all forbidden: 403).
        statuses = {status_of(r.error) for r in error.results if r.error is not None}
        return statuses.pop() if len(statuses) == 1 else 422
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 422


def batch_details(error: BatchRejected) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for result in error.results:
        if result.error is None:
            lines.append({"line": result.line, "status": "ok"})
            continue
        lines.append(
            {
                "line": result.line,
                "status": "failed",
                "http_status": status_of(result.error),
                "code": result.error.code,
                "detail": result.error.message,
                **result.error.details(),
            }
        )
    return lines


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a problem document."""
    for kind, handler in HANDLERS.items():
        app.add_exception_handler(kind, handler)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, domain.DomainError)
    if isinstance(exc, BatchRejected):
        return problem(
            status_of(exc), exc.code, exc.message, request.url.path, lines=batch_details(exc)
        )
    return domain_problem(exc, request.url.path)


async def _api(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem(exc.status, exc.code, exc.detail, request.url.path, **exc.extra)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        detail = "the request body is not valid JSON"
        return problem(400, "malformed_json", detail, request.url.path, errors=errors)
    detail = "the request is not valid; see errors"
    return problem(422, "validation_error", detail, request.url.path, errors=errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = str(exc.detail)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        # FastAPI's answer to a body it could not decode (not UTF-8, nested too deep):
        # the same refusal as any other unreadable JSON.
        code, detail = "malformed_json", "the request body is not valid JSON"
    response = problem(exc.status_code, code, detail, request.url.path)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405 and (allow := methods.allow_header(request.scope)):
        response.headers["Allow"] = allow
    return response


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    detail = "the resource was changed by someone else meanwhile; reload and retry"
    return problem(409, "version_conflict", detail, request.url.path)


async def _data(request: Request, exc: Exception) -> JSONResponse:
    # Input the validation let through but the database cannot store (a safety net).
    assert isinstance(exc, DataError)
    log.info("data error on %s: %s", request.url.path, exc.orig)
    return problem(422, "invalid_data", "a value cannot be stored as given", request.url.path)


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    # A race the services' own checks could not see (two creators of one SKU at once).
    assert isinstance(exc, IntegrityError)
    log.info("integrity error on %s: %s", request.url.path, exc.orig)
    detail = "the change conflicts with existing data; retry"
    return problem(409, "conflict", detail, request.url.path)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal_error", "something went wrong on our side", request.url.path)


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    """No database connection came free in time: the server is overloaded, not broken."""
    log.warning("no database connection free for %s: %s", request.url.path, exc)
    response = problem(503, "server_busy", "the server is busy; retry shortly", request.url.path)
    response.headers["Retry-After"] = "1"
    return response


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]] = {
    domain.DomainError: _domain,
    ApiProblem: _api,
    RequestValidationError: _validation,
    StarletteHTTPException: _http,
    StaleDataError: _stale,
    DataError: _data,
    IntegrityError: _integrity,
    PoolTimeout: _busy,
    Exception: _unexpected,
}
