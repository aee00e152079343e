"""Counting a task on a phone, and the managers' discrepancies page.

The task page lists its lines (location, product) with a counted-quantity field each, one
form per line: scanning a location or a product in the "Find" field jumps to its line (the
server picks it: no script needed), and after each count the next line to count has the
focus, so a scanner's Enter moves on. A blind task shows expected quantities, differences
and the notes holding them only to who may approve (``counts.sees_expected``): the page is
built from the API's ``CountTaskRead``, whose hidden figures are None before any template
sees them, so nothing can leak into HTML, attributes or scripts.

Counted once: the service answers a line counted before with its first result, and each
form is sent once (``web.writes.write_once``), so a double tap shows the first outcome
again. A product found where no line expected it is counted by SKU and location
and gets a line of its own.

Discrepancies (warehouses:write to decide): approve (posted then) or order a recount;
a refusal, such as a count below what is reserved, is shown in words.
"""

import contextlib
import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.idempotency import REPLAYED_HEADER
from stockroom.api.schemas.common import links
from stockroom.api.schemas.counts import CountTaskRead, DiscrepancyRead
from stockroom.domain.access import Actor, Permission
from stockroom.domain.counts import CountLineStatus, CountTaskStatus
from stockroom.domain.decimals import format_quantity
from stockroom.domain.errors import DomainError, InvalidQuantity, NotFound, RuleViolation
from stockroom.services import catalog, count_lines, counts
from stockroom.web.counts import KIND_WORDS, LINE_WORDS, STATUS_WORDS, task_url
from stockroom.web.order_forms import (
    Posted,
    nul_errors,
    page_size,
    refusal,
    sentence,
    text,
    version_of,
)
from stockroom.web.pages import error_page, is_htmx, page_router, render
from stockroom.web.session import PageRequire, StockMover, StockViewer
from stockroom.web.writes import (
    DAMAGED,
    DamagedKey,
    KeyReused,
    Once,
    form_key,
    read,
    write,
    write_once,
)

router = page_router()

# Deciding about a difference is the managers' right over what a warehouse holds.
WarehouseManager = Annotated[Actor, Depends(PageRequire(Permission.WAREHOUSES_WRITE))]
MAX_VALUE = 128
DONE = {
    "created": "Count task created: count each line below.",
    "cancelled": "Count task cancelled: what was posted stays posted.",
}
DECIDED = {"approved": "Approved: the difference is posted.", "recount": "Recount ordered."}


class Refused(Exception):
    """Why nothing was counted, by field (``form`` for the whole form)."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(errors)
        self.errors, self.status = errors, status


class _KeyTaken(Exception):
    """Another request with the key committed while this one waited to claim it."""


@router.get("/counts/discrepancies")
def discrepancies_page(
    request: Request,
    actor: StockViewer,
    warehouse: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    done: str = "",
) -> HTMLResponse:
    return _discrepancies(request, actor, warehouse, cursor, {"done": DECIDED.get(done)})


def _discrepancies(
    request: Request,
    actor: Actor,
    warehouse: str,
    cursor: str | None,
    extra: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    def work(session: Session) -> dict[str, Any]:
        page = count_lines.discrepancies(session, warehouse or None, cursor, page_size(None), actor)
        rows = [DiscrepancyRead.of_line(x, counts.sees_expected(actor, x.task)) for x in page.items]
        return {"rows": rows, "next_cursor": page.next_cursor}

    context = read(request, work)
    context |= {
        "warehouse": warehouse,
        "approver": actor.can(counts.APPROVER),
        "next_link": links(request, context["next_cursor"]).next,
    }
    return render(request, "counts/discrepancies.html", context | extra, status)


@router.get("/counts/{number}")
def task_page(
    request: Request,
    actor: StockViewer,
    number: str,
    find: Annotated[str, Query(max_length=MAX_VALUE)] = "",
    done: str = "",
) -> HTMLResponse:
    """The task's lines; ``find`` (a scanned location or product) gives its line the focus."""
    return _show(request, actor, number, find=find.strip(), extra={"done": DONE.get(done)})


@router.post("/counts/{number}/lines/{line}")
def count_line(
    request: Request, actor: StockMover, number: str, line: int, form: Posted
) -> HTMLResponse:
    typed = {"counted": text(form, "counted")[:MAX_VALUE]}
    return _submit(request, actor, number, typed, form, line=line)


@router.post("/counts/{number}/found")
def count_found(request: Request, actor: StockMover, number: str, form: Posted) -> HTMLResponse:
    """A product (or a lot) found where no line expected it: counted by SKU and location,
    with the lot and, for a new lot of an expiry-tracked product, its expiry."""
    names = ("sku", "location", "counted", "lot", "expiry_date")
    typed = {n: text(form, n)[:MAX_VALUE] for n in names}
    return _submit(request, actor, number, typed, form, line=None)


