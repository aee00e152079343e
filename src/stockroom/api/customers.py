"""/customers: who orders, and where it ships to."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from stockroom.api.deps import Listing, ReadSession
from stockroom.api.idempotency import WriterDep
from stockroom.api.patching import patch_changes
from stockroom.api.schemas.common import PageOut, page_out
from stockroom.api.schemas.customers import CustomerCreate, CustomerPatch, CustomerRead
from stockroom.api.security import OrderReader, OrderWriter
from stockroom.api.versioning import IfMatch, etag, required_version
from stockroom.services import customers

router = APIRouter(prefix="/customers", tags=["customers"])

NULLABLE = {"email", "phone"}


@router.get("", response_model=PageOut[CustomerRead], name="customers_list")
def list_customers(
    actor: OrderReader,
    request: Request,
    session: ReadSession,
    listing: Listing,
    q: Annotated[str | None, Query(max_length=100, description="Search name and email")] = None,
    active: Annotated[bool | None, Query(description="Omit for active only")] = True,
) -> PageOut[CustomerRead]:
    filters = customers.CustomerFilter(q=q, active=active)
    page = customers.list_customers(session, filters, listing.sort, listing.cursor, listing.limit)
    return page_out(request, page, [CustomerRead.of(c) for c in page.items])


@router.post("", status_code=201, response_model=CustomerRead, name="customers_create")
def create_customer(actor: OrderWriter, body: CustomerCreate, writer: WriterDep) -> Response:
    def work() -> CustomerRead:
        addresses = [a.value() for a in body.addresses]
        return CustomerRead.of(customers.create_customer(writer.session, body.fields(), addresses))

    return writer.run(
        work, body=body, status_code=201, location=lambda c: f"/api/v1/customers/{c.id}"
    )


@router.get("/{customer_id}", response_model=CustomerRead, name="customers_get")
def get_customer(
    actor: OrderReader, customer_id: uuid.UUID, session: ReadSession, response: Response
) -> CustomerRead:
    found = CustomerRead.of(customers.get_customer(session, customer_id))
    response.headers["ETag"] = etag(found.version)
    return found


@router.patch("/{customer_id}", response_model=CustomerRead, name="customers_update")
def update_customer(
    actor: OrderWriter,
    customer_id: uuid.UUID,
    body: CustomerPatch,
    writer: WriterDep,
    if_match: IfMatch = None,
) -> Response:
    """Change details; ``addresses`` replaces the list; is_active=false deactivates."""
    version = required_version(if_match, body.version)
    changes = patch_changes(body, NULLABLE | {"addresses"})
    changes.pop("addresses", None)
    addresses = None
    if "addresses" in body.model_fields_set:  # null or [] both clear the list
        addresses = [a.value() for a in body.addresses or []]

    def work() -> CustomerRead:
        updated = customers.update_customer(
            writer.session, customer_id, changes, addresses, version
        )
        return CustomerRead.of(updated)

    return writer.run(work, body=body)
