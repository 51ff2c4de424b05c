import asyncio
from base64 import b64decode
from typing import Any

from bson import ObjectId

from sannong.auth import Role
from tests.factories import SUNJIAJI, Api, Person, codes
from tests.market import (
    CANCEL,
    CLOSE,
    COMPLETE,
    HIDE,
    PLACE,
    RESPOND,
    create_listing,
    new_key,
    place,
)


async def _stock(api: Api, listing_id: str) -> dict[str, Any]:
    key = b64decode(listing_id).decode().split(":", 1)[1]
    doc = await api.db.listings.find_one({"_id": ObjectId(key)})
    assert doc is not None
    return doc


async def place_as_the_app_does(api: Api, buyer: Person, listing_id: str) -> dict[str, Any]:
    """One order, asked again with its key while the answer is SERVICE_UNAVAILABLE: on a
    loaded machine a hundred orders at once can outlast the database timeout, and a retry
    with the same key is how a phone finds out what happened."""
    key = new_key()
    for attempt in range(8):
        answer = await place(api, buyer, listing_id, 1, key)
        if "SERVICE_UNAVAILABLE" not in codes(answer):
            return answer
        await asyncio.sleep(0.25 * 2**attempt)
    return answer


async def test_hundred_concurrent_orders_never_oversell_a_stock_of_thirty(api: Api) -> None:
    seller = await api.person()
    buyers = [await api.person() for _ in range(10)]
    listing = await create_listing(api, seller, quantity=30)
    results = await asyncio.gather(
        *(place_as_the_app_does(api, buyers[n % 10], listing["id"]) for n in range(100))
    )
    placed = [r["data"]["placeOrder"] for r in results]
    orders = [p["order"] for p in placed if p["order"]]
    refused = [e["code"] for p in placed for e in p["userErrors"]]
    assert len(orders) == 30
    assert refused == ["SOLD_OUT"] * 70
    doc = await _stock(api, listing["id"])
    assert doc["quantityAvailable"] == 0
    assert doc["status"] == "SOLD_OUT"
    assert await api.db.orders.count_documents({"listingId": doc["_id"]}) == 30


async def test_retry_with_the_same_key_returns_the_first_order(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=10)
    key = new_key()
    first = await place(api, buyer, listing["id"], 2, key)
    again = await asyncio.gather(*(place(api, buyer, listing["id"], 2, key) for _ in range(5)))
    order_id = first["data"]["placeOrder"]["order"]["id"]
    assert {r["data"]["placeOrder"]["order"]["id"] for r in again} == {order_id}
    assert (await _stock(api, listing["id"]))["quantityAvailable"] == 8


async def test_same_key_with_another_quantity_is_a_conflict(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=10)
    key = new_key()
    await place(api, buyer, listing["id"], 2, key)
    result = await place(api, buyer, listing["id"], 3, key)
    assert codes(result) == ["CONFLICT"]
    assert (await _stock(api, listing["id"]))["quantityAvailable"] == 8


async def test_rejected_order_returns_stock_and_listing_is_active_again(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=3)
    order = (await place(api, buyer, listing["id"], 3))["data"]["placeOrder"]["order"]
    assert order["listing"]["status"] == "SOLD_OUT"
    result = await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": False}}, as_=seller)
    rejected = result["data"]["respondToOrder"]["order"]
    assert rejected["status"] == "REJECTED"
    assert rejected["listing"] == {"id": listing["id"], "quantityAvailable": 3, "status": "ACTIVE"}
    assert [h["status"] for h in rejected["history"]] == ["PENDING", "REJECTED"]
    assert rejected["history"][1]["actor"]["id"] == seller.id


