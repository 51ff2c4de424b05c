"""DataLoaders: one batched database command per type per level of a request.

A loader is created once per request and kept on the context:

    region = await RegionById.of(info.context).load(code)
"""

import weakref
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Protocol, Self

from strawberry.dataloader import DataLoader

from sannong.db import Database, object_id


class HasLoaders(Protocol):
    @property
    def db(self) -> Database: ...

    loaders: dict[type, DataLoader[Any, Any]]


class Loader[K, V](DataLoader[K, V]):
    def __init__(self, db: Database) -> None:
        self.db = db
        # Not `load_fn=self.batch_load`: a loader holding its own bound method is a
        # reference cycle, and everything it loaded would wait for the garbage collector
        # after each request instead of going with the request.
        loader = weakref.ref(self)

        async def batch_load(keys: Sequence[K]) -> Sequence[V]:
            found = loader()
            assert found is not None  # a loader that dispatches a batch is alive
            return await found.batch_load(keys)

        super().__init__(load_fn=batch_load)

    @classmethod
    def of(cls, context: HasLoaders) -> Self:
        loader = context.loaders.get(cls)
        if loader is None:
            loader = context.loaders[cls] = cls(context.db)
        return loader  # type: ignore[return-value]

    async def batch_load(self, keys: Sequence[K]) -> Sequence[V]:
        raise NotImplementedError


def matching(field: str, values: list[Any]) -> dict[str, Any]:
    """The filter of documents whose `field` is one of `values`: an equality for one value
    (most batches: one viewer, one listing), which the embedded engine answers from an
    index that starts with `field`; it reads the whole collection for any `$in`."""
    return {field: values[0]} if len(values) == 1 else {field: {"$in": values}}


class ById(Loader[Any, dict[str, Any] | None]):
    """Documents by `_id`, `None` where missing; subclasses name the collection."""

    collection: ClassVar[str]
    projection: ClassVar[dict[str, Any] | None] = None
    object_ids: ClassVar[bool] = True  # False where `_id` is a code (regions, commodities)

    async def load_node_keys(self, keys: Iterable[str]) -> list[dict[str, Any] | None]:
        """Documents for the keys of global IDs; a malformed key finds none."""
        if not self.object_ids:
            return list(await self.load_many(list(keys)))
        ids = [object_id(key) for key in keys]
        found = iter(await self.load_many([i for i in ids if i is not None]))
        return [next(found) if i is not None else None for i in ids]

    async def batch_load(self, keys: Sequence[Any]) -> Sequence[dict[str, Any] | None]:
        distinct = list(set(keys))
        # One key is read as the one document it names (`limit 1`): the embedded engine
        # answers that by its `_id` key, while it answers any `$in` by reading the whole
        # collection. MongoDB answers both from the `_id` index.
        query = self.db[self.collection].find(matching("_id", distinct), self.projection)
        found = await (query.limit(1) if len(distinct) == 1 else query).to_list()
        by_id = {doc["_id"]: doc for doc in found}
        return [by_id.get(key) for key in keys]


class ManyByField(Loader[Any, list[dict[str, Any]]]):
    """Documents grouped by the value of one field (e.g. children by `parentId`)."""

    collection: ClassVar[str]
    field: ClassVar[str]
    sort: ClassVar[list[tuple[str, int]]] = [("_id", 1)]
    projection: ClassVar[dict[str, Any] | None] = None

    async def batch_load(self, keys: Sequence[Any]) -> Sequence[list[dict[str, Any]]]:
        found = (
            await self.db[self.collection]
            .find(matching(self.field, list(set(keys))), self.projection, sort=self.sort)
            .to_list()
        )
        groups: dict[Any, list[dict[str, Any]]] = {key: [] for key in keys}
        for doc in found:
            groups.setdefault(doc[self.field], []).append(doc)
        return [groups[key] for key in keys]
