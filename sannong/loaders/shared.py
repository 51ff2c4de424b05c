"""Documents that change rarely (regions, commodities, markets), kept by the process.

A request's loader asks the process-wide `SHARED` first and loads only what it lacks,
in one `$in` as always; so a screen naming a village, a crop and a market usually
costs no database command for them. An entry lives `ttl` seconds at most; a change
is announced on the event feed (`Topic.REFERENCE`, audience the collection) and every
process drops its copies at once (`api/app.py` follows it). The documents are shared
between requests: nothing may change a loaded document in place.
"""

import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from sannong.loaders import ById

type Key = tuple[str, str, Any]  # database, loader, _id


class SharedDocuments:
    def __init__(self, max_entries: int = 50_000, ttl: float = 300.0) -> None:
        self.max_entries, self.ttl = max_entries, ttl
        self._entries: OrderedDict[Key, tuple[float, dict[str, Any]]] = OrderedDict()

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

    async def batch_load(self, keys: Sequence[Any]) -> Sequence[dict[str, Any] | None]:
        name = type(self).__name__
        found = {key: SHARED.get((self.db.name, name, key)) for key in set(keys)}
        missing = [key for key, doc in found.items() if doc is None]
        if missing:
            for key, doc in zip(missing, await super().batch_load(missing), strict=True):
                if doc is not None:
                    SHARED.put((self.db.name, name, key), doc)
                    found[key] = doc
        return [found[key] for key in keys]
