"""Documents that change rarely, kept by the process.

A request's loader asks the process-wide `SHARED` first and loads only what it lacks,
in one `$in` as always; so a screen naming a village, a crop, a market, a person or
an expert usually costs no database command for them. `LISTS` keeps short answers
many requests ask for alike (the notices in force for a village, its warnings).

An entry lives `ttl` seconds at most. A change is announced on the event feed
(`Topic.REFERENCE`, audience the collection, ids the changed documents): the writing
process drops its copies at once (`rules/reference.changed`), every other process
when its feed reader hands the event over (`api/app.py` follows it). A load that was
under way while a change was announced is used by its request but not kept. The
documents are shared between requests: nothing may change a loaded document in place.
"""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar

from sannong.loaders import ById

type Key = tuple[str, str, Any]  # database, loader or collection, _id or list key


class _Generations:
    """A count of changes per (database, collection): a load that saw another count
    before it began is not kept."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}

    def of(self, database: str, collection: str) -> int:
        return self._counts.get((database, collection), 0)

    def bump(self, database: str, collection: str) -> None:
        self._counts[(database, collection)] = self.of(database, collection) + 1


class SharedDocuments:
    def __init__(self, max_entries: int = 50_000, ttl: float = 300.0) -> None:
        self.max_entries, self.ttl = max_entries, ttl
        self._entries: OrderedDict[Key, tuple[float, dict[str, Any]]] = OrderedDict()
        self.generations = _Generations()

    def get(self, key: Key) -> dict[str, Any] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, doc = entry
        if time.monotonic() - stored_at > self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return doc

    def put(self, key: Key, doc: dict[str, Any]) -> None:
        self._entries[key] = (time.monotonic(), doc)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def evict(self, database: str, collection: str, ids: Iterable[Any] = ()) -> None:
        """Drops the copies of these documents (every document of it when `ids` is empty)."""
        self.generations.bump(database, collection)
        wanted = set(ids)
        loaders = {cls.__name__ for cls in SharedById.kinds if cls.collection == collection}
        for key in [k for k in self._entries if k[0] == database and k[1] in loaders]:
            if not wanted or key[2] in wanted:
                del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()


SHARED = SharedDocuments()


class SharedById(ById):
    """`ById` over the process's copies; a missing document is asked for every time
    (not remembered as missing), so a new one is found at once."""

    kinds: ClassVar[list[type["SharedById"]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        SharedById.kinds.append(cls)

    def load(self, key: Any) -> Awaitable[dict[str, Any] | None]:
        """The process's copy, when there is one, comes as a future already done (kept for
        the rest of the request): awaiting it does not wait for the event loop."""
        if self.cache_map.get(key) is None and (
            doc := SHARED.get((self.db.name, type(self).__name__, key))
        ):
            # `prime` would also scan the pending batch, which cannot hold this key.
            future: asyncio.Future[dict[str, Any] | None] = self.loop.create_future()
            future.set_result(doc)
            self.cache_map.set(key, future)
            return future
        return super().load(key)

    async def batch_load(self, keys: Sequence[Any]) -> Sequence[dict[str, Any] | None]:
        name = type(self).__name__
        found = {key: SHARED.get((self.db.name, name, key)) for key in set(keys)}
        missing = [key for key, doc in found.items() if doc is None]
        if missing:
            generation = SHARED.generations.of(self.db.name, self.collection)
            loaded = await super().batch_load(missing)
            keep = SHARED.generations.of(self.db.name, self.collection) == generation
            for key, doc in zip(missing, loaded, strict=True):
                if doc is not None:
                    if keep:
                        SHARED.put((self.db.name, name, key), doc)
                    found[key] = doc
        return [found[key] for key in keys]


class SharedLists:
    """Short query answers kept per (database, collection, key). Any change to the
    collection drops every list of it: changes are rare, and a list cannot say which
    new documents would have entered it. A list may hold documents that stop counting
    with time (an expired notice): its reader filters them by the clock."""

    def __init__(self, max_entries: int = 5_000, ttl: float = 300.0) -> None:
        self.max_entries, self.ttl = max_entries, ttl
        self._entries: OrderedDict[Key, tuple[float, list[dict[str, Any]]]] = OrderedDict()
        self.generations = _Generations()

    async def get(
        self,
        database: str,
        collection: str,
        key: Any,
        load: Callable[[], Awaitable[list[dict[str, Any]]]],
    ) -> list[dict[str, Any]]:
        """The kept list, or what `load` answers (kept unless a change came meanwhile)."""
        entry_key = (database, collection, key)
        entry = self._entries.get(entry_key)
        if entry is not None and time.monotonic() - entry[0] <= self.ttl:
            self._entries.move_to_end(entry_key)
            return entry[1]
        generation = self.generations.of(database, collection)
        docs = await load()
        if self.generations.of(database, collection) == generation:
            self._entries[entry_key] = (time.monotonic(), docs)
            self._entries.move_to_end(entry_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return docs

    def evict(self, database: str, collection: str) -> None:
        self.generations.bump(database, collection)
        for key in [k for k in self._entries if k[0] == database and k[1] == collection]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()


LISTS = SharedLists()

# Collections kept in `LISTS`, declared where their lists are read; with the loaders'
# collections they are what a process follows on the feed.
LIST_COLLECTIONS = ("notices", "alerts")


def followed_collections() -> set[str]:
    """Collections whose `Topic.REFERENCE` changes drop this process's copies."""
    return {kind.collection for kind in SharedById.kinds} | set(LIST_COLLECTIONS)


def forget(database: str, collection: str, ids: Iterable[Any] = ()) -> None:
    """Drops this process's copies of a collection's changed documents (all of them
    when no ids are given) and every list of the collection."""
    SHARED.evict(database, collection, ids)
    LISTS.evict(database, collection)
