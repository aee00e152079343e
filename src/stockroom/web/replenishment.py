"""Replenishment suggestions: per product and warehouse, the recommended reorder point and
quantity with every number behind them, and an "apply" button.

As the API's /replenishment: stock:read shows the suggestions of the user's warehouses,
catalog:write (managers) applies one as that warehouse's own reorder settings. Applying
names the version of those settings the page showed (0: none yet): if they changed
meanwhile, nothing is applied and the page says so.
"""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from stockroom.api.errors import status_of
from stockroom.api.schemas.common import links
from stockroom.api.schemas.replenishment import SuggestionRead
from stockroom.domain.access import Actor
from stockroom.domain.clock import utcnow
from stockroom.domain.errors import DomainError, NotFound
from stockroom.services import replenishment, warehouses
from stockroom.web.order_forms import (
    Posted,
    nul_errors,
    page_size,
    refusal,
    sentence,
    text,
    version_of,
)
from stockroom.web.pages import page_router, render
from stockroom.web.session import CatalogEditor, StockViewer
from stockroom.web.writes import read, write

router = page_router()

Filter = Annotated[str, Query(max_length=64)]
DONE = "Applied: {sku}'s reorder point and quantity are now the suggested ones."


@router.get("/replenishment")
def suggestions_page(
    request: Request,
    actor: StockViewer,
    warehouse: Filter = "",
    changes: Filter = "",
    done: Filter = "",
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
) -> HTMLResponse:
    """By SKU, then warehouse; ``changes=1``: only where applying would change something."""
    extra = {"done": DONE.format(sku=done) if done else None}
    return _page(request, actor, warehouse, changes, cursor, limit, extra)


def _page(
    request: Request,
    actor: Actor,
    warehouse: str,
    changes: str,
    cursor: str | None,
    limit: int | None,
    extra: dict[str, Any],
    status: int = 200,
) -> HTMLResponse:
    config = replenishment.config_of(request.app.state.settings)
    filters = replenishment.SuggestionFilter(warehouse or None, None, bool(changes))
    errors: dict[str, str] = {}

    def work(session: Session) -> dict[str, Any]:
        sites = warehouses.list_warehouses(session, None, None, None, 500, actor).items
        found: dict[str, Any] = {"rows": [], "next_cursor": None, "warehouses": sites}
        try:
            page = replenishment.list_suggestions(
                session, config, filters, actor, utcnow(), cursor, page_size(limit)
            )
        except NotFound as exc:
            errors["warehouse"] = sentence(exc.message)
            return found
        rows = [SuggestionRead.of(s) for s in page.items]
        return found | {"rows": rows, "next_cursor": page.next_cursor}

    context = read(request, work)
    context |= {"warehouse": warehouse, "changes": changes, "errors": errors, **extra}
    context["warehouses"] = [w.code for w in context["warehouses"]]
    context["next_link"] = links(request, context["next_cursor"]).next
    context["service_level"] = config.service_level
    return render(request, "purchasing/replenishment.html", context, 422 if errors else status)


@router.post("/replenishment/apply")
def apply_suggestion(request: Request, actor: CatalogEditor, form: Posted) -> Response:
    """Apply one product x warehouse's suggestion, at the settings' version shown."""
    sku, warehouse = text(form, "sku"), text(form, "warehouse")
    version = version_of(text(form, "version"))
    back = {"warehouse": text(form, "filter_warehouse"), "changes": text(form, "changes")}
    if nul_errors(back):
        back = {"warehouse": "", "changes": ""}  # the filters shown again query with them
    damaged = nul_errors({"sku": sku, "warehouse": warehouse})
    if not sku or not warehouse or version is None or damaged:
        return _page(request, actor, back["warehouse"], back["changes"], None, None,
                     {"error": "This form is incomplete; reload the page."}, 400)  # fmt: skip
    line = replenishment.ApplyLine(sku, version, warehouse)
    config = replenishment.config_of(request.app.state.settings)
    try:
        write(request, lambda s: replenishment.apply(s, config, [line], actor, utcnow()))
    except DomainError as exc:
        if not refusal(exc):
            raise
        error = {"error": sentence(exc.message)}
        return _page(request, actor, back["warehouse"], back["changes"], None, None, error,
                     status_of(exc))  # fmt: skip
    query = {k: v for k, v in back.items() if v} | {"done": sku}
    return RedirectResponse(f"/replenishment?{urlencode(query)}", status_code=303)
