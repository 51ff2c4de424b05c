"""In-process publish/subscribe for GraphQL subscriptions.

The embedded database has no change streams, so events are handed from the
mutation to subscribers through asyncio queues. This reaches only subscribers
connected to the same worker process; several workers need a shared broker
(MongoDB change streams or Redis) behind the same two methods.

    async for event in broker.subscribe(f"user:{user_id}"):
        ...
    broker.publish(f"user:{user_id}", event)
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

QUEUE_SIZE = 100  # a subscriber that stops reading loses old events, the publisher never waits


class Broker:
    def __init__(self) -> None:
        self._queues: defaultdict[str, set[asyncio.Queue[Any]]] = defaultdict(set)

    def publish(self, topic: str, event: Any) -> None:
        for queue in list(self._queues.get(topic, ())):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    def subscribers(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))

    async def subscribe(self, topic: str) -> AsyncIterator[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_SIZE)
        self._queues[topic].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]
