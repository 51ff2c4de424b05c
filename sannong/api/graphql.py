"""GraphQL over HTTP as its specification says.

- `application/graphql-response+json` when the client accepts it, else JSON;
- 400 when the document cannot be parsed or validated (no `data` at all);
- GET for queries only; mutations over GET are refused with 405;
- a GET answer carries a weak ETag, and an unchanged answer costs a 304;
- trusted documents: `documentId` in place of `query` (see `documents.py`);
- no batching;
- multipart uploads (photos) only with a preflight header and a bearer token:
  a browser sends multipart/form-data cross-site without a CORS preflight, so
  the header proves the request comes from our own code (CSRF);
- subscriptions over graphql-transport-ws (the token in `connection_init`);
- every refusal, down to a wrong method or content type, is GraphQL JSON with a
  code; a browser opening the endpoint outside debug gets a short page saying
  what it is.
"""

import hashlib
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from sannong.api.documents import TrustedDocuments
from sannong.api.headers import app_page_policy, graphiql_policy
from sannong.api.sockets import TOO_MANY_FROM_ADDRESS, LimitedTransportWS, Slots, refuse_connection
from sannong.context import Context, Services
from sannong.errors import Unauthenticated

GRAPHQL_RESPONSE = "application/graphql-response+json"
# Any of these makes a cross-site request non-simple, so the browser asks first (CORS).
PREFLIGHT_HEADERS = ("graphql-preflight", "apollo-require-preflight", "x-apollo-operation-name")


# Strawberry's plain-text refusals, in Chinese; GraphQL-over-HTTP wants 415 for the media type.
_REFUSALS: dict[str, tuple[int, str]] = {
    "GraphQL only supports GET and POST requests.": (405, "只支持 GET 和 POST 请求"),
    "Batching is not enabled": (400, "不支持批量请求，请每次发送一个操作"),
    "Unsupported content type": (415, "不支持的内容类型，请使用 application/json"),
    "No GraphQL query found in the request": (400, "请求中没有 GraphQL 查询"),
    "Unable to parse request body as JSON": (400, "请求内容不是有效的 JSON"),
}
_CODES = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
ENDPOINT_PAGE = """<!doctype html>
<html lang="zh-CN"><meta charset="utf-8"><title>三农 GraphQL 接口</title>
<style>body { font-family: sans-serif; max-width: 36em; margin: 3em auto; line-height: 1.6 }</style>
<body>
<h1>三农 GraphQL 接口</h1>
<p>这里是三农平台的数据接口，供手机应用和网页调用，不能在浏览器中直接浏览。</p>
<p>请打开<a href="/">三农平台首页</a>。开发者请用 POST 发送 GraphQL 请求
（Content-Type: application/json）。</p>
</body></html>
"""
_PAGE_HEADERS = {"Content-Security-Policy": app_page_policy(ENDPOINT_PAGE)}


def _refuse(status: int, message: str, code: str) -> Response:
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    headers = {"Allow": "GET, POST"} if status == 405 else None
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _coded_refusal(error: HTTPException) -> Response:
    status, message = _REFUSALS.get(error.reason, (error.status_code, error.reason))
    if message.isascii():
        message = "请求无效"  # a reason of strawberry's not translated above (ours are Chinese)
    return _refuse(status, message, _CODES.get(status, "BAD_USER_INPUT"))


def _opened_in_a_browser(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "documentId" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


async def _upload_refusal(request: Request, context: Context) -> Response | None:
    """Why a multipart request may not go on, checked before its (large) body is read.
    The viewer found here stays on the context the request then executes with."""
    content_type = request.headers.get("content-type", "").lower()
    if request.method != "POST" or not content_type.startswith("multipart/form-data"):
        return None
    if not any(request.headers.get(name) for name in PREFLIGHT_HEADERS):
        return _refuse(400, "上传需要 GraphQL-Preflight 请求头", "BAD_USER_INPUT")
    try:
        if await context.viewer() is None:
            raise Unauthenticated("请先登录再上传")
    except Unauthenticated as error:
        return _refuse(401, error.message, "UNAUTHENTICATED")
    return None


class TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages go as text frames: the browser's client (graphql-ws)
    cannot read the binary frames that orjson's bytes would otherwise become."""

    async def send_json(self, message: Any) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = LimitedTransportWS

    def __init__(
        self, schema: Any, services: Services, documents: TrustedDocuments | None = None
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if services.settings.debug else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=services.settings.ws_operations_per_connection,
        )
        self.services = services
        self.address_slots = Slots(services.settings.ws_connections_per_address)
        self.token_slots = Slots(services.settings.ws_connections_per_token)
        self.documents = documents or TrustedDocuments({})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = _coded_refusal(error)
        await response(scope, receive, send)

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket within its address's cap (`sockets.py`; the address is the proxy's
        client when `forwarded_allow_ips` trusts it, as uvicorn resolves it)."""
        client = scope.get("client")
        address = client[0] if client else "unknown"
        if not self.address_slots.take(address):
            await refuse_connection(scope, receive, send, TOO_MANY_FROM_ADDRESS)
            return
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.address_slots.give_back(address)

    def should_render_graphql_ide(self, request: Any) -> bool:
        return (
            self.graphql_ide is not None
            and "documentId" not in request.query_params
            and super().should_render_graphql_ide(request)
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        page = await super().render_graphql_ide(request)
        page.headers["Content-Security-Policy"] = graphiql_policy(bytes(page.body).decode())
        return page

    def decode_json(self, data: str | bytes) -> object:
        return self.documents.resolve(orjson.loads(data))

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        resolved: dict[str, Any] = self.documents.resolve(super().parse_query_params(params))
        return resolved

    def encode_json(self, data: object) -> bytes:
        # UTF-8 Chinese instead of \u escapes: half the bytes on a weak network.
        return orjson.dumps(data)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        made_by_run: Context | None = getattr(request.state, "context", None)
        return made_by_run or Context(services=self.services, request=request)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            # A request error (nothing executed): 400 and no `data` entry, as the spec says.
            # A field error that nulls `data` is an execution result and stays 200.
            request.state.request_error = True
            response.pop("data", None)
        return response

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, "GET 请求只能用于查询，请使用 POST") from error
            raise

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        try:
            return await self._run(request)
        finally:
            if isinstance(request, Request):
                await request.close()  # the uploaded files of a multipart request
                made: Context | None = getattr(request.state, "context", None)
                if made is not None:
                    del request.state.context
                    made.close()

    async def _run(self, request: Any) -> Any:
        if isinstance(request, Request):
            if self.graphql_ide is None and _opened_in_a_browser(request):
                return HTMLResponse(ENDPOINT_PAGE, headers=_PAGE_HEADERS)
            request.state.context = Context(services=self.services, request=request)
            if refusal := await _upload_refusal(request, request.state.context):
                return refusal
        response = await super().run(request)
        if isinstance(request, Request) and isinstance(response, Response):
            if getattr(request.state, "request_error", False):
                response.status_code = 400
            if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
                response.headers["content-type"] = GRAPHQL_RESPONSE
            if request.method == "GET" and response.status_code == 200:
                return _revalidated(request, response)
        return response


def _revalidated(request: Request, response: Response) -> Response:
    """A weak ETag over the answer; the same answer again is a bodiless 304."""
    etag = 'W/"' + hashlib.blake2b(response.body, digest_size=16).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization, Accept"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response
