"""The catalog's pages: the product list (search as you type, filters) and a product's page
(its stock where the user may see it, movements, reservations, reorder settings).

Creating, editing and deactivating are in ``product_edit``; its routes come first here, so
that ``/products/new`` is not taken for a product with SKU "new".
"""

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from stockroom.domain.access import Actor, Permission
from stockroom.domain.availability import Breakdown
from stockroom.domain.paging import MAX_LIMIT, Page
from stockroom.domain.reservations import ReservationStatus
from stockroom.services import (
    catalog,
    inventory,
    lots,
    movements,
    reservations,
    users,
    warehouses,
)
from stockroom.web import product_edit
from stockroom.web.pages import error_page, is_htmx, page_router, render, templates
from stockroom.web.product_forms import category_paths
from stockroom.web.session import CatalogViewer
from stockroom.web.writes import read

if TYPE_CHECKING:
    from stockroom.db.models import Product, Reservation, StockMovement, Warehouse

router = page_router()
router.include_router(product_edit.router)
# Other pages (orders, the floor) link to products too.
templates.env.filters["product_url"] = product_edit.product_url

LIST_SIZE = 25
MOVEMENTS_SIZE = 20
LOCATIONS_SIZE = 100
RESERVATIONS_SIZE = 50
LOTS_SIZE = 50

SkuPath = Annotated[str, Path(min_length=1, max_length=64)]
Cursor = Annotated[str | None, Query(max_length=500)]
Status = Literal["active", "inactive", "all"]
ACTIVE_OF: dict[str, bool | None] = {"active": True, "inactive": False, "all": None}


@dataclass(frozen=True)
class ListQuery:
    """The list's filters as the address carries them; empty text means "any"."""

    q: str = ""
    category: str = ""
    warehouse: str = ""
    below_reorder_point: bool = False
    status: Status = "active"

    def filters(self) -> catalog.ProductFilter:
        return catalog.ProductFilter(
            q=self.q or None,
            category_id=uuid.UUID(self.category) if self.category else None,
            active=ACTIVE_OF[self.status],
            warehouse=self.warehouse or None,
            below_reorder_point=self.below_reorder_point,
        )

    def url(self, cursor: str | None = None) -> str:
        """This list again (the next page of it, with ``cursor``)."""
        query: dict[str, str] = {"q": self.q, "category": self.category}
        query.update(warehouse=self.warehouse, status=self.status)
        if self.below_reorder_point:
            query["below_reorder_point"] = "true"
        if cursor:
            query["cursor"] = cursor
        kept = {k: v for k, v in query.items() if v and not (k == "status" and v == "active")}
        return "/products" + (f"?{urlencode(kept)}" if kept else "")


@dataclass(frozen=True)
class ListPage:
    products: "list[Product]"
    stock: dict[int, inventory.ProductStock]
    next_url: str | None
    warehouses: "list[Warehouse]" = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)


@router.get("/products")
def product_list(
    request: Request,
    actor: CatalogViewer,
    q: Annotated[str, Query(max_length=100)] = "",
    category: Annotated[str, Query(max_length=36)] = "",
    warehouse: Annotated[str, Query(max_length=64)] = "",
    below_reorder_point: bool = False,
    status: Status = "active",
    cursor: Cursor = None,
) -> HTMLResponse:
    """The whole page, or for htmx (search as you type) only the results, unless htmx is
    restoring its history: then it needs the whole page."""
    shown = ListQuery(q.strip(), category.strip(), warehouse.strip(), below_reorder_point, status)
    try:
        shown.filters()
    except ValueError:
        return error_page(request, 400, "That category is not one of the list's.")
    fragment = is_htmx(request) and request.headers.get("hx-history-restore-request") != "true"
    page = read(request, lambda s: _list_page(s, actor, shown, cursor, with_choices=not fragment))
    context = {"query": shown, "page": page, "stock_shown": actor.can(Permission.STOCK_READ)}
    if fragment:
        response = render(request, "products/_results.html", context)
        # The address bar shows the search without the form's empty fields.
        response.headers["HX-Push-Url"] = shown.url(cursor)
        return response
    return render(request, "products/list.html", context)


