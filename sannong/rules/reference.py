"""Changes to documents that processes keep copies of (`loaders/shared.py`).

A rule that writes such a document calls `changed` after its write: this process
drops its copies now, so the writer's next request sees the change, and every other
process drops them when its event feed hands the `Topic.REFERENCE` event over.
"""

from collections.abc import Iterable
from typing import Any

from sannong.db import Database
from sannong.integrations.events import Topic, publish
from sannong.loaders.shared import forget


async def changed(db: Database, collection: str, ids: Iterable[Any] = ()) -> None:
    """Announces that these documents of `collection` changed (every one: no ids)."""
    ids = list(ids)
    forget(db.name, collection, ids)
    await publish(db, Topic.REFERENCE, audience=[collection], ids=ids)