def _submit(
    request: Request,
    actor: Actor,
    number: str,
    typed: dict[str, str],
    posted: Mapping[str, object],
    line: int | None,
) -> HTMLResponse:
    form = f"line-{line}" if line is not None else "found"
    try:
        try:
            key = form_key(request, posted)
        except DamagedKey:
            raise Refused({"form": DAMAGED}, 400) from None
        item = _item(typed, line)
        message, replayed = _count_once(request, number, item, actor, key)
    except Refused as exc:
        return _show(
            request, actor, number, form=form, typed=typed, errors=exc.errors, status=exc.status
        )
    except DomainError as exc:
        if not refusal(exc) or (isinstance(exc, NotFound) and exc.entity == "count task"):
            raise
        errors = _errors_of(exc, line)
        return _show(
            request, actor, number, form=form, typed=typed, errors=errors, status=status_of(exc)
        )
    page = _show(request, actor, number, outcome=message, replayed=replayed)
    if replayed:
        page.headers[REPLAYED_HEADER] = "true"
    return page


def _item(typed: dict[str, str], line: int | None) -> count_lines.CountIn:
    errors: dict[str, str] = {}
    if line is None:
        for name, words in (("sku", "the product's SKU"), ("location", "the location")):
            if not typed[name]:
                errors[name] = f"Scan or type {words}."
    counted = None
    with contextlib.suppress(InvalidOperation):
        counted = Decimal(typed["counted"]) if typed["counted"] else None
    if counted is None or not counted.is_finite() or counted < 0 or len(typed["counted"]) > 24:
        errors["counted"] = "Enter how many you counted, such as 0, 12 or 2.5."
    expiry = None
    if typed.get("expiry_date"):
        try:
            expiry = date.fromisoformat(typed["expiry_date"])
        except ValueError:
            errors["expiry_date"] = "Enter the expiry as a date, such as 2027-03-31."
    errors |= nul_errors(typed)
    if errors or counted is None:
        raise Refused(errors)
    if line is not None:
        return count_lines.CountIn(counted, line=line)
    lot = typed.get("lot") or None
    return count_lines.CountIn(
        counted, sku=typed["sku"], location=typed["location"], lot=lot, expiry_date=expiry
    )


def _errors_of(exc: DomainError, line: int | None) -> dict[str, str]:
    if isinstance(exc, InvalidQuantity):
        return {"counted": sentence(exc.message)}
    if line is None and isinstance(exc, NotFound):
        field = "sku" if exc.entity == "product" else "location"
        return {field: sentence(exc.message)}
    if line is None and isinstance(exc, DomainError) and exc.field in ("lot", "expiry_date"):
        return {exc.field: sentence(exc.message)}
    if line is None and isinstance(exc, RuleViolation) and "location" in exc.message:
        return {"location": sentence(exc.message)}
    return {"form": sentence(exc.message)}


