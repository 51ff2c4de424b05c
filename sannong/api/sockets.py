"""How much one client may hold open over WebSocket, and a coded answer to whoever asks more.

A subscription holds a socket, a listener on the event feed and a task for hours, so each
is bounded: connections per address (checked before anything is read), connections per
token (checked at `connection_init`, where graphql-transport-ws carries the token) and
operations in flight per connection. A refused connection is accepted and closed at once
with close code 4429 and a reason that starts with the code (`RATE_LIMITED: …`), so a
client can tell it from a network failure; a refused operation is an `error` message
whose GraphQL error carries `extensions.code`.

The counts are per server process: with N workers a client may hold N times the cap.
"""

import hashlib
from collections import Counter

from graphql import GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)

from sannong.context import Context
from sannong.errors import ErrorCode

TOO_MANY_CLOSE_CODE = 4429  # graphql-transport-ws uses 4429 for "too many" already
TOO_MANY_FROM_ADDRESS = f"{ErrorCode.RATE_LIMITED.value}: 来自同一地址的连接过多，请稍后再试"
TOO_MANY_FOR_TOKEN = f"{ErrorCode.RATE_LIMITED.value}: 同一账号打开的连接过多，请关闭其他页面"
TOO_MANY_OPERATIONS = "同一连接上进行中的订阅过多，请先取消不用的订阅"


class Slots:
    """How many connections each key (an address, a token's digest) holds, up to `cap`."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._held: Counter[str] = Counter()

    def take(self, key: str) -> bool:
        if self._held[key] >= self.cap:
            return False
        self._held[key] += 1
        return True

    def give_back(self, key: str) -> None:
        self._held[key] -= 1
        if self._held[key] <= 0:
            del self._held[key]


async def refuse_connection(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
    """Accepts and closes with a coded reason: a refused handshake would tell the client
    nothing but 403."""
    websocket = WebSocket(scope, receive, send)
    requested = scope.get("subprotocols") or []
    protocol = GRAPHQL_TRANSPORT_WS_PROTOCOL if GRAPHQL_TRANSPORT_WS_PROTOCOL in requested else None
    await websocket.accept(subprotocol=protocol)
    await websocket.close(TOO_MANY_CLOSE_CODE, reason)


def _token_of(payload: object) -> str | None:
    if not isinstance(payload, dict):
        return None
    scheme, _, token = str(payload.get("Authorization", "")).partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class LimitedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with a cap of connections per token and coded refusals."""

    _token_key: str | None = None

    def _slots(self) -> Slots:
        slots: Slots = getattr(self.view, "token_slots")  # noqa: B009 (set by GraphQLView)
        return slots

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._token_key is not None:
                self._slots().give_back(self._token_key)
                self._token_key = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        token = _token_of(message.get("payload"))
        if token is not None and not self.connection_init_received and self._token_key is None:
            key = hashlib.sha256(token.encode()).hexdigest()  # tokens are never kept
            if not self._slots().take(key):
                await self.websocket.close(code=TOO_MANY_CLOSE_CODE, reason=TOO_MANY_FOR_TOKEN)
                return
            self._token_key = key
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        cap = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and cap is not None
            and len(self.operations) >= cap
        ):
            error = GraphQLError(
                TOO_MANY_OPERATIONS, extensions={"code": ErrorCode.RATE_LIMITED.value}
            )
            refusal: ErrorMessage = {
                "id": message["id"],
                "type": "error",
                "payload": [error.formatted],
            }
            await self.send_message(refusal)
            return
        await super().handle_subscribe(message)
