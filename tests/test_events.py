"""The event feed over the real driver: its polling reader (the embedded server refuses
change streams; no replica set can run on these machines, so the change-stream reader is
not exercised here), its position across restarts and its handling of late numbers."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pymongo import ReturnDocument

from sannong.db import Database
from sannong.db.client import open_client
from sannong.integrations.events import (
    COUNTER_ID,
    POLLING,
    SKIPPED,
    Event,
    EventFeed,
    Listener,
    Topic,
    publish,
)


@pytest.fixture
async def feed(db: Database) -> AsyncIterator[EventFeed]:
    feed = EventFeed(db, poll_interval=0.02, gap_grace=0.5)
    await feed.start()
    await until_positioned(feed)
    yield feed
    await feed.stop()


async def until_positioned(feed: EventFeed) -> None:
    for _ in range(500):
        if feed._frontier is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("reader did not start")


async def heard(listener: Listener, count: int, within: float = 5.0) -> list[Event]:
    events = []
    for _ in range(count):
        event = await listener.next(within=within)
        assert event is not None, f"heard {len(events)} of {count}"
        events.append(event)
    return events


async def silent(listener: Listener) -> bool:
    return await listener.next(within=0.2) is None


async def test_the_embedded_server_is_followed_by_polling(feed: EventFeed) -> None:
    assert feed.reader == POLLING


async def test_listeners_hear_their_topic_and_audience_only(feed: EventFeed, db: Database) -> None:
    with (
        feed.listen([(Topic.ORDERS, "buyer")]) as buyer,
        feed.listen([(Topic.SESSIONS, "buyer")]) as sessions,
        feed.listen([(Topic.ORDERS, "someone else")]) as stranger,
    ):
        seq = await publish(db, Topic.ORDERS, ["buyer", "seller"], ["order-1"])
        (event,) = await heard(buyer, 1)
        assert (event.seq, event.topic, event.audience, event.ids) == (
            seq,
            "orders",
            ("buyer", "seller"),
            ("order-1",),
        )
        assert await silent(sessions) and await silent(stranger)
    assert feed.listening(Topic.ORDERS, "buyer") == 0


async def test_an_event_published_by_another_process_is_heard(
    feed: EventFeed, mongodb_uri: str, db_name: str
) -> None:
    other = open_client(mongodb_uri, 1500)  # its own connections, as another process has
    try:
        with feed.listen([(Topic.ORDERS, "buyer")]) as listener:
            seq = await publish(other[db_name], Topic.ORDERS, ["buyer"])
            assert [e.seq for e in await heard(listener, 1)] == [seq]
    finally:
        await other.close()


async def test_a_reader_restarted_mid_stream_misses_none_and_repeats_none(
    feed: EventFeed, db: Database
) -> None:
    with feed.listen([(Topic.ORDERS, "buyer")]) as listener:

        async def publisher() -> list[int | None]:
            seqs = []
            for _ in range(40):
                seqs.append(await publish(db, Topic.ORDERS, ["buyer"]))
                await asyncio.sleep(0.005)
            return seqs

        publishing = asyncio.create_task(publisher())
        while not publishing.done():
            await asyncio.sleep(0.013)
            await feed.stop()  # cancels the reader wherever it is: mid-query, mid-batch
            await asyncio.sleep(0.007)
            await feed.start()
        published = await publishing
        received = [event.seq for event in await heard(listener, len(published))]
        assert sorted(received) == published
        assert await silent(listener)  # and nothing twice afterwards


async def test_a_number_taken_but_written_late_is_still_heard(
    feed: EventFeed, db: Database
) -> None:
    with feed.listen([(Topic.ORDERS, "buyer")]) as listener:
        # A publisher in another process has taken a number and not yet written its event.
        taken = await db.counters.find_one_and_update(
            {"_id": COUNTER_ID},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        after = await publish(db, Topic.ORDERS, ["buyer"])
        assert [e.seq for e in await heard(listener, 1)] == [after]  # not held up by the gap
        late = {"topic": "orders", "audience": ["buyer"], "ids": [], "at": datetime.now(UTC)}
        await db.events.insert_one({"_id": taken["seq"], **late})
        assert [e.seq for e in await heard(listener, 1)] == [taken["seq"]]
        assert await silent(listener)


async def test_a_number_never_written_is_given_up_after_the_grace_period(
    feed: EventFeed, db: Database
) -> None:
    skipped = SKIPPED._value.get()
    with feed.listen([(Topic.ORDERS, "buyer")]) as listener:
        await db.counters.find_one_and_update(
            {"_id": COUNTER_ID}, {"$inc": {"seq": 1}}, upsert=True
        )  # a publisher that died between its two steps
        for _ in range(100):
            if SKIPPED._value.get() > skipped:
                break
            await asyncio.sleep(0.02)
        assert SKIPPED._value.get() == skipped + 1 and not feed._missing
        seq = await publish(db, Topic.ORDERS, ["buyer"])
        assert [e.seq for e in await heard(listener, 1)] == [seq]


async def test_old_events_expire(db: Database) -> None:
    indexes = await db.events.index_information()
    ttl = [index for index in indexes.values() if "expireAfterSeconds" in index]
    assert [index["key"] for index in ttl] == [[("at", 1)]]


async def test_concurrent_publishers_get_distinct_consecutive_numbers(db: Database) -> None:
    before = await db.counters.find_one({"_id": "events"})
    start = before["seq"] if before else 0  # the seed of the test's regions published one
    seqs = await asyncio.gather(*(publish(db, Topic.ORDERS, ["buyer"]) for _ in range(20)))
    assert sorted(seqs) == list(range(start + 1, start + 21))
    assert await db.events.count_documents({"topic": Topic.ORDERS}) == 20
