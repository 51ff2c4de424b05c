"""Who may call each marketplace mutation: one row per mutation, one column per person."""

from collections.abc import Awaitable, Callable
from typing import Any

from sannong.auth import Role
from tests.factories import LUOCHENG, SUNJIAJI, Api, Person
from tests.market import (
    CANCEL,
    CLOSE,
    COMPLETE,
    CREATE,
    HIDE,
    REPORT,
    RESPOND,
    RESTORE,
    UPDATE,
    create_listing,
    listing_input,
    new_key,
    place,
)

OK, UNAUTH, FORBID = "ok", "UNAUTHENTICATED", "FORBIDDEN"
PEOPLE = ("anonymous", "seller", "buyer", "stranger", "admin_here", "admin_elsewhere")
PLACE = """mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
    order { id } userErrors { code } } }"""
REMOVE_PHOTO = """mutation($i: RemoveListingPhotoInput!) { removeListingPhoto(input: $i) {
    listing { id } userErrors { code } } }"""

TABLE: dict[str, tuple[str, ...]] = {
    #                  anonymous seller  buyer   stranger admin_here admin_elsewhere
    "createListing": (UNAUTH, OK, OK, OK, OK, OK),
    "updateListing": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "closeListing": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "removeListingPhoto": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "reportListing": (UNAUTH, OK, OK, OK, OK, OK),
    "hideListing": (UNAUTH, FORBID, FORBID, FORBID, OK, FORBID),
    "restoreListing": (UNAUTH, FORBID, FORBID, FORBID, OK, FORBID),
    "placeOrder": (UNAUTH, "OWN_LISTING", OK, OK, OK, OK),
    "respondToOrder": (UNAUTH, OK, FORBID, FORBID, FORBID, FORBID),
    "cancelOrder": (UNAUTH, FORBID, OK, FORBID, FORBID, FORBID),
    "completeOrder": (UNAUTH, OK, OK, FORBID, FORBID, FORBID),
}


def outcome(result: dict[str, Any], field: str) -> str:
    if result.get("errors"):
        return str(result["errors"][0]["extensions"]["code"])
    errors = result["data"][field]["userErrors"]
    return str(errors[0]["code"]) if errors else OK


async def test_each_mutation_is_allowed_exactly_to_the_people_in_the_table(api: Api) -> None:
    seller, buyer, stranger = await api.person(), await api.person(), await api.person()
    people: dict[str, Person | None] = {
        "anonymous": None,
        "seller": seller,
        "buyer": buyer,
        "stranger": stranger,
        "admin_here": await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI),
        "admin_elsewhere": await api.person(Role.TOWNSHIP_ADMIN, scope=LUOCHENG),
    }
    admin = people["admin_here"]

    async def listing() -> str:
        return str((await create_listing(api, seller))["id"])

    async def order(accepted: bool = False) -> str:
        order_id = str(
            (await place(api, buyer, await listing()))["data"]["placeOrder"]["order"]["id"]
        )
        if accepted:
            await api.gql(RESPOND, {"i": {"orderId": order_id, "accept": True}}, as_=seller)
        return order_id

    async def hidden() -> str:
        listing_id = await listing()
        await api.gql(HIDE, {"i": {"listingId": listing_id}}, as_=admin)
        return listing_id

    cases: dict[str, tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = {
        "createListing": (CREATE, lambda: _value(listing_input())),
        "updateListing": (UPDATE, lambda: _ids("listingId", listing(), title="新标题")),
        "closeListing": (CLOSE, lambda: _ids("listingId", listing())),
        "removeListingPhoto": (REMOVE_PHOTO, lambda: _ids("listingId", listing(), photoKey="x")),
        "reportListing": (REPORT, lambda: _ids("listingId", listing(), reason="价格虚高")),
        "hideListing": (HIDE, lambda: _ids("listingId", listing())),
        "restoreListing": (RESTORE, lambda: _ids("listingId", hidden())),
        "placeOrder": (
            PLACE,
            lambda: _ids("listingId", listing(), quantity=1, idempotencyKey=new_key()),
        ),
        "respondToOrder": (RESPOND, lambda: _ids("orderId", order(), accept=True)),
        "cancelOrder": (CANCEL, lambda: _ids("orderId", order())),
        "completeOrder": (COMPLETE, lambda: _ids("orderId", order(accepted=True))),
    }
    seen: dict[str, tuple[str, ...]] = {}
    for field, (mutation, variables) in cases.items():
        seen[field] = tuple(
            [
                outcome(await api.gql(mutation, {"i": await variables()}, as_=people[p]), field)
                for p in PEOPLE
            ]
        )
    assert seen == TABLE


async def _value(value: dict[str, Any]) -> dict[str, Any]:
    return value


async def _ids(name: str, target: Awaitable[str], **more: Any) -> dict[str, Any]:
    return {name: await target, **more}
