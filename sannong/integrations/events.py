"""The event feed: what changed, told to every server process.

A rule that changes something publishes an event in the same code path as its
write; the event names who may care (its audience) and the ids to load:

    await publish(db, Topic.ORDERS, audience=[buyer_id, seller_id], ids=[order_id])

Each server process runs one `EventFeed` (started in the app's lifespan). Its
reader follows the `events` collection and hands every event to the local
listeners registered under (topic, key) for a key in the event's audience:

    with feed.listen([(Topic.ORDERS, str(user_id))]) as listener:
        event = await listener.next()

Events are numbered by one atomic counter (`counters`, `_id: "events"`) and
stored with `_id` = that number, so every process sees one order. Old events
expire by a TTL index: the feed is a short buffer, never an archive.

The reader is chosen by asking the server (`hello`), not by a setting:

- a replica set or a sharded cluster: a change stream on `events`; the resume
  token is kept, so a reader that restarts resumes where it stopped;
- anything else, or a server that refuses change streams (the embedded one):
  polling. Each tick reads the counter by `_id` (one equality lookup); only when
  it moved are the new events read by `_id` range. A number allocated but not
  yet visible (another process between its counter update and its insert) is
  remembered and looked up again for `gap_grace` seconds before it is given up.
  Delivering the events after such a gap at once keeps latency low; order
  between concurrent events is not promised, and listeners load the object's
  current state anyway.

Handing events to listeners and moving the reader's position happen with no
`await` in between, so stopping the reader at any point loses or repeats nothing.
"""

import asyncio
import contextlib
import logging
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from pymongo import ReturnDocument
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
)

from sannong.db import Database

log = logging.getLogger("sannong.events")

PUBLISHED = Counter("sannong_events_published_total", "Events published", ["topic"])
DELIVERED = Counter(
    "sannong_events_delivered_total",
    "Events delivered to a subscriber after authorization",
    ["topic"],
)
READER_LAG = Histogram(
    "sannong_event_reader_lag_seconds",
    "Time from publishing an event to this process's reader handing it over",
    buckets=(0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10),
)
SKIPPED = Counter("sannong_events_skipped_total", "Event numbers given up after the grace period")
LISTENERS = Gauge("sannong_event_listeners", "Open subscriptions of this process")
DROPPED = Counter("sannong_events_dropped_total", "Events dropped for a subscriber that lags")

COUNTER_ID = "events"
BATCH = 200
MAX_MISSING = 1000  # numbers waited for at once; beyond, the oldest are given up
STOP_GRACE_SECONDS = 2.0  # for the reader to finish the command at hand
QUEUE_SIZE = 100  # per listener; a listener that stops reading loses old events

# Reader kinds, as `EventFeed.reader` reports them.
CHANGE_STREAM = "change stream"
POLLING = "polling"
HISTORY_LOST = 286  # ChangeStreamHistoryLost: the resume token fell off the oplog


class Topic(StrEnum):
    ORDERS = "orders"  # audience: buyer and seller ids; ids: [order id]
    SESSIONS = "sessions"  # audience: a session id or a user id whose sessions were revoked
    REFERENCE = "reference"  # audience: a collection of rarely changed documents; ids: changed
    CONSULTATIONS = "consultations"  # audience: farmer and expert ids; ids: [consultation id]
    CALL_SIGNALS = "call_signals"  # audience: a consultation id; ids: [call signal id]
    NOTICES = "notices"  # audience: the region a notice is addressed to; ids: [notice id]


@dataclass(frozen=True)
class Event:
    seq: int
    topic: str
    audience: tuple[str, ...]
    ids: tuple[Any, ...]
    at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Event":
        return cls(
            seq=doc["_id"],
            topic=doc["topic"],
            audience=tuple(doc["audience"]),
            ids=tuple(doc.get("ids", ())),
            at=doc["at"],
        )


# Feeds of this process: a local publish wakes them instead of waiting for their next tick.
_local_feeds: "weakref.WeakSet[EventFeed]" = weakref.WeakSet()


