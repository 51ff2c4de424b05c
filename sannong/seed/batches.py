"""Idempotent batch writes of the seed, retried when the database stumbles.

Every write here can be repeated without harm (documents are matched by `_id`),
so a batch that timed out or lost its connection is simply sent again. A writer
first reads which documents are there already: missing ones are inserted whole,
in large batches, and only the fields that differ are set on the others. So a
seed run again over its own data writes nothing, and each step can say
truthfully how many documents it wrote (`progress.wrote`).
"""

from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from typing import Any

import bson
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
# `_id`s asked for in one `find`: the SQLite engine of the embedded server refuses an `$in`
# of 500 ("Expression tree is too large"); 200 leaves a margin and few round trips.
LOOKUP_BATCH = 200

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


async def _retried(write: Callable[[], Awaitable[object]]) -> None:
    async for attempt in retrying():
        with attempt:
            await write()


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def as_stored(collection: Collection, document: Document) -> Document:
    """The document as the database gives it back (times in milliseconds, with their
    zone; tuples as lists), to compare with what is stored."""
    decoded: Document = bson.decode(bson.encode(document), codec_options=collection.codec_options)
    return decoded


async def stored(
    collection: Collection, ids: Sequence[Any], projection: dict[str, int] | None = None
) -> dict[Any, Document]:
    """The documents of these `_id`s that exist, by `_id`."""
    found: dict[Any, Document] = {}
    for chunk in _chunks(ids, LOOKUP_BATCH):
        async for attempt in retrying():
            with attempt:
                docs = await collection.find({"_id": {"$in": list(chunk)}}, projection).to_list()
        found |= {doc["_id"]: doc for doc in docs}
    return found


async def insert_all(
    collection: Collection, documents: Sequence[Document], *, counted: bool = True
) -> None:
    """Writes documents known to be missing, as upserts that only insert.

    Not `insert_many`: the embedded server (mongoeco 4.11, SQLite engine) compares an
    inserted `_id` with every document of the collection, decoding each, so inserting
    the demo prices cost 117 s of its CPU against 47 s for upserts (`bench/first_run.py`).
    An upsert sent again after a lost answer finds its document and changes nothing."""
    await update_all(
        collection,
        [UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True) for doc in documents],
        counted=counted,
    )


async def update_all(
    collection: Collection, updates: Sequence[UpdateOne], *, counted: bool = True
) -> None:
    """Updates that change a document each (the caller left out those that would not);
    `counted=False`: a first part of writes counted by a later one."""
    for batch in _chunks(updates, BATCH):
        await _retried(partial(collection.bulk_write, list(batch), ordered=False))
        if counted:
            progress.advance(len(batch))
            progress.wrote(len(batch))


async def upsert_all(collection: Collection, documents: Sequence[Document]) -> None:
    """Idempotent: documents are matched by `_id`; missing ones are inserted, and the
    fields that differ are set on the others."""
    progress.expect(len(documents))
    found = await stored(collection, [doc["_id"] for doc in documents])
    missing, changes = [], []
    for doc in documents:
        if (old := found.get(doc["_id"])) is None:
            missing.append(doc)
            continue
        new = as_stored(collection, doc)
        if changed := {key: value for key, value in new.items() if old.get(key) != value}:
            changes.append(UpdateOne({"_id": doc["_id"]}, {"$set": changed}))
    progress.advance(len(documents) - len(missing) - len(changes))
    await insert_all(collection, missing)
    await update_all(collection, changes)


async def insert_missing(collection: Collection, documents: Sequence[Document]) -> None:
    """Idempotent for documents that change after seeding (stock): existing ones are left alone."""
    progress.expect(len(documents))
    found = await stored(collection, [doc["_id"] for doc in documents], {"_id": 1})
    missing = [doc for doc in documents if doc["_id"] not in found]
    progress.advance(len(documents) - len(missing))
    await insert_all(collection, missing)
