from typing import Any

from pymongo import UpdateOne

from sannong.db import Collection

# The embedded server slows down more than linearly with the size of one write.
BATCH = 50


async def upsert_all(collection: Collection, documents: list[dict[str, Any]]) -> None:
    """Idempotent: documents are matched by `_id` and replaced field by field."""
    for start in range(0, len(documents), BATCH):
        await collection.bulk_write(
            [
                UpdateOne({"_id": doc["_id"]}, {"$set": doc}, upsert=True)
                for doc in documents[start : start + BATCH]
            ],
            ordered=False,
        )


async def insert_missing(collection: Collection, documents: list[dict[str, Any]]) -> None:
    """Idempotent for documents that change after seeding (stock): existing ones are left alone."""
    for start in range(0, len(documents), BATCH):
        await collection.bulk_write(
            [
                UpdateOne({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)
                for doc in documents[start : start + BATCH]
            ],
            ordered=False,
        )
