"""Turns every GraphQL error into a coded one; masks what is not meant for clients.

Coded errors (`sannong.errors.ApiError`) pass through; parse and validation
errors become BAD_USER_INPUT (or QUERY_TOO_COMPLEX for limits); a database
that does not answer becomes SERVICE_UNAVAILABLE; anything else is logged and
answered with a generic message, never a stack trace or driver text.
"""

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from pymongo.errors import ConnectionFailure, PyMongoError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from sannong.api.metrics import GRAPHQL_ERRORS
from sannong.errors import ApiError, ErrorCode, ServiceUnavailable

log = logging.getLogger("sannong.errors")

_TOKEN_LIMIT_PREFIX = "Document contains more than"


def _coded(error: GraphQLError, code: ErrorCode, message: str | None = None) -> GraphQLError:
    return GraphQLError(
        message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code.value},
    )


def classify(error: GraphQLError, *, debug: bool) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ApiError):
        return error
    # Server selection and operation timeouts included: a hung database is a down one.
    if isinstance(original, ConnectionFailure) or (
        isinstance(original, PyMongoError) and original.timeout
    ):
        return _coded(error, ErrorCode.SERVICE_UNAVAILABLE, ServiceUnavailable.default_message)
    if error.path is None or isinstance(original, GlobalIDValueError):
        # Parse, validation and coercion errors describe the request itself.
        if error.extensions and "code" in error.extensions:
            return error
        if _TOKEN_LIMIT_PREFIX in error.message:
            return _coded(error, ErrorCode.QUERY_TOO_COMPLEX, "查询过长，请精简后再试")
        return _coded(error, ErrorCode.BAD_USER_INPUT)
    log.error("unexpected error in %s", error.path, exc_info=original)
    if debug:
        return _coded(error, ErrorCode.INTERNAL_SERVER_ERROR)
    return GraphQLError(
        "服务器开小差了，请稍后再试",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value},
    )


class CodedErrors(SchemaExtension):
    def __init__(self, *, debug: bool = False) -> None:
        self.debug = debug

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        result.errors = [classify(error, debug=self.debug) for error in result.errors]
        for error in result.errors:
            GRAPHQL_ERRORS.labels((error.extensions or {}).get("code", "UNKNOWN")).inc()
