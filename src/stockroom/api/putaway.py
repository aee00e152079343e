"""/putaway: where received stock should go."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from stockroom.api.deps import ReadSession
from stockroom.api.schemas.common import PositiveQuantity
from stockroom.api.schemas.putaway import PutawaySuggestionRead
from stockroom.api.security import StockReader
from stockroom.services import putaway

router = APIRouter(prefix="/putaway", tags=["putaway"])

SUGGESTION_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown SKU, or a warehouse unknown or outside your scope"},
    409: {
        "description": "no_location: no pick face, bulk or overflow location can take the "
        "quantity (with the needed weight and volume and each refused location's room)"
    },
    422: {"description": "Invalid quantity for the product's unit"},
}


@router.get(
    "/suggestion",
    response_model=PutawaySuggestionRead,
    responses=SUGGESTION_ERRORS,
    name="putaway_get_suggestion",
)
def get_suggestion(
    actor: StockReader,
    session: ReadSession,
    sku: Annotated[str, Query(min_length=1, max_length=64)],
    warehouse: Annotated[str, Query(min_length=1, max_length=64, description="Code or id")],
    quantity: Annotated[PositiveQuantity, Query(description="How much is to be put away")],
) -> PutawaySuggestionRead:
    """A location of the warehouse already holding the product (pick face first), else an
    empty bulk location, else overflow; never one whose weight or volume limit the
    quantity would exceed. A read: nothing is held for the caller."""
    found = putaway.suggest_putaway_location(session, sku, warehouse, quantity, actor)
    return PutawaySuggestionRead.of(found)
