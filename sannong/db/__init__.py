"""The database layer: what the rest of the code names a database and a document key."""

from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

type Document = dict[str, Any]
type Database = AsyncDatabase[Document]
type Client = AsyncMongoClient[Document]
type Collection = AsyncCollection[Document]


def object_id(key: str) -> ObjectId | None:
    """The ObjectId a string names, or None: a malformed key then simply finds nothing."""
    return ObjectId(key) if ObjectId.is_valid(key) else None