def _list_page(
    session: Session, actor: Actor, shown: ListQuery, cursor: str | None, with_choices: bool
) -> ListPage:
    stock_read = actor.can(Permission.STOCK_READ)
    filters = shown.filters()
    if not stock_read:  # stock filters reveal stock: only for those who may see it
        filters = replace(filters, warehouse=None, below_reorder_point=False)
    page = catalog.list_products(session, filters, None, cursor, LIST_SIZE, actor)
    stock = {}
    if stock_read:
        stock = inventory.product_stock(session, page.items, filters.warehouse, actor)
    next_url = shown.url(page.next_cursor) if page.next_cursor else None
    if not with_choices:
        return ListPage(page.items, stock, next_url)
    sites = []
    if stock_read:
        sites = warehouses.list_warehouses(session, True, None, None, MAX_LIMIT, actor).items
    categories = catalog.list_categories(session, None, None, MAX_LIMIT).items
    return ListPage(page.items, stock, next_url, sites, category_paths(categories))


# --- A product's page --------------------------------------------------------------------


@dataclass(frozen=True)
class StockPart:
    """What a product's page shows of its stock: only for those who may read stock, and
    only of the warehouses they may see."""

    total: Breakdown
    balances: list[inventory.BalanceView]
    more_locations: str | None
    movements: "list[StockMovement]"
    more_movements: str | None
    names: dict[str, str]
    reservations: "list[Reservation]"
    more_reservations: bool
    below_reorder_point: bool
    incoming: list[inventory.WarehouseAvailability]  # with goods on open purchase orders
    lot_views: list[lots.LotView]  # lot-tracked products: lots on hand in the user's warehouses
    more_lots: bool


@dataclass(frozen=True)
class ProductPage:
    product: "Product"
    stock: StockPart | None


@router.get("/products/{sku}")
def product_page(
    request: Request,
    actor: CatalogViewer,
    sku: SkuPath,
    movements_after: Cursor = None,
    locations_after: Cursor = None,
) -> HTMLResponse:
    def work(session: Session) -> ProductPage:
        product = catalog.find_product(session, sku=sku)
        if not actor.can(Permission.STOCK_READ):
            return ProductPage(product, None)
        return ProductPage(
            product, _stock_part(session, actor, product, movements_after, locations_after)
        )

    page = read(request, work)
    return render(request, "products/detail.html", {"page": page, "product": page.product})


def _stock_part(
    session: Session,
    actor: Actor,
    product: "Product",
    movements_after: str | None,
    locations_after: str | None,
) -> StockPart:
    available = inventory.availability(session, product.sku, None, actor)
    total = available.total
    # The badge by the list's rule: at or below the reorder point in some warehouse.
    [summary] = inventory.product_stock(session, [product], None, actor).values()
    where = inventory.InventoryFilter(product_id=product.public_id, in_stock=True)
    balances = inventory.list_balances(session, where, None, locations_after, LOCATIONS_SIZE, actor)
    views = inventory.balance_views(session, balances.items)
    views.sort(key=lambda v: (v.balance.warehouse.code, v.balance.location.code))
    ledger = movements.list_movements(
        session,
        movements.MovementFilter(product_id=product.public_id),
        None,
        movements_after,
        MOVEMENTS_SIZE,
        actor,
    )
    held = reservations.list_reservations(
        session,
        reservations.ReservationFilter(status=ReservationStatus.ACTIVE, sku=product.sku),
        "expires_at",
        None,
        RESERVATIONS_SIZE,
        actor,
    )
    return StockPart(
        total=total,
        balances=views,
        more_locations=_more(product, "locations_after", balances),
        movements=ledger.items,
        more_movements=_more(product, "movements_after", ledger),
        names=users.display_names(session, (m.actor for m in ledger.items)),
        reservations=held.items,
        more_reservations=held.next_cursor is not None,
        below_reorder_point=summary.below_reorder_point,
        incoming=[w for w in available.warehouses if w.incoming > 0],
        **_lots_of(session, actor, product),
    )


def _lots_of(session: Session, actor: Actor, product: "Product") -> dict[str, Any]:
    """The product's lots on hand in the user's warehouses, earliest expiry first."""
    if not lots.tracked(product):
        return {"lot_views": [], "more_lots": False}
    page, views = lots.list_lots(session, product.sku, None, None, LOTS_SIZE, actor)
    return {
        "lot_views": [v for v in views if v.balances],
        "more_lots": page.next_cursor is not None,
    }


def _more(product: "Product", name: str, page: Page[Any]) -> str | None:
    if page.next_cursor is None:
        return None
    return f"{product_edit.product_url(product.sku)}?{urlencode({name: page.next_cursor})}"
