from sannong.db import Database
from sannong.rules.market import OPEN_STATUSES
from sannong.security import Passwords
from sannong.seed import seed, seed_anchor
from sannong.seed.market import farmer_documents, listing_documents
from tests import conftest


async def test_demo_market_has_200_listings_and_orders_in_every_state_with_stock_conserved(
    db: Database,
) -> None:
    passwords = Passwords(conftest.settings_for_tests())
    await seed(db, passwords, price_days=2)
    listings = await db.listings.find({}, {"searchTokens": 0}).to_list()
    orders = await db.orders.find().to_list()
    await seed(db, passwords, price_days=2)  # a second run changes nothing
    assert await db.listings.find({}, {"searchTokens": 0}).to_list() == listings
    assert await db.orders.find().to_list() == orders

    assert len(listings) >= 200
    assert len({listing["regionId"] for listing in listings}) == 45
    assert {o["status"] for o in orders} == {
        "PENDING",
        "ACCEPTED",
        "REJECTED",
        "CANCELLED",
        "COMPLETED",
    }
    held = {listing["_id"]: listing["quantityAvailable"] for listing in listings}
    sold = dict.fromkeys(held, 0)
    for order in orders:
        if order["status"] in (*OPEN_STATUSES, "COMPLETED"):
            held[order["listingId"]] += order["quantity"]
        if order["status"] == "COMPLETED":
            sold[order["listingId"]] += order["quantity"]
    anchor = await seed_anchor(db)
    assert anchor is not None
    offered = listing_documents(farmer_documents("", anchor), anchor)
    assert held == {listing["_id"]: listing["quantityAvailable"] for listing in offered}
    assert sold == {listing["_id"]: listing["quantitySold"] for listing in listings}
