"""Idempotent batch writes of the seed, retried when the database stumbles.

Every write here can be repeated without harm (documents are matched by `_id`),
so a batch that timed out or lost its connection is simply sent again.
"""

from collections.abc import Callable
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import ConnectionFailure, PyMongoError
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from sannong.db import Collection
from sannong.seed import progress

# Measured with the embedded server (SQLite engine): the cost of a write grows with the
# size of the write, and 50 per command was as fast as any other size (10 to 200).
BATCH = 50

type Document = dict[str, Any]


def transient(error: BaseException) -> bool:
    """Worth another try: the database was unreachable, busy or slow, not wrong."""
    return isinstance(error, ConnectionFailure) or (
        isinstance(error, PyMongoError) and error.timeout
    )


def retrying(attempts: int = 5) -> AsyncRetrying:
    return AsyncRetrying(
        retry=retry_if_exception(transient),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.5, max=8),
        reraise=True,
    )


async def _write_in_batches(
    collection: Collection,
    documents: list[Document],
    operation: Callable[[Document], UpdateOne],
) -> None:
    for start in range(0, len(documents), BATCH):
        batch = [operation(doc) for doc in documents[start : start + BATCH]]
        async for attempt in retrying():
            with attempt:
                await collection.bulk_write(batch, ordered=False)
        progress.advance(len(batch))


async def upsert_all(collection: Collection, documents: list[Document]) -> None:
    """Idempotent: documents are matched by `_id` and replaced field by field."""
    progress.expect(len(documents))
    await _write_in_batches(
        collection, documents, lambda doc: UpdateOne({"_id": doc["_id"]}, {"$set": doc}, True)
    )


async def insert_missing(collection: Collection, documents: list[Document]) -> None:
    """Idempotent for documents that change after seeding (stock): existing ones are left alone."""
    progress.expect(len(documents))
    await _write_in_batches(
        collection,
        documents,
        lambda doc: UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": doc}, True),
    )


async def create_then_fill(
    collection: Collection, documents: list[Document], skeleton: Callable[[Document], Document]
) -> None:
    """`upsert_all` for many large documents: first every missing document as a small
    skeleton, then the full documents over them.

    Measured with the embedded server (SQLite engine): creating a document costs scans
    of the whole collection, updating one found by `_id` does not, so creating large
    documents gets slower with every one written. For the 1 980 month documents of the
    demo prices the server spent 52 s of CPU creating them whole, 22 s creating
    skeletons and filling them. The end state is `upsert_all`'s; a seed stopped in
    between is finished by the next run (readers meanwhile see months without reports).
    """
    progress.expect(2 * len(documents))  # two writes per document
    await _write_in_batches(
        collection,
        documents,
        lambda doc: UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": skeleton(doc)}, True),
    )
    await _write_in_batches(
        collection, documents, lambda doc: UpdateOne({"_id": doc["_id"]}, {"$set": doc})
    )
