"""The database layer: what the rest of the code names a database and a document key."""

from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from sannong.errors import NotFound

type Document = dict[str, Any]
type Database = AsyncDatabase[Document]
type Client = AsyncMongoClient[Document]
type Collection = AsyncCollection[Document]


def object_id(key: str) -> ObjectId | None:
    """The ObjectId a string names, or None: a malformed key then simply finds nothing."""
    return ObjectId(key) if ObjectId.is_valid(key) else None


async def find_by_id(collection: Collection, key: Any, missing: str, field: str) -> Document:
    """The document with this `_id`; NotFound (`missing`, on `field`) when none is stored
    or the key is None (a malformed ID names nothing, and asks nothing)."""
    doc = None if key is None else await collection.find_one({"_id": key})
    if doc is None:
        raise NotFound(missing, field=field)
    return doc
