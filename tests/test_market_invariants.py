"""Stock is conserved whatever sequence of order steps happens: a hypothesis state machine
drives the marketplace rules (the same functions the mutations call) against the database."""

import asyncio
import uuid
from typing import Any

from bson import ObjectId
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from sannong.clock import now
from sannong.db.client import open_client
from sannong.db.indexes import ensure_indexes
from sannong.errors import RuleError
from sannong.rules.market import OPEN_STATUSES, OrderStatus
from sannong.rules.orders import TRANSITIONS, move_order
from sannong.rules.orders import place_order as place

INITIAL_STOCK = 12


def test_available_plus_reserved_plus_sold_is_the_initial_stock(mongodb_uri: str) -> None:
    loop = asyncio.new_event_loop()
    client = open_client(mongodb_uri, 5000)
    db = client[f"test_machine_{uuid.uuid4().hex[:8]}"]
    run = loop.run_until_complete
    run(ensure_indexes(db))

    class OrderMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.seller = ObjectId()
            self.buyers = [ObjectId(), ObjectId(), ObjectId()]
            self.listing = ObjectId()
            self.orders: list[dict[str, Any]] = []
            self.keys = 0
            run(
                db.listings.insert_one(
                    {
                        "_id": self.listing,
                        "sellerId": self.seller,
                        "title": "玉米",
                        "unit": "斤",
                        "priceFen": 150,
                        "quantityAvailable": INITIAL_STOCK,
                        "quantitySold": 0,
                        "minOrder": 1,
                        "status": "ACTIVE",
                        "path": ["370000000000", "370700000000", "370783000000"],
                        "createdAt": now(),
                        "updatedAt": now(),
                    }
                )
            )

        async def _place(self, buyer: int, quantity: int, key: str) -> None:
            try:
                order = await place(
                    db,
                    buyer_id=self.buyers[buyer],
                    listing_id=self.listing,
                    quantity=quantity,
                    idempotency_key=key,
                    max_open_orders=100,
                )
            except RuleError as refused:
                assert [f.code.value for f in refused.failures] == ["SOLD_OUT"]
            else:
                if all(o["_id"] != order["_id"] for o in self.orders):
                    self.orders.append(order)

        def _key(self) -> str:
            self.keys += 1
            return f"machine-{self.listing}-{self.keys}"

        @rule(buyer=st.integers(0, 2), quantity=st.integers(1, 6))
        def place_order(self, buyer: int, quantity: int) -> None:
            run(self._place(buyer, quantity, self._key()))

        @rule(quantities=st.lists(st.integers(1, 5), min_size=2, max_size=5))
        def place_orders_at_once(self, quantities: list[int]) -> None:
            keys = [self._key() for _ in quantities]

            async def concurrently() -> None:
                await asyncio.gather(
                    *(self._place(n % 3, q, keys[n]) for n, q in enumerate(quantities))
                )

            run(concurrently())

        @rule(data=st.data())
        def retry_an_order(self, data: st.DataObject) -> None:
            if self.orders:
                order = data.draw(st.sampled_from(self.orders))
                buyer = self.buyers.index(order["buyerId"])
                run(self._place(buyer, order["quantity"], order["idempotencyKey"]))

        @rule(data=st.data(), to=st.sampled_from(list(TRANSITIONS)))
        def move(self, data: st.DataObject, to: OrderStatus) -> None:
            if not self.orders:
                return
            order = data.draw(st.sampled_from(self.orders))
            source, party = TRANSITIONS[to]
            actor = order["buyerId"] if party == "buyer" else self.seller
            current = run(db.orders.find_one({"_id": order["_id"]}))
            assert current is not None
            try:
                run(move_order(db, actor, current["_id"], to))
            except RuleError:
                assert current["status"] != source.value
            else:
                assert current["status"] == source.value

        @invariant()
        def stock_is_conserved(self) -> None:
            listing = run(db.listings.find_one({"_id": self.listing}))
            orders = run(db.orders.find({"listingId": self.listing}).to_list())
            assert listing is not None
            reserved = sum(o["quantity"] for o in orders if o["status"] in OPEN_STATUSES)
            sold = sum(o["quantity"] for o in orders if o["status"] == "COMPLETED")
            available = listing["quantityAvailable"]
            assert available >= 0
            assert available + reserved + sold == INITIAL_STOCK
            assert listing["quantitySold"] == sold
            assert listing["status"] == ("SOLD_OUT" if available == 0 else "ACTIVE")

    try:
        run_state_machine_as_test(
            OrderMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        run(client.drop_database(db.name))
        run(client.close())
        loop.close()