def _fingerprint(number: str, item: count_lines.CountIn) -> str:
    payload = {
        "path": f"{task_url(number)}/counts",
        "line": item.line,
        "sku": item.sku,
        "location": item.location,
        "counted": str(item.counted),
        "lot": item.lot,
        "expiry_date": None if item.expiry_date is None else item.expiry_date.isoformat(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _count_once(
    request: Request, number: str, item: count_lines.CountIn, actor: Actor, key: str | None
) -> tuple[str, bool]:
    """Count it: what it said, and whether the line was counted before (by this form or
    another)."""

    def work(session: Session) -> str:
        _, outcomes = count_lines.submit(session, number, [item], actor)
        return json.dumps({"message": _words(outcomes[0]), "before": outcomes[0].replayed})

    try:
        answer, replayed = write_once(
            request, Once(actor.label, key, _fingerprint(number, item)), work
        )
    except KeyReused:
        raise Refused(
            {
                "form": "This form was already sent with other values, so nothing was "
                "counted now. Reload the page and count again."
            },
            422,
        ) from None
    said = json.loads(answer)
    return str(said["message"]), replayed or bool(said.get("before"))


def _words(outcome: count_lines.Outcome) -> str:
    """What the counter learns: what was counted and whether it was posted or held, never
    the expected figure or the difference."""
    line = outcome.line
    what = (
        f"{format_quantity(line.counted or Decimal(0))} {line.product.unit_code} of "
        f"{line.product.sku} at {line.location.warehouse.code}/{line.location.code}"
    )
    if line.status == CountLineStatus.POSTED:
        result = "posted"
    elif line.status == CountLineStatus.DISCREPANCY:
        result = "held for a manager's approval"
    else:
        result = LINE_WORDS.get(line.status, line.status).lower()
    if outcome.replayed:
        return f"Line {line.line_no} was counted before: {what}, {result}. That count stands."
    return f"Line {line.line_no}: counted {what}, {result}."


def _show(
    request: Request,
    actor: Actor,
    number: str,
    *,
    find: str = "",
    form: str = "",
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    outcome: str | None = None,
    replayed: bool = False,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The task and its lines: the whole page, or for htmx the area it swaps."""
    task, find_sku = read(request, lambda s: _task_read(s, number, actor, find))
    counting = task.status == CountTaskStatus.OPEN and actor.can(Permission.STOCK_MOVE)
    pending = [ln for ln in task.lines if ln.status == CountLineStatus.PENDING]
    focus, missing = _focus(pending, (find, find_sku), form, errors or {})
    context = {
        "task": task,
        "url": task_url(task.number),
        "status_words": STATUS_WORDS,
        "line_words": LINE_WORDS,
        "kind_words": KIND_WORDS,
        "counting": counting,
        "approver": actor.can(counts.APPROVER),
        "held": sum(ln.status == CountLineStatus.DISCREPANCY for ln in task.lines),
        "find": find,
        "missing": missing,
        "form": form,
        "typed": typed or {},
        "errors": errors or {},
        "outcome": outcome,
        "replayed": replayed,
        "focus": focus if counting else "",
        "key": str(uuid.uuid4()),
    } | (extra or {})
    template = "counts/_task_area.html" if is_htmx(request) else "counts/task.html"
    return render(request, template, context, status)


def _task_read(session: Session, number: str, actor: Actor, find: str) -> tuple[CountTaskRead, str]:
    """The task as this user may see it (hidden figures None), and the SKU of a scanned
    barcode."""
    task = counts.get(session, number, actor)
    return CountTaskRead.of(task, counts.sees_expected(actor, task)), _sku_of(session, find)


def _sku_of(session: Session, scanned: str) -> str:
    """The SKU of a scanned barcode, so a product's barcode finds its line too."""
    if not scanned:
        return ""
    try:
        return catalog.find_product(session, barcode=scanned).sku
    except NotFound:
        return ""


def _focus(
    pending: list[Any], find: tuple[str, str], form: str, errors: dict[str, str]
) -> tuple[str, bool]:
    """Which field has the focus: the field refused, the line found, or the next line."""
    if errors:
        name = next(iter(errors))
        return (f"{form}-{name}" if name != "form" else f"{form}-counted"), False
    scanned, sku = find[0].upper(), find[1].upper()
    if scanned:
        for line in pending:
            place, code = line.location.upper(), line.sku.upper()
            if scanned in (code, place, place.split("/", 1)[-1]) or sku == code:
                return f"line-{line.line}-counted", False
        return "find", True
    return (f"line-{pending[0].line}-counted" if pending else "find"), False


@router.post("/counts/{number}/lines/{line}/approve")
def approve(request: Request, actor: WarehouseManager, number: str, line: int) -> Response:
    return _decide(request, actor, number, line, count_lines.approve, "approved")


@router.post("/counts/{number}/lines/{line}/recount")
def recount(request: Request, actor: WarehouseManager, number: str, line: int) -> Response:
    return _decide(request, actor, number, line, count_lines.recount, "recount")


def _decide(
    request: Request, actor: Actor, number: str, line: int, action: Any, done: str
) -> Response:
    """Approve or recount, then back to the discrepancies; a refusal says why there."""
    try:
        write(request, lambda s: action(s, number, line, actor).number)
    except DomainError as exc:
        if not refusal(exc) or (isinstance(exc, NotFound) and exc.entity == "count task"):
            raise
        said = f"{number} line {line}: {sentence(exc.message)}"
        return _discrepancies(request, actor, "", None, {"error": said}, status_of(exc))
    return RedirectResponse(f"/counts/discrepancies?done={done}", status_code=303)


@router.post("/counts/{number}/cancel")
def cancel(request: Request, actor: WarehouseManager, number: str, form: Posted) -> Response:
    typed = text(form, "version")
    version = version_of(typed)
    if typed and version is None:
        return error_page(request, 400, DAMAGED)
    try:
        write(request, lambda s: counts.cancel(s, number, actor, version).number)
    except DomainError as exc:
        if not refusal(exc) or isinstance(exc, NotFound):
            raise
        return _show(
            request, actor, number, extra={"error": sentence(exc.message)}, status=status_of(exc)
        )
    return RedirectResponse(f"{task_url(number)}?done=cancelled", status_code=303)