async def _next_seq(db: Database) -> int:
    async def increment() -> int:
        counter = await db.counters.find_one_and_update(
            {"_id": COUNTER_ID},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert counter is not None  # upserted
        return int(counter["seq"])

    try:
        return await increment()
    except DuplicateKeyError:  # two first-ever upserts raced on the counter's `_id`
        return await increment()


async def publish(
    db: Database, topic: Topic, audience: Iterable[object], ids: Iterable[Any] = ()
) -> int | None:
    """Tells every process that something changed; returns the event's number.

    The write it announces has happened: a database failure here is logged and
    swallowed, so the caller still answers with what it did."""
    try:
        seq = await _next_seq(db)
        await db.events.insert_one(
            {
                "_id": seq,
                "topic": topic.value,
                "audience": [str(key) for key in audience],
                "ids": list(ids),
                "at": datetime.now(UTC),
            }
        )
    except PyMongoError:
        log.warning("event not published", extra={"topic": topic.value}, exc_info=True)
        return None
    PUBLISHED.labels(topic.value).inc()
    for feed in list(_local_feeds):
        feed.wake()
    return seq


class Listener:
    """One subscription's queue of events."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self._queue: asyncio.Queue[Event] = asyncio.Queue(size)

    def put(self, event: Event) -> None:
        if self._queue.full():
            DROPPED.inc()
            with contextlib.suppress(asyncio.QueueEmpty):
                self._queue.get_nowait()
        self._queue.put_nowait(event)

    async def next(self, within: float | None = None) -> Event | None:
        """The next event, or None when `within` seconds pass without one."""
        try:
            return await asyncio.wait_for(self._queue.get(), within)
        except TimeoutError:
            return None


class EventFeed:
    """This process's reader of the feed and its local listeners."""

    def __init__(
        self, db: Database, *, poll_interval: float = 0.2, gap_grace: float = 10.0
    ) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.gap_grace = gap_grace
        self.reader: str | None = None  # CHANGE_STREAM or POLLING, once the server answered
        self._listeners: defaultdict[tuple[str, str], set[Listener]] = defaultdict(set)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup = asyncio.Event()
        # Position of the polling reader: every number up to `_frontier` was handed over,
        # given up, or is in `_missing` (number -> monotonic time it was first missed).
        self._frontier: int | None = None
        self._missing: dict[int, float] = {}
        self._resume_token: Any = None  # position of the change stream reader
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the reader; a restarted reader resumes where it stopped."""
        if self._task is None:
            self._stopping = False
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.create_task(self._run(), name="event-feed-reader")
            _local_feeds.add(self)

    async def stop(self) -> None:
        """Stops the reader; listeners stay and hear again once it is started."""
        task, self._task = self._task, None
        _local_feeds.discard(self)
        if task is None:
            return
        # Let the reader end between commands: a command cancelled midway leaves its
        # connection to the garbage collector. A change stream waits: it is cancelled.
        self._stopping = True
        self._wakeup.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def delivered(self) -> None:
        """Waits until every event published so far has been handed to this process's
        listeners. A change stream has no number to compare: it gets one poll interval.
        The caller bounds the wait (`asyncio.timeout`)."""
        if self.reader == CHANGE_STREAM:
            await asyncio.sleep(self.poll_interval)
            return
        head = await self._head()
        while self._frontier is None or self._frontier < head:
            self.wake()
            await asyncio.sleep(self.poll_interval / 4)
        await asyncio.sleep(0)  # the listeners' own tasks take what was handed over

    def wake(self) -> None:
        if self._loop is not None and self._loop is _running_loop():
            self._wakeup.set()

    # -- listeners -------------------------------------------------------------------------

    @contextlib.contextmanager
    def listen(self, keys: Iterable[tuple[str, str]]) -> Iterator[Listener]:
        """A listener for every event whose topic and an audience key match one of `keys`."""
        listener, keys = Listener(), {(str(topic), key) for topic, key in keys}
        for key in keys:
            self._listeners[key].add(listener)
        LISTENERS.inc()
        try:
            yield listener
        finally:
            LISTENERS.dec()
            for key in keys:
                self._listeners[key].discard(listener)
                if not self._listeners[key]:
                    del self._listeners[key]

    def listening(self, topic: str, key: str) -> int:
        return len(self._listeners.get((topic, key), ()))

    def _hand_over(self, event: Event) -> None:
        READER_LAG.observe(max(0.0, (datetime.now(UTC) - event.at).total_seconds()))
        targets: set[Listener] = set()
        for key in event.audience:
            targets |= self._listeners.get((event.topic, key), set())
        for listener in targets:
            listener.put(event)

    # -- readers ---------------------------------------------------------------------------

    async def _pause(self, seconds: float) -> None:
        """A sleep that `stop()` (or a local publish) ends early."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), seconds)

    async def _run(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                if self.reader is None:
                    self.reader = await self._choose_reader()
                    log.info("event feed reader", extra={"reader": self.reader})
                if self.reader == CHANGE_STREAM:
                    await self._follow_change_stream()
                else:
                    await self._poll()
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except (ConnectionFailure, ExecutionTimeout):
                # The database is down or slow: expected, and said once per attempt.
                log.warning("event feed reader: database unavailable, retrying")
                await self._pause(delay)
                delay = min(delay * 2, 10.0)
            except Exception:
                log.warning("event feed reader failed, retrying", exc_info=True)
                await self._pause(delay)
                delay = min(delay * 2, 10.0)

    async def _choose_reader(self) -> str:
        hello = await self.db.client.admin.command("hello")
        if hello.get("setName") or hello.get("msg") == "isdbgrid":
            return CHANGE_STREAM
        return POLLING

    async def _follow_change_stream(self) -> None:
        try:
            stream = await self.db.events.watch(
                [{"$match": {"operationType": "insert"}}], resume_after=self._resume_token
            )
        except OperationFailure as refused:
            if refused.code == HISTORY_LOST:
                log.error("event feed position lost, following from now on")
                self._resume_token = None
            elif self._resume_token is not None:
                raise  # a resume that failed: retried with backoff
            else:
                log.warning("change stream refused, polling the event feed", exc_info=True)
                self.reader = POLLING
            return
        async with stream:
            self._resume_token = stream.resume_token  # a break before the first change resumes
            async for change in stream:
                self._hand_over(Event.from_doc(change["fullDocument"]))
                self._resume_token = stream.resume_token

    async def _poll(self) -> None:
        if self._frontier is None:
            self._frontier = await self._head()  # listeners hear what happens from now on
        while not self._stopping:
            self._wakeup.clear()
            more = await self._poll_once()
            if not more:
                await self._pause(self.poll_interval)

    async def _head(self) -> int:
        counter = await self.db.counters.find_one({"_id": COUNTER_ID})
        return int(counter["seq"]) if counter else 0

    async def _poll_once(self) -> bool:
        """One tick of the polling reader; True when a full batch suggests more is waiting."""
        assert self._frontier is not None
        head = await self._head()
        if self._missing:
            late = await self.db.events.find({"_id": {"$in": sorted(self._missing)}}).to_list()
            for doc in sorted(late, key=lambda doc: doc["_id"]):
                if self._missing.pop(doc["_id"], None) is not None:
                    self._hand_over(Event.from_doc(doc))
        more = False
        if head > self._frontier:
            docs = (
                await self.db.events.find({"_id": {"$gt": self._frontier}})
                .sort("_id", 1)
                .limit(BATCH)
                .to_list()
            )
            more = len(docs) == BATCH
            top = docs[-1]["_id"] if more else head
            found = {doc["_id"] for doc in docs}
            now = time.monotonic()
            for seq in range(self._frontier + 1, top + 1):
                if seq not in found:
                    self._missing[seq] = now
            for doc in docs:
                self._hand_over(Event.from_doc(doc))
            self._frontier = max(self._frontier, top)
        self._give_up_missing()
        return more

    def _give_up_missing(self) -> None:
        if not self._missing:
            return
        deadline = time.monotonic() - self.gap_grace
        overflow = len(self._missing) - MAX_MISSING
        for index, (seq, since) in enumerate(sorted(self._missing.items())):
            if since <= deadline or index < overflow:
                del self._missing[seq]
                SKIPPED.inc()
                log.warning("event number given up", extra={"seq": seq})


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
