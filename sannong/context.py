"""Per-request context: the process-wide services, the viewer and the loaders."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader

from sannong.auth import Viewer
from sannong.db import Database
from sannong.errors import Unauthenticated
from sannong.integrations.events import DELIVERED, Event, EventFeed, Topic
from sannong.integrations.sms import SmsProvider
from sannong.loaders.accounts import UserById
from sannong.media import PhotoStore
from sannong.rules.accounts import resolve_token
from sannong.security import Passwords
from sannong.settings import Settings


@dataclass
class Services:
    """What lives as long as the process: built once in the app's lifespan."""

    settings: Settings
    db: Database
    passwords: Passwords
    sms: SmsProvider
    photos: PhotoStore
    events: EventFeed


@dataclass
class Context:
    services: Services
    request: HTTPConnection
    loaders: dict[type, DataLoader[Any, Any]] = field(default_factory=dict)
    # graphql-transport-ws `connection_init` payload: browsers cannot set WebSocket headers.
    connection_params: dict[str, Any] | None = None
    _viewer: Viewer | None = None
    _viewer_loaded: bool = False
    _viewer_lookup: "asyncio.Future[None] | None" = None

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def client_address(self) -> str:
        return self.request.client.host if self.request.client else "unknown"

    def bearer_token(self) -> str | None:
        header = self.request.headers.get("authorization", "")
        if not header and isinstance(self.connection_params, dict):
            header = str(self.connection_params.get("Authorization", ""))
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()

    async def viewer(self) -> Viewer | None:
        """The signed-in person, or None when no token was sent; a bad token is an error."""
        if not self._viewer_loaded:
            # Root fields resolve concurrently: they share one lookup of the token.
            if self._viewer_lookup is None:
                self._viewer_lookup = asyncio.ensure_future(self._look_up_viewer())
            await self._viewer_lookup
        return self._viewer

    async def _look_up_viewer(self) -> None:
        token = self.bearer_token()
        if token is not None:
            session, user = await resolve_token(self, token)
            self._viewer = Viewer.from_docs(user, session)
        self._viewer_loaded = True

    def close(self) -> None:
        """Lets go of what the request loaded, once it is answered. A loader refers to
        itself (strawberry keeps its bound `batch_load`) and the request to this context,
        so without this every document, future and cache of the request would wait for
        the garbage collector, which then walks them again and again under load."""
        for loader in self.loaders.values():
            loader.clear_all()
        self.loaders.clear()

    def sign_in(self, user: dict[str, Any], session: dict[str, Any]) -> None:
        """The rest of a register or login request sees the person it signed in."""
        self._viewer = Viewer.from_docs(user, session)
        self._viewer_loaded = True
        public = {key: value for key, value in user.items() if key != "passwordHash"}
        UserById.of(self).prime(user["_id"], public)

    async def require_viewer(self) -> Viewer:
        viewer = await self.viewer()
        if viewer is None:
            raise Unauthenticated()
        return viewer

    async def follow[T](
        self, keys: Iterable[tuple[Topic, str]], load: Callable[[Event], Awaitable[T | None]]
    ) -> AsyncIterator[T]:
        """What `load` makes of each event for `keys`, authorized when it is delivered.

        Before each event the token is checked again (a revoked or expired one ends
        the subscription with UNAUTHENTICATED, without waiting for an event: its
        revocation is an event too), and the loaders start empty, so `load` sees
        the object as it is now and decides with the visibility rule (None: skip).
        """
        token = self.bearer_token()
        if token is None:
            raise Unauthenticated()
        session, user = await resolve_token(self, token)
        revocations = [(Topic.SESSIONS, str(session["_id"])), (Topic.SESSIONS, str(user["_id"]))]
        with self.services.events.listen([*keys, *revocations]) as listener:
            while True:
                left = (session["expiresAt"] - datetime.now(UTC)).total_seconds()
                event = await listener.next(within=max(left, 0.0))
                self.loaders.clear()
                session, user = await resolve_token(self, token)
                self.sign_in(user, session)
                if event is None or event.topic == Topic.SESSIONS:
                    continue
                item = await load(event)
                if item is not None:
                    DELIVERED.labels(event.topic).inc()
                    yield item