async def test_order_lifecycle_accept_then_complete_counts_as_sold(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=5, price="2.50")
    order = (await place(api, buyer, listing["id"], 2))["data"]["placeOrder"]["order"]
    assert order["total"] == "5.00"
    accepted = await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=seller)
    assert accepted["data"]["respondToOrder"]["order"]["status"] == "ACCEPTED"
    late_cancel = await api.gql(CANCEL, {"i": {"orderId": order["id"]}}, as_=buyer)
    assert [e["code"] for e in late_cancel["data"]["cancelOrder"]["userErrors"]] == [
        "INVALID_TRANSITION"
    ]
    done = await api.gql(COMPLETE, {"i": {"orderId": order["id"]}}, as_=buyer)
    completed = done["data"]["completeOrder"]["order"]
    assert completed["status"] == "COMPLETED"
    assert [h["status"] for h in completed["history"]] == ["PENDING", "ACCEPTED", "COMPLETED"]
    doc = await _stock(api, listing["id"])
    assert (doc["quantityAvailable"], doc["quantitySold"]) == (3, 2)


async def test_buyer_cancels_a_pending_order_and_stock_returns(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=5)
    order = (await place(api, buyer, listing["id"], 4))["data"]["placeOrder"]["order"]
    result = await api.gql(CANCEL, {"i": {"orderId": order["id"]}}, as_=buyer)
    assert result["data"]["cancelOrder"]["order"]["listing"]["quantityAvailable"] == 5
    twice = await api.gql(CANCEL, {"i": {"orderId": order["id"]}}, as_=buyer)
    assert twice["data"]["cancelOrder"]["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert (await _stock(api, listing["id"]))["quantityAvailable"] == 5


async def test_second_order_beyond_stock_is_refused(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=5)
    await place(api, buyer, listing["id"], 4)
    result = await place(api, buyer, listing["id"], 2)
    assert [e["code"] for e in result["data"]["placeOrder"]["userErrors"]] == ["SOLD_OUT"]


async def test_zero_or_negative_quantity_is_refused(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    for quantity in (0, -3):
        result = await place(api, buyer, listing["id"], quantity)
        assert [e["field"] for e in result["data"]["placeOrder"]["userErrors"]] == ["quantity"]
    assert (await _stock(api, listing["id"]))["quantityAvailable"] == 30


async def test_seller_cannot_order_from_itself(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    result = await place(api, seller, listing["id"])
    assert [e["code"] for e in result["data"]["placeOrder"]["userErrors"]] == ["OWN_LISTING"]


async def test_ordering_from_closed_or_hidden_listing_is_refused(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    closed = await create_listing(api, seller)
    hidden = await create_listing(api, seller)
    await api.gql(CLOSE, {"i": {"listingId": closed["id"]}}, as_=seller)
    await api.gql(HIDE, {"i": {"listingId": hidden["id"], "reason": "虚假信息"}}, as_=admin)
    for listing in (closed, hidden):
        result = await place(api, buyer, listing["id"])
        assert [e["code"] for e in result["data"]["placeOrder"]["userErrors"]] == ["NOT_AVAILABLE"]
        assert (await _stock(api, listing["id"]))["quantityAvailable"] == 30


async def test_order_below_minimum_is_refused(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, minOrder=5)
    result = await place(api, buyer, listing["id"], 2)
    assert [e["code"] for e in result["data"]["placeOrder"]["userErrors"]] == ["BELOW_MINIMUM"]


async def test_open_orders_per_buyer_are_capped(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller, quantity=100)
    for _ in range(20):
        assert (await place(api, buyer, listing["id"]))["data"]["placeOrder"]["order"]
    result = await place(api, buyer, listing["id"])
    assert [e["code"] for e in result["data"]["placeOrder"]["userErrors"]] == [
        "TOO_MANY_OPEN_ORDERS"
    ]


async def test_my_orders_lists_each_side(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    await place(api, buyer, listing["id"], 1)
    await place(api, buyer, listing["id"], 2)
    query = """query($r: OrderRole!) { myOrders(role: $r) { edges { node {
        quantity buyer { id } seller { id } } } } }"""
    mine = await api.gql(query, {"r": "BUYER"}, as_=buyer)
    assert [e["node"]["quantity"] for e in mine["data"]["myOrders"]["edges"]] == [2, 1]
    received = await api.gql(query, {"r": "SELLER"}, as_=seller)
    assert len(received["data"]["myOrders"]["edges"]) == 2
    assert (await api.gql(query, {"r": "SELLER"}, as_=buyer))["data"]["myOrders"]["edges"] == []


async def test_ordering_needs_sign_in(api: Api) -> None:
    seller = await api.person()
    listing = await create_listing(api, seller)
    result = await api.gql(
        PLACE, {"i": {"listingId": listing["id"], "quantity": 1, "idempotencyKey": new_key()}}
    )
    assert codes(result) == ["UNAUTHENTICATED"]


async def test_an_order_is_seen_only_by_its_buyer_and_seller(api: Api) -> None:
    seller, buyer, stranger = await api.person(), await api.person(), await api.person()
    listing = await create_listing(api, seller)
    order = (await place(api, buyer, listing["id"]))["data"]["placeOrder"]["order"]
    query = "query($id: ID!) { node(id: $id) { ... on Order { quantity } } }"
    for person, expected in ((buyer, {"quantity": 1}), (seller, {"quantity": 1}), (stranger, None)):
        result = await api.gql(query, {"id": order["id"]}, as_=person)
        assert result["data"]["node"] == expected
    meddling = await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=stranger)
    assert codes(meddling) == ["FORBIDDEN"]


async def test_fifty_concurrent_replays_of_one_key_all_answer_the_one_order(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    others = [await api.person() for _ in range(10)]
    listing = await create_listing(api, seller, quantity=12)
    key = new_key()
    replays = [place(api, buyer, listing["id"], 2, key) for _ in range(50)]
    # While the replays race, ten other buyers take one each: 2 + 10 fits in 12.
    everyone = await asyncio.gather(*replays, *(place(api, o, listing["id"]) for o in others))
    answers = [r["data"]["placeOrder"] for r in everyone]
    replayed, bought = answers[:50], answers[50:]
    assert [a["userErrors"] for a in replayed] == [[]] * 50
    assert len({a["order"]["id"] for a in replayed}) == 1
    assert [a["userErrors"] for a in bought] == [[]] * 10
    doc = await _stock(api, listing["id"])
    assert doc["quantityAvailable"] == 0
    assert await api.db.orders.count_documents({"listingId": doc["_id"]}) == 11


async def test_the_buyer_accepting_their_own_order_is_told_only_the_seller_may(
    api: Api,
) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    order = (await place(api, buyer, listing["id"]))["data"]["placeOrder"]["order"]
    result = await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=buyer)
    assert codes(result) == ["FORBIDDEN"]
    assert result["errors"][0]["message"] == "只有卖家可以接受或拒绝订单"


PARTIES = """query($role: OrderRole!) { myOrders(role: $role) { totalCount edges { node {
    status buyer { phone } seller { phone } } } } }"""


async def test_the_two_parties_of_an_accepted_order_see_each_others_phone(api: Api) -> None:
    seller, buyer = await api.person(), await api.person()
    listing = await create_listing(api, seller)
    order = (await place(api, buyer, listing["id"]))["data"]["placeOrder"]["order"]
    pending = await api.gql(PARTIES, {"role": "BUYER"}, as_=buyer)
    (edge,) = pending["data"]["myOrders"]["edges"]
    assert edge["node"]["seller"]["phone"] != seller.phone  # masked while pending
    assert "****" in edge["node"]["seller"]["phone"]
    await api.gql(RESPOND, {"i": {"orderId": order["id"], "accept": True}}, as_=seller)
    as_buyer = await api.gql(PARTIES, {"role": "BUYER"}, as_=buyer)
    as_seller = await api.gql(PARTIES, {"role": "SELLER"}, as_=seller)
    assert as_buyer["data"]["myOrders"]["totalCount"] == 1
    assert as_buyer["data"]["myOrders"]["edges"][0]["node"]["seller"]["phone"] == seller.phone
    assert as_seller["data"]["myOrders"]["edges"][0]["node"]["buyer"]["phone"] == buyer.phone
    # Elsewhere the same person stays masked: the order shows the number, not the person.
    query = """query($id: ID!) { node(id: $id) { ... on User { phone } } }"""
    elsewhere = await api.gql(query, {"id": seller.id}, as_=buyer)
    assert elsewhere["data"]["node"]["phone"] != seller.phone
