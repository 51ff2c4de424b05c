"""Marketplace helpers for tests: one call per fact a test needs."""

import io
import itertools
from typing import Any

from PIL import Image

from tests.factories import Api, Person

_keys = itertools.count(1)

LISTING_FIELDS = """id commodity title price unit quantityAvailable quantitySold minOrder status
    thumbnailUrl photos { key url thumbnailUrl width height }"""
ORDER_FIELDS = """id quantity status total unitPrice
    history { status actor { id } } listing { id quantityAvailable status }"""

CREATE = f"""mutation($i: CreateListingInput!) {{ createListing(input: $i) {{
    listing {{ {LISTING_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($i: UpdateListingInput!) {{ updateListing(input: $i) {{
    listing {{ {LISTING_FIELDS} }} userErrors {{ field message code }} }} }}"""
CLOSE = f"""mutation($i: CloseListingInput!) {{ closeListing(input: $i) {{
    listing {{ {LISTING_FIELDS} }} userErrors {{ field message code }} }} }}"""
PLACE = f"""mutation($i: PlaceOrderInput!) {{ placeOrder(input: $i) {{
    order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"""
RESPOND = f"""mutation($i: RespondToOrderInput!) {{ respondToOrder(input: $i) {{
    order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"""
CANCEL = f"""mutation($i: CancelOrderInput!) {{ cancelOrder(input: $i) {{
    order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"""
COMPLETE = f"""mutation($i: CompleteOrderInput!) {{ completeOrder(input: $i) {{
    order {{ {ORDER_FIELDS} }} userErrors {{ field message code }} }} }}"""
HIDE = """mutation($i: ModerateListingInput!) { hideListing(input: $i) {
    listing { id status } userErrors { code } } }"""
RESTORE = """mutation($i: ModerateListingInput!) { restoreListing(input: $i) {
    listing { id status } userErrors { code } } }"""
REPORT = """mutation($i: ReportListingInput!) { reportListing(input: $i) {
    listing { id } userErrors { code } } }"""
LISTING = f"""query($id: ID!) {{ node(id: $id) {{ ... on Listing {{ {LISTING_FIELDS} }} }} }}"""


def new_key() -> str:
    return f"order-key-{next(_keys):06d}"


def listing_input(**overrides: Any) -> dict[str, Any]:
    return {
        "commodity": "大白菜",
        "title": "自家种的大白菜",
        "price": "1.20",
        "unit": "斤",
        "quantity": 30,
        "category": "VEGETABLE",
        "description": "新鲜采摘，当天发货",
    } | overrides


async def create_listing(api: Api, seller: Person, **overrides: Any) -> dict[str, Any]:
    result = await api.gql(CREATE, {"i": listing_input(**overrides)}, as_=seller)
    payload = result["data"]["createListing"]
    assert payload["userErrors"] == [], payload
    return payload["listing"]


async def place(
    api: Api, buyer: Person, listing_id: str, quantity: int = 1, key: str | None = None
) -> dict[str, Any]:
    result = await api.gql(
        PLACE,
        {"i": {"listingId": listing_id, "quantity": quantity, "idempotencyKey": key or new_key()}},
        as_=buyer,
    )
    return result


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 160, 60)).save(out, fmt)
    return out.getvalue()
