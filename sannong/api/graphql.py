"""GraphQL over HTTP as its specification says.

- `application/graphql-response+json` when the client accepts it, else JSON;
- 400 when the document cannot be parsed or validated (no `data` at all);
- GET for queries only; mutations over GET are refused with 405;
- no batching.
"""

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from sannong.api.context import Context, Services

GRAPHQL_RESPONSE = "application/graphql-response+json"


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, services: Services) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if services.settings.debug else None,
            allow_queries_via_get=True,
            subscription_protocols=(),
        )
        self.services = services

    def encode_json(self, data: object) -> bytes:
        # UTF-8 Chinese instead of \u escapes: half the bytes on a weak network.
        return orjson.dumps(data)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return Context(services=self.services, request=request)

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
        response = await super().run(request)
        if isinstance(request, Request) and isinstance(response, Response):
            if getattr(request.state, "request_error", False):
                response.status_code = 400
            if GRAPHQL_RESPONSE in request.headers.get("accept", ""):
                response.headers["content-type"] = GRAPHQL_RESPONSE
        return response
